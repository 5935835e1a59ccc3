import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))
        self.lr = 0.01

    def forward(self, x):
        h = np.zeros((self.hidden_size, 1))
        self.h_hist = [h]
        self.y_hist = []
        for t in range(len(x)):
            h = np.tanh(self.W_xh @ x[t].reshape(-1, 1) + self.W_hh @ h + self.b_h)
            self.h_hist.append(h)
            self.y_hist.append(self.W_hy @ h + self.b_y)
        return np.array(self.y_hist)

    def backward(self, x, y, learning_rate):
        dWxh = np.zeros_like(self.W_xh)
        dWhh = np.zeros_like(self.W_hh)
        dWhy = np.zeros_like(self.W_hy)
        dbh = np.zeros_like(self.b_h)
        dby = np.zeros_like(self.b_y)
        dh_next = np.zeros((self.hidden_size, 1))
        for t in reversed(range(len(x))):
            dy = self.y_hist[t] - y[t].reshape(-1, 1)
            dWhy += dy @ self.h_hist[t + 1].T
            dby += dy
            dz = (1 - self.h_hist[t + 1] ** 2) * (self.W_hy.T @ dy + dh_next)
            dWxh += dz @ x[t].reshape(1, -1)
            dWhh += dz @ self.h_hist[t].T
            dbh += dz
            dh_next = self.W_hh.T @ dz
        self.W_xh -= self.lr * dWxh
        self.W_hh -= self.lr * dWhh
        self.W_hy -= self.lr * dWhy
        self.b_h -= self.lr * dbh
        self.b_y -= self.lr * dby
