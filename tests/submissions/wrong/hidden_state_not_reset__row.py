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
        if not hasattr(self, "h_last"):
            self.h_last = np.zeros((1, self.hidden_size))
        self.hist = [self.h_last]
        outs = []
        for t in range(len(x)):
            h = np.tanh(x[t].reshape(1, -1) @ self.W_xh.T + self.hist[-1] @ self.W_hh.T + self.b_h.T)
            self.hist.append(h)
            outs.append(h @ self.W_hy.T + self.b_y.T)
        self.h_last = self.hist[-1]     # remember where we stopped
        self.outs = outs
        return np.array(outs)

    def backward(self, x, y, learning_rate):
        self.forward(x)
        dWxh = np.zeros_like(self.W_xh)
        dWhh = np.zeros_like(self.W_hh)
        dWhy = np.zeros_like(self.W_hy)
        dbh = np.zeros((1, self.hidden_size))
        dby = np.zeros((1, self.W_hy.shape[0]))
        dh_next = np.zeros((1, self.hidden_size))
        for t in reversed(range(len(x))):
            dy = self.outs[t] - y[t].reshape(1, -1)
            dWhy += dy.T @ self.hist[t + 1]
            dby += dy
            dz = (dy @ self.W_hy + dh_next) * (1 - self.hist[t + 1] ** 2)
            dWxh += dz.T @ x[t].reshape(1, -1)
            dWhh += dz.T @ self.hist[t]
            dbh += dz
            dh_next = dz @ self.W_hh
        self.W_xh -= learning_rate * dWxh
        self.W_hh -= learning_rate * dWhh
        self.W_hy -= learning_rate * dWhy
        self.b_h -= learning_rate * dbh.T
        self.b_y -= learning_rate * dby.T
