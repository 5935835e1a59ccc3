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
        self.inputs = x
        self.hidden = {-1: np.zeros((self.hidden_size, 1))}
        self.out = {}
        for t in range(len(x)):
            self.hidden[t] = np.tanh(self.W_xh @ x[t].reshape(-1, 1) + self.W_hh @ self.hidden[t - 1] + self.b_h)
            self.out[t] = self.W_hy @ self.hidden[t] + self.b_y
        return np.array(list(self.out.values()))

    def backward(self, x, y, learning_rate):
        dW_xh = np.zeros_like(self.W_xh)
        dW_hh = np.zeros_like(self.W_hh)
        dW_hy = np.zeros_like(self.W_hy)
        dh_next = np.zeros((self.hidden_size, 1))
        for t in reversed(range(len(self.inputs))):
            dy = self.out[t] - y[t].reshape(-1, 1)
            dW_hy += dy @ self.hidden[t].T
            dh = self.W_hy.T @ dy + dh_next
            dz = (1 - self.hidden[t] ** 2) * dh
            dW_xh += dz @ self.inputs[t].reshape(1, -1)
            dW_hh += dz @ self.hidden[t - 1].T
            dh_next = self.W_hh.T @ dz
        self.W_xh -= learning_rate * dW_xh
        self.W_hh -= learning_rate * dW_hh
        self.W_hy -= learning_rate * dW_hy
