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
        T = len(x)
        self.H = np.zeros((T + 1, self.hidden_size, 1))
        self.Y = np.zeros((T, self.W_hy.shape[0], 1))
        for t in range(T):
            self.H[t + 1] = np.tanh(self.W_xh @ x[t].reshape(-1, 1) + self.W_hh @ self.H[t] + self.b_h)
            self.Y[t] = self.W_hy @ self.H[t + 1] + self.b_y
        return self.Y

    def backward(self, x, y, learning_rate):
        T = len(x)
        gxh, ghh, ghy = np.zeros_like(self.W_xh), np.zeros_like(self.W_hh), np.zeros_like(self.W_hy)
        gbh, gby = np.zeros_like(self.b_h), np.zeros_like(self.b_y)
        nxt = np.zeros((self.hidden_size, 1))
        for t in range(T - 1, -1, -1):
            h = self.H[t + 1]
            e = self.Y[t] - y[t].reshape(-1, 1)
            ghy += e @ h.T
            gby += e
            dz = (self.W_hy.T @ e + nxt) * (1 - h ** 2)
            gxh += dz @ x[t].reshape(1, -1)
            ghh += dz @ h.T
            gbh += dz
            nxt = self.W_hh.T @ dz
        self.W_xh -= learning_rate * gxh
        self.W_hh -= learning_rate * ghh
        self.W_hy -= learning_rate * ghy
        self.b_h -= learning_rate * gbh
        self.b_y -= learning_rate * gby
