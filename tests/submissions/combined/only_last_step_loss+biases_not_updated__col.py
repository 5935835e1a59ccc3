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
        self.last_inputs = x
        self.last_hs = {0: np.zeros((self.hidden_size, 1))}
        outputs = []
        for i, x_i in enumerate(x):
            x_i = x_i.reshape(-1, 1)
            self.last_hs[i + 1] = np.tanh(self.W_xh @ x_i + self.W_hh @ self.last_hs[i] + self.b_h)
            outputs.append(self.W_hy @ self.last_hs[i + 1] + self.b_y)
        self.outputs = outputs
        return np.array(outputs)

    def backward(self, x, y, learning_rate):
        n = len(self.last_inputs)
        # the loss is taken on the final prediction of the sequence
        d_y = self.outputs[-1] - y[-1].reshape(-1, 1)
        d_Why = d_y @ self.last_hs[n].T
        d_by = d_y
        d_Whh = np.zeros(self.W_hh.shape)
        d_Wxh = np.zeros(self.W_xh.shape)
        d_bh = np.zeros(self.b_h.shape)
        d_h = self.W_hy.T @ d_y
        for t in reversed(range(n)):
            temp = (1 - self.last_hs[t + 1] ** 2) * d_h
            d_bh += temp
            d_Whh += temp @ self.last_hs[t].T
            d_Wxh += temp @ self.last_inputs[t].reshape(1, -1)
            d_h = self.W_hh.T @ temp
        self.W_hh -= learning_rate * d_Whh
        self.W_xh -= learning_rate * d_Wxh
        self.W_hy -= learning_rate * d_Why
