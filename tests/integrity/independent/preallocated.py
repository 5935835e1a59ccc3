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
        x = np.asarray(x, dtype=float)
        steps = x.shape[0]
        n_out = self.W_hy.shape[0]
        self.H = np.zeros((steps + 1, self.hidden_size, 1))
        self.Y = np.zeros((steps, n_out, 1))
        self.X = x[:, :, np.newaxis]
        for k in range(1, steps + 1):
            pre = np.dot(self.W_xh, self.X[k - 1]) + np.dot(self.W_hh, self.H[k - 1]) + self.b_h
            self.H[k] = np.tanh(pre)
            self.Y[k - 1] = np.dot(self.W_hy, self.H[k]) + self.b_y
        return self.Y.copy()

    def backward(self, x, y, learning_rate):
        steps = self.X.shape[0]
        target = np.asarray(y, dtype=float).reshape(self.Y.shape)
        E = self.Y - target
        g_in = np.zeros(self.W_xh.shape)
        g_rec = np.zeros(self.W_hh.shape)
        g_out = np.zeros(self.W_hy.shape)
        g_bh = np.zeros(self.b_h.shape)
        g_by = E.sum(axis=0)
        back = np.zeros((self.hidden_size, 1))
        k = steps
        while k >= 1:
            g_out += np.dot(E[k - 1], self.H[k].T)
            total = np.dot(self.W_hy.T, E[k - 1]) + back
            raw = total * (1 - np.square(self.H[k]))
            g_in += np.dot(raw, self.X[k - 1].T)
            g_rec += np.dot(raw, self.H[k - 1].T)
            g_bh += raw
            back = np.dot(self.W_hh.T, raw)
            k -= 1
        self.W_xh -= learning_rate * g_in
        self.W_hh -= learning_rate * g_rec
        self.W_hy -= learning_rate * g_out
        self.b_h -= learning_rate * g_bh
        self.b_y -= learning_rate * g_by
