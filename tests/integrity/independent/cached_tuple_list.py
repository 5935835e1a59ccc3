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
        self.history = []
        h_prev = np.zeros((self.hidden_size, 1))
        result = []
        for x_t in x:
            x_col = np.expand_dims(np.asarray(x_t, dtype=float), axis=1)
            h_t = np.tanh(np.matmul(self.W_xh, x_col) + np.matmul(self.W_hh, h_prev) + self.b_h)
            y_t = np.matmul(self.W_hy, h_t) + self.b_y
            self.history.append((x_col, h_prev, h_t))
            result.append(y_t)
            h_prev = h_t
        self.result = result
        return np.concatenate([r[np.newaxis] for r in result], axis=0)

    def backward(self, x, y, learning_rate):
        total = [np.zeros_like(p) for p in (self.W_xh, self.W_hh, self.W_hy, self.b_h, self.b_y)]
        carry = np.zeros((self.hidden_size, 1))
        for t in range(len(self.history) - 1, -1, -1):
            x_col, h_prev, h_t = self.history[t]
            d_y = self.result[t] - np.expand_dims(np.asarray(y[t], dtype=float), axis=1)
            d_h = np.matmul(self.W_hy.T, d_y) + carry
            d_a = d_h * (1.0 - np.power(h_t, 2))
            parts = (np.matmul(d_a, x_col.T), np.matmul(d_a, h_prev.T), np.matmul(d_y, h_t.T), d_a, d_y)
            total = [acc + part for acc, part in zip(total, parts)]
            carry = np.matmul(self.W_hh.T, d_a)
        self.W_xh -= learning_rate * total[0]
        self.W_hh -= learning_rate * total[1]
        self.W_hy -= learning_rate * total[2]
        self.b_h -= learning_rate * total[3]
        self.b_y -= learning_rate * total[4]
