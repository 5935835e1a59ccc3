import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))
        self._cache = None

    def forward(self, x):
        x = np.asarray(x, dtype=float)
        h = np.zeros((self.hidden_size, 1))
        h_prevs, h_all, y_all = [], [], []
        for t in range(len(x)):
            h_prevs.append(h)
            h = np.tanh(self.W_xh @ x[t].reshape(-1, 1) + self.W_hh @ h + self.b_h)
            h_all.append(h)
            y_all.append(self.W_hy @ h + self.b_y)
        self._cache = (x, h_prevs, h_all, y_all)
        return np.array(y_all)

    def backward(self, x, y, learning_rate):
        if self._cache is None:
            raise RuntimeError("backward() called before forward(): run forward(x) first")
        xc, h_prevs, h_all, y_all = self._cache
        if len(xc) != len(x):
            raise ValueError("backward() got a sequence that does not match the last forward()")
        y = np.asarray(y, dtype=float)
        dWxh = np.zeros_like(self.W_xh); dWhh = np.zeros_like(self.W_hh); dWhy = np.zeros_like(self.W_hy)
        dbh = np.zeros_like(self.b_h); dby = np.zeros_like(self.b_y)
        dh_next = np.zeros_like(dbh)
        for t in reversed(range(len(xc))):
            dy = y_all[t] - y[t].reshape(-1, 1)
            dWhy += dy @ h_all[t].T
            dby += dy
            dz = (1.0 - h_all[t] ** 2) * (self.W_hy.T @ dy + dh_next)
            dWxh += dz @ xc[t].reshape(1, -1)
            dWhh += dz @ h_prevs[t].T
            dbh += dz
            dh_next = self.W_hh.T @ dz
        self.W_xh -= learning_rate * dWxh
        self.W_hh -= learning_rate * dWhh
        self.W_hy -= learning_rate * dWhy
        self.b_h -= learning_rate * dbh
        self.b_y -= learning_rate * dby
