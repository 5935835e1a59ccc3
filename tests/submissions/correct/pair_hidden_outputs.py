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
        # returns (hidden states, outputs); hidden states include h0 at index 0
        T = len(x)
        hs = np.zeros((T + 1, self.hidden_size, 1))
        ys = np.zeros((T, self.W_hy.shape[0], 1))
        for t in range(T):
            hs[t + 1] = np.tanh(self.W_xh @ x[t][:, None] + self.W_hh @ hs[t] + self.b_h)
            ys[t] = self.W_hy @ hs[t + 1] + self.b_y
        self._hs, self._ys = hs, ys
        return hs, ys

    def backward(self, x, y, learning_rate):
        hs, ys = self._hs, self._ys
        T = ys.shape[0]
        dWxh, dWhh, dWhy = 0 * self.W_xh, 0 * self.W_hh, 0 * self.W_hy
        dbh, dby = 0 * self.b_h, 0 * self.b_y
        dh1 = np.zeros((self.hidden_size, 1))
        for t in range(T)[::-1]:
            dy = ys[t] - y[t][:, None]
            dWhy = dWhy + dy @ hs[t + 1].T
            dby = dby + dy
            da = (1 - hs[t + 1] ** 2) * (self.W_hy.T @ dy + dh1)
            dWxh = dWxh + da @ x[t][None, :]
            dWhh = dWhh + da @ hs[t].T
            dbh = dbh + da
            dh1 = self.W_hh.T @ da
        self.W_xh -= learning_rate * dWxh
        self.W_hh -= learning_rate * dWhh
        self.W_hy -= learning_rate * dWhy
        self.b_h -= learning_rate * dbh
        self.b_y -= learning_rate * dby
