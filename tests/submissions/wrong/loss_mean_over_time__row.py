import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def _unroll(self, x):
        h = np.zeros((1, self.hidden_size))
        hs, ys = [h], []
        for t in range(len(x)):
            h = np.tanh(x[t:t + 1] @ self.W_xh.T + h @ self.W_hh.T + self.b_h.T)
            hs.append(h)
            ys.append(h @ self.W_hy.T + self.b_y.T)
        return hs, ys

    def forward(self, x):
        _, ys = self._unroll(x)
        return np.vstack(ys)

    def backward(self, x, y, learning_rate):
        hs, ys = self._unroll(x)
        T = len(x)
        gWxh = np.zeros_like(self.W_xh)
        gWhh = np.zeros_like(self.W_hh)
        gWhy = np.zeros_like(self.W_hy)
        gbh = np.zeros((1, self.hidden_size))
        gby = np.zeros((1, self.W_hy.shape[0]))
        dnext = np.zeros((1, self.hidden_size))
        for t in reversed(range(T)):
            dy = ys[t] - y[t:t + 1]
            gWhy += dy.T @ hs[t + 1]
            gby += dy
            dz = (dy @ self.W_hy + dnext) * (1 - hs[t + 1] ** 2)
            gWxh += dz.T @ x[t:t + 1]
            gWhh += dz.T @ hs[t]
            gbh += dz
            dnext = dz @ self.W_hh
        # average the gradients over the sequence length
        gWxh /= T
        gWhh /= T
        gWhy /= T
        gbh /= T
        gby /= T
        self.W_xh -= learning_rate * gWxh
        self.W_hh -= learning_rate * gWhh
        self.W_hy -= learning_rate * gWhy
        self.b_h -= learning_rate * gbh.T
        self.b_y -= learning_rate * gby.T
