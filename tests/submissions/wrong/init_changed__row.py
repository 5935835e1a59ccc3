import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        # Xavier / Glorot initialisation instead of a fixed 0.01
        self.W_xh = np.random.randn(hidden_size, input_size) * np.sqrt(2.0 / (input_size + hidden_size))
        self.W_hh = np.random.randn(hidden_size, hidden_size) * np.sqrt(1.0 / hidden_size)
        self.W_hy = np.random.randn(output_size, hidden_size) * np.sqrt(2.0 / (hidden_size + output_size))
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
        hs = [np.zeros((1, self.hidden_size))]
        for t in range(len(x)):
            hs.append(np.tanh(x[t].reshape(1, -1) @ self.W_xh.T + hs[-1] @ self.W_hh.T + self.b_h.T))
        dWxh, dWhh, dWhy = np.zeros_like(self.W_xh), np.zeros_like(self.W_hh), np.zeros_like(self.W_hy)
        dbh, dby = np.zeros((1, self.hidden_size)), np.zeros((1, self.W_hy.shape[0]))
        dh_next = np.zeros((1, self.hidden_size))
        for t in reversed(range(len(x))):
            dy = hs[t + 1] @ self.W_hy.T + self.b_y.T - y[t].reshape(1, -1)
            dWhy += dy.T @ hs[t + 1]
            dby += dy
            dz = (dy @ self.W_hy + dh_next) * (1 - hs[t + 1] ** 2)
            dWxh += dz.T @ x[t].reshape(1, -1)
            dWhh += dz.T @ hs[t]
            dbh += dz
            dh_next = dz @ self.W_hh
        self.W_xh -= learning_rate * dWxh
        self.W_hh -= learning_rate * dWhh
        self.W_hy -= learning_rate * dWhy
        self.b_h -= learning_rate * dbh.T
        self.b_y -= learning_rate * dby.T
