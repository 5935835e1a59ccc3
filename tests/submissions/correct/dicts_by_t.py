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
        xs, hs, ys = {}, {}, {}
        hs[-1] = np.zeros((self.hidden_size, 1))
        for t in range(len(x)):
            xs[t] = np.reshape(x[t], (len(x[t]), 1))
            hs[t] = np.tanh(np.dot(self.W_xh, xs[t]) + np.dot(self.W_hh, hs[t - 1]) + self.b_h)
            ys[t] = np.dot(self.W_hy, hs[t]) + self.b_y
        self.xs, self.hs, self.ys = xs, hs, ys
        return ys, hs

    def backward(self, x, y, learning_rate):
        xs, hs, ys = self.xs, self.hs, self.ys
        dWxh, dWhh, dWhy = np.zeros_like(self.W_xh), np.zeros_like(self.W_hh), np.zeros_like(self.W_hy)
        dbh, dby = np.zeros_like(self.b_h), np.zeros_like(self.b_y)
        dhnext = np.zeros_like(hs[0])
        for t in reversed(range(len(xs))):
            dy = np.copy(ys[t])
            dy -= np.reshape(y[t], dy.shape)
            dWhy += np.dot(dy, hs[t].T)
            dby += dy
            dh = np.dot(self.W_hy.T, dy) + dhnext
            dhraw = (1 - hs[t] * hs[t]) * dh
            dbh += dhraw
            dWxh += np.dot(dhraw, xs[t].T)
            dWhh += np.dot(dhraw, hs[t - 1].T)
            dhnext = np.dot(self.W_hh.T, dhraw)
        for param, dparam in zip([self.W_xh, self.W_hh, self.W_hy, self.b_h, self.b_y],
                                 [dWxh, dWhh, dWhy, dbh, dby]):
            param += -learning_rate * dparam
