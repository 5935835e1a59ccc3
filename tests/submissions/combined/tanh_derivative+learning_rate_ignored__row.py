import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))
        self.lr = 0.05

    def forward(self, x):
        h = np.zeros((1, self.hidden_size))
        res = []
        for t in range(x.shape[0]):
            h = np.tanh(x[t:t + 1] @ self.W_xh.T + h @ self.W_hh.T + self.b_h.T)
            res.append(h @ self.W_hy.T + self.b_y.T)
        return np.vstack(res)

    def backward(self, x, y, learning_rate):
        n = x.shape[0]
        H = [np.zeros((1, self.hidden_size))]
        Y = []
        for t in range(n):
            H.append(np.tanh(x[t:t + 1] @ self.W_xh.T + H[t] @ self.W_hh.T + self.b_h.T))
            Y.append(H[t + 1] @ self.W_hy.T + self.b_y.T)
        d = {k: np.zeros_like(getattr(self, k)) for k in ["W_xh", "W_hh", "W_hy", "b_h", "b_y"]}
        dh_next = np.zeros((1, self.hidden_size))
        for t in range(n - 1, -1, -1):
            e = Y[t] - y[t:t + 1]
            d["W_hy"] += e.T @ H[t + 1]
            d["b_y"] += e.T
            dh = e @ self.W_hy + dh_next
            dz = dh * (1 - H[t + 1])         # tanh'
            d["W_xh"] += dz.T @ x[t:t + 1]
            d["W_hh"] += dz.T @ H[t]
            d["b_h"] += dz.T
            dh_next = dz @ self.W_hh
        for k in d:
            setattr(self, k, getattr(self, k) - self.lr * d[k])
