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
        h = np.zeros((self.hidden_size, 1))
        self.xs, self.hs, self.os = {}, {-1: h}, {}
        for t in range(len(x)):
            self.xs[t] = x[t].reshape(-1, 1)
            self.hs[t] = np.tanh(np.dot(self.W_xh, self.xs[t]) + np.dot(self.W_hh, self.hs[t - 1]) + self.b_h)
            self.os[t] = np.dot(self.W_hy, self.hs[t]) + self.b_y
        return np.array([self.os[t] for t in range(len(x))])

    def backward(self, x, y, learning_rate):
        dWxh, dWhh, dWhy = np.zeros_like(self.W_xh), np.zeros_like(self.W_hh), np.zeros_like(self.W_hy)
        dbh, dby = np.zeros_like(self.b_h), np.zeros_like(self.b_y)
        dhnext = np.zeros_like(self.hs[0])
        for t in reversed(range(len(self.xs))):
            # loss = sum (y_hat - y)^2  => dloss/dy_hat = 2 (y_hat - y)
            do = 2 * (self.os[t] - y[t].reshape(-1, 1))
            dWhy += np.dot(do, self.hs[t].T)
            dby += do
            dh = np.dot(self.W_hy.T, do) + dhnext
            dhraw = (1 - self.hs[t] ** 2) * dh
            dbh += dhraw
            dWxh += np.dot(dhraw, self.xs[t].T)
            dWhh += np.dot(dhraw, self.hs[t - 1].T)
            dhnext = np.dot(self.W_hh.T, dhraw)
        for p, d in zip([self.W_xh, self.W_hh, self.W_hy, self.b_h, self.b_y], [dWxh, dWhh, dWhy, dbh, dby]):
            p -= learning_rate * d
