import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def step(self, x_t, h_prev):
        h = np.tanh(self.W_xh @ x_t + self.W_hh @ h_prev + self.b_h.ravel())
        return h, self.W_hy @ h + self.b_y.ravel()

    def forward(self, x):
        h = np.zeros(self.hidden_size)
        self._hist = [h]
        ys = []
        for x_t in x:
            h, y_t = self.step(np.asarray(x_t, float), h)
            self._hist.append(h)
            ys.append(y_t)          # 1-D, shape (output_size,)
        self._ys = ys
        return ys

    def backward(self, x, y, learning_rate):
        hist, ys = self._hist, self._ys
        d_Wxh = np.zeros_like(self.W_xh)
        d_Whh = np.zeros_like(self.W_hh)
        d_Why = np.zeros_like(self.W_hy)
        d_bh = np.zeros(self.hidden_size)
        d_by = np.zeros(self.W_hy.shape[0])
        back = np.zeros(self.hidden_size)
        t = len(ys) - 1
        while t >= 0:
            e = ys[t] - np.asarray(y[t], float)
            d_Why += np.outer(e, hist[t + 1])
            d_by += e
            dz = (1 - hist[t + 1] ** 2) * (self.W_hy.T @ e + back)
            d_Wxh += np.outer(dz, x[t])
            d_Whh += np.outer(dz, hist[t])
            d_bh += dz
            back = self.W_hh.T @ dz
            t -= 1
        self.W_xh -= learning_rate * d_Wxh
        self.W_hh -= learning_rate * d_Whh
        self.W_hy -= learning_rate * d_Why
        self.b_h -= learning_rate * d_bh[:, None]
        self.b_y -= learning_rate * d_by[:, None]
