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
        # adapted from min-char-rnn: dicts keyed by time, hprev at -1
        self.xs, self.hs, self.ps = {}, {}, {}
        self.hs[-1] = np.zeros((self.hidden_size, 1))
        for t in range(len(x)):
            self.xs[t] = np.array(x[t], dtype=float).reshape(-1, 1)
            self.hs[t] = np.tanh(np.dot(self.W_xh, self.xs[t]) + np.dot(self.W_hh, self.hs[t - 1]) + self.b_h)
            self.ps[t] = np.dot(self.W_hy, self.hs[t]) + self.b_y
        return np.array([self.ps[t] for t in range(len(x))])

    def backward(self, x, y, learning_rate):
        dWxh, dWhh, dWhy = np.zeros_like(self.W_xh), np.zeros_like(self.W_hh), np.zeros_like(self.W_hy)
        dbh, dby = np.zeros_like(self.b_h), np.zeros_like(self.b_y)
        dhnext = np.zeros_like(self.hs[0])
        for t in reversed(range(len(self.xs))):
            dy = self.ps[t] - np.array(y[t], dtype=float).reshape(-1, 1)
            dWhy += np.dot(dy, self.hs[t].T)
            dby += dy
            dh = np.dot(self.W_hy.T, dy) + dhnext
            dhraw = (1 - self.hs[t] * self.hs[t]) * dh
            dbh += dhraw
            dWxh += np.dot(dhraw, self.xs[t].T)
            dWhh += np.dot(dhraw, self.hs[t - 1].T)
            dhnext = np.dot(self.W_hh.T, dhraw)
        for param, dparam in zip([self.W_xh, self.W_hh, self.W_hy, self.b_h, self.b_y],
                                 [dWxh, dWhh, dWhy, dbh, dby]):
            param += -learning_rate * dparam
