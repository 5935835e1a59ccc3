import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        self.hidden_states = [np.zeros((self.hidden_size, 1))]
        self.outputs = []
        for t in range(x.shape[0]):
            x_t = x[t].reshape(-1, 1)
            h_t = np.tanh(np.dot(self.W_xh, x_t) + np.dot(self.W_hh, self.hidden_states[-1]) + self.b_h)
            self.hidden_states.append(h_t)
            self.outputs.append(np.dot(self.W_hy, h_t) + self.b_y)
        return np.array(self.outputs)

    def backward(self, x, y, learning_rate):
        dW_xh = np.zeros_like(self.W_xh)
        dW_hh = np.zeros_like(self.W_hh)
        dW_hy = np.zeros_like(self.W_hy)
        dh_next = np.zeros((self.hidden_size, 1))
        for t in reversed(range(x.shape[0])):
            dy = self.outputs[t] - y[t].reshape(-1, 1)
            dW_hy += np.dot(dy, self.hidden_states[t + 1].T)
            dh = np.dot(self.W_hy.T, dy) + dh_next
            dh_raw = (1 - self.hidden_states[t + 1] ** 2) * dh
            dW_xh += np.dot(dh_raw, x[t].reshape(1, -1))
            dW_hh += np.dot(dh_raw, self.hidden_states[t].T)
            dh_next = np.dot(self.W_hh.T, dh_raw)
        for grad in (dW_xh, dW_hh, dW_hy):
            np.clip(grad, -5, 5, out=grad)
        self.W_xh -= learning_rate * dW_xh
        self.W_hh -= learning_rate * dW_hh
        self.W_hy -= learning_rate * dW_hy
