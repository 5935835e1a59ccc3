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
        self.last_x = x
        self.h = {-1: np.zeros((self.hidden_size, 1))}
        self.o = {}
        for t in range(len(x)):
            self.h[t] = np.tanh(self.W_xh @ x[t].reshape(-1, 1) + self.W_hh @ self.h[t - 1] + self.b_h)
            self.o[t] = self.W_hy @ self.h[t] + self.b_y
        return np.array([self.o[t] for t in range(len(x))])

    def backward(self, x, y, learning_rate):
        loss = 0.0
        dWxh, dWhh, dWhy = np.zeros_like(self.W_xh), np.zeros_like(self.W_hh), np.zeros_like(self.W_hy)
        dbh, dby = np.zeros_like(self.b_h), np.zeros_like(self.b_y)
        dh_next = np.zeros((self.hidden_size, 1))
        for t in reversed(range(len(x))):
            diff = self.o[t] - y[t].reshape(-1, 1)
            loss += 0.5 * float(np.sum(diff ** 2))
            dWhy += diff @ self.h[t].T
            dby += diff
            dh = self.W_hy.T @ diff + dh_next
            dh_raw = (1 - self.h[t] ** 2) * dh
            dWxh += dh_raw @ x[t].reshape(1, -1)
            dWhh += dh_raw @ self.h[t - 1].T
            dbh += dh_raw
            dh_next = self.W_hh.T @ dh_raw
        self.W_xh -= learning_rate * dWxh
        self.W_hh -= learning_rate * dWhh
        self.W_hy -= learning_rate * dWhy
        self.b_h -= learning_rate * dbh
        self.b_y -= learning_rate * dby
        return loss
