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
        self.x = x
        self.h = [np.zeros((self.hidden_size, 1))]
        self.y_hat = []
        for t in range(x.shape[0]):
            self.h.append(np.tanh(self.W_xh @ x[t][:, None] + self.W_hh @ self.h[t] + self.b_h))
            self.y_hat.append(self.W_hy @ self.h[t + 1] + self.b_y)
        return np.array(self.y_hat)

    def backward(self, x, y, learning_rate):
        dWxh = np.zeros_like(self.W_xh); dWhh = np.zeros_like(self.W_hh); dWhy = np.zeros_like(self.W_hy)
        dbh = np.zeros_like(self.b_h); dby = np.zeros_like(self.b_y)
        dh_next = np.zeros((self.hidden_size, 1))
        for t in reversed(range(x.shape[0])):
            dy = self.y_hat[t] - y[t][:, None]
            dWhy += dy @ self.h[t + 1].T
            dby += dy
            dh = self.W_hy.T @ dy + dh_next
            dz = (1 - np.tanh(self.h[t + 1]) ** 2) * dh    # derivative of tanh
            dWxh += dz @ x[t][None, :]
            dWhh += dz @ self.h[t].T
            dbh += dz
            dh_next = self.W_hh.T @ dz
        self.W_xh -= 0.01 * dWxh
        self.W_hh -= 0.01 * dWhh
        self.W_hy -= 0.01 * dWhy
        self.b_h -= 0.01 * dbh
        self.b_y -= 0.01 * dby
