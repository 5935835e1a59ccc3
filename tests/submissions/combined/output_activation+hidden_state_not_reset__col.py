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
        self.xs = [xi.reshape(-1, 1) for xi in x]
        self.hs = [getattr(self, 'h_end', np.zeros((self.hidden_size, 1)))]
        self.ys = []
        for xi in self.xs:
            h = np.tanh(self.W_xh @ xi + self.W_hh @ self.hs[-1] + self.b_h)
            self.hs.append(h)
            self.ys.append(np.tanh(self.W_hy @ h + self.b_y))   # squash the output too
        self.h_end = self.hs[-1]
        return np.array(self.ys)

    def backward(self, x, y, learning_rate):
        dWxh = np.zeros_like(self.W_xh)
        dWhh = np.zeros_like(self.W_hh)
        dWhy = np.zeros_like(self.W_hy)
        dbh = np.zeros_like(self.b_h)
        dby = np.zeros_like(self.b_y)
        dhn = np.zeros((self.hidden_size, 1))
        for t in reversed(range(len(self.xs))):
            dy = (self.ys[t] - y[t].reshape(-1, 1)) * (1 - self.ys[t] ** 2)
            dWhy += dy @ self.hs[t + 1].T
            dby += dy
            dz = (1 - self.hs[t + 1] ** 2) * (self.W_hy.T @ dy + dhn)
            dWxh += dz @ self.xs[t].T
            dWhh += dz @ self.hs[t].T
            dbh += dz
            dhn = self.W_hh.T @ dz
        self.W_xh -= learning_rate * dWxh
        self.W_hh -= learning_rate * dWhh
        self.W_hy -= learning_rate * dWhy
        self.b_h -= learning_rate * dbh
        self.b_y -= learning_rate * dby
