import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    # I find row vectors easier: x_t is (1, I), h is (1, H), y_t is (1, O)
    def forward(self, x):
        h = np.zeros((1, self.hidden_size))
        self.rows_x, self.rows_h, self.rows_y = [], [h], []
        for t in range(x.shape[0]):
            x_t = x[t:t + 1]                      # (1, I)
            h = np.tanh(x_t @ self.W_xh.T + h @ self.W_hh.T + self.b_h.T)
            y_t = h @ self.W_hy.T + self.b_y.T    # (1, O)
            self.rows_x.append(x_t)
            self.rows_h.append(h)
            self.rows_y.append(y_t)
        return np.vstack(self.rows_y)             # (T, O)

    def backward(self, x, y, learning_rate):
        dW_xh = np.zeros_like(self.W_xh)
        dW_hh = np.zeros_like(self.W_hh)
        dW_hy = np.zeros_like(self.W_hy)
        db_h = np.zeros((1, self.hidden_size))
        db_y = np.zeros((1, self.W_hy.shape[0]))
        dh_next = np.zeros((1, self.hidden_size))
        for t in reversed(range(len(self.rows_x))):
            h, h_prev = self.rows_h[t + 1], self.rows_h[t]
            dy = self.rows_y[t] - y[t:t + 1]      # (1, O)
            dW_hy += dy.T @ h
            db_y += dy
            dh = dy @ self.W_hy + dh_next         # (1, H)
            dz = dh * (1 - h ** 2)
            dW_xh += dz.T @ self.rows_x[t]
            dW_hh += dz.T @ h_prev
            db_h += dz
            dh_next = dz @ self.W_hh
        self.W_xh -= learning_rate * dW_xh
        self.W_hh -= learning_rate * dW_hh
        self.W_hy -= learning_rate * dW_hy
        self.b_h -= learning_rate * db_h.T
        self.b_y -= learning_rate * db_y.T
