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
        self.h_rows = [np.zeros((1, self.hidden_size))]
        self.y_rows = []
        for t in range(len(x)):
            h = np.tanh(x[t].reshape(1, -1) @ self.W_xh.T + self.h_rows[-1] @ self.W_hh.T + self.b_h.T)
            self.h_rows.append(h)
            self.y_rows.append(h @ self.W_hy.T + self.b_y.T)
        return np.vstack(self.y_rows)

    def backward(self, x, y, learning_rate):
        self.forward(x)
        dh_next = np.zeros((1, self.hidden_size))
        for t in reversed(range(len(x))):
            h, h_prev = self.h_rows[t + 1], self.h_rows[t]
            dy = (self.y_rows[t] - y[t].reshape(1, -1)) / len(x)
            dh = dy @ self.W_hy + dh_next
            dz = dh * (1 - h ** 2)
            dh_next = dz @ self.W_hh
            # update right away
            self.W_hy -= learning_rate * (dy.T @ h)
            self.b_y -= learning_rate * dy.T
            self.W_xh -= learning_rate * (dz.T @ x[t].reshape(1, -1))
            self.W_hh -= learning_rate * (dz.T @ h_prev)
            self.b_h -= learning_rate * dz.T
