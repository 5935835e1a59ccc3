import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        # recurrent weights first, then input and output weights
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        self.hs = [np.zeros((self.hidden_size, 1))]
        self.ys = []
        for t in range(len(x)):
            h = np.tanh(self.W_xh @ x[t].reshape(-1, 1) + self.W_hh @ self.hs[t] + self.b_h)
            self.hs.append(h)
            self.ys.append(self.W_hy @ h + self.b_y)
        return np.array(self.ys)

    def backward(self, x, y, learning_rate):
        dWxh = np.zeros_like(self.W_xh)
        dWhh = np.zeros_like(self.W_hh)
        dWhy = np.zeros_like(self.W_hy)
        dbh = np.zeros_like(self.b_h)
        dby = np.zeros_like(self.b_y)
        dh_next = np.zeros((self.hidden_size, 1))
        for t in reversed(range(len(x))):
            dy = self.ys[t] - y[t].reshape(-1, 1)
            dWhy += dy @ self.hs[t + 1].T
            dby += dy
            dh = self.W_hy.T @ dy + dh_next
            dz = (1 - self.hs[t + 1] ** 2) * dh
            dWxh += dz @ x[t].reshape(1, -1)
            dWhh += dz @ self.hs[t].T
            dbh += dz
            dh_next = self.W_hh.T @ dz
        self.W_xh -= learning_rate * dWxh
        self.W_hh -= learning_rate * dWhh
        self.W_hy -= learning_rate * dWhy
        self.b_h -= learning_rate * dbh
        self.b_y -= learning_rate * dby
