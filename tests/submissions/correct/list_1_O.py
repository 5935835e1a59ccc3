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
        hidden = np.zeros((self.hidden_size, 1))
        self.xs, self.hs, self.ys = {}, {-1: hidden}, {}
        result = []
        for t, xt in enumerate(x):
            self.xs[t] = np.reshape(xt, (-1, 1))
            self.hs[t] = np.tanh(self.W_xh @ self.xs[t] + self.W_hh @ self.hs[t - 1] + self.b_h)
            self.ys[t] = self.W_hy @ self.hs[t] + self.b_y
            result.append(self.ys[t].T)   # row vector (1, output_size)
        return result

    def backward(self, x, y, learning_rate):
        dWxh = np.zeros_like(self.W_xh)
        dWhh = np.zeros_like(self.W_hh)
        dWhy = np.zeros_like(self.W_hy)
        dbh = np.zeros_like(self.b_h)
        dby = np.zeros_like(self.b_y)
        dhnext = np.zeros_like(self.hs[-1])
        for t in reversed(range(len(self.xs))):
            dy = self.ys[t] - np.reshape(y[t], (-1, 1))
            dWhy += dy @ self.hs[t].T
            dby += dy
            dh = self.W_hy.T @ dy + dhnext
            dhraw = (1 - self.hs[t] * self.hs[t]) * dh
            dbh += dhraw
            dWxh += dhraw @ self.xs[t].T
            dWhh += dhraw @ self.hs[t - 1].T   # key -1 holds h0, not the last state
            dhnext = self.W_hh.T @ dhraw
        for param, dparam in zip([self.W_xh, self.W_hh, self.W_hy, self.b_h, self.b_y],
                                 [dWxh, dWhh, dWhy, dbh, dby]):
            param -= learning_rate * dparam
