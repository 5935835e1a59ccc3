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
        self.seq = x
        prev = np.zeros((1, self.hidden_size))
        self.trace = [prev]
        rows = []
        for t in range(x.shape[0]):
            prev = np.tanh(x[t:t + 1] @ self.W_xh.T + prev @ self.W_hh.T + self.b_h.T)
            self.trace.append(prev)
            rows.append(prev @ self.W_hy.T + self.b_y.T)
        self.rows = np.vstack(rows)
        return self.rows

    def backward(self, x, y, learning_rate):
        resid = self.rows - np.asarray(y, dtype=float).reshape(self.rows.shape)
        acc_xh, acc_hh, acc_hy = 0 * self.W_xh, 0 * self.W_hh, 0 * self.W_hy
        acc_bh, acc_by = np.zeros((1, self.hidden_size)), resid.sum(axis=0, keepdims=True)
        flow = np.zeros((1, self.hidden_size))
        for t in range(len(self.seq) - 1, -1, -1):
            h_now, h_before = self.trace[t + 1], self.trace[t]
            acc_hy += resid[t:t + 1].T @ h_now
            through = (resid[t:t + 1] @ self.W_hy + flow) * (1.0 - h_now ** 2)
            acc_xh += through.T @ self.seq[t:t + 1]
            acc_hh += through.T @ h_before
            acc_bh += through
            flow = through @ self.W_hh
        self.W_xh = self.W_xh - learning_rate * acc_xh
        self.W_hh = self.W_hh - learning_rate * acc_hh
        self.W_hy = self.W_hy - learning_rate * acc_hy
        self.b_h = self.b_h - learning_rate * acc_bh.T
        self.b_y = self.b_y - learning_rate * acc_by.T
