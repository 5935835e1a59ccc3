import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))
        self.h_prev = np.zeros((hidden_size, 1))

    def forward(self, x):
        self.x_cache, self.h_cache, self.y_cache = [], [self.h_prev], []
        for t in range(len(x)):
            x_t = x[t].reshape(-1, 1)
            self.h_prev = np.tanh(self.W_xh @ x_t + self.W_hh @ self.h_prev + self.b_h)
            self.x_cache.append(x_t)
            self.h_cache.append(self.h_prev)
            self.y_cache.append(self.W_hy @ self.h_prev + self.b_y)
        return np.array(self.y_cache)

    def backward(self, x, y, learning_rate):
        T = len(self.x_cache)
        dWxh = np.zeros_like(self.W_xh)
        dWhh = np.zeros_like(self.W_hh)
        dWhy = np.zeros_like(self.W_hy)
        dbh = np.zeros_like(self.b_h)
        dby = np.zeros_like(self.b_y)
        dh_next = np.zeros((self.hidden_size, 1))
        for t in reversed(range(T)):
            # MSE loss = 1/T sum (y_hat - y)^2, derivative 2/T (y_hat - y)
            dy = 2.0 / T * (self.y_cache[t] - y[t].reshape(-1, 1))
            dWhy += dy @ self.h_cache[t + 1].T
            dby += dy
            dz = (1 - self.h_cache[t + 1] ** 2) * (self.W_hy.T @ dy + dh_next)
            dWxh += dz @ self.x_cache[t].T
            dWhh += dz @ self.h_cache[t].T
            dbh += dz
            dh_next = self.W_hh.T @ dz
        self.W_xh -= learning_rate * dWxh
        self.W_hh -= learning_rate * dWhh
        self.W_hy -= learning_rate * dWhy
        self.b_h -= learning_rate * dbh
        self.b_y -= learning_rate * dby
