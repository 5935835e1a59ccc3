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
        T = x.shape[0]
        self.hidden = np.zeros((T + 1, 1, self.hidden_size))
        self.output = np.zeros((T, 1, self.W_hy.shape[0]))
        for t in range(T):
            self.hidden[t + 1] = np.tanh(x[t][None, :] @ self.W_xh.T + self.hidden[t] @ self.W_hh.T + self.b_h.T)
            self.output[t] = self.hidden[t + 1] @ self.W_hy.T + self.b_y.T
        return self.output.copy()

    def backward(self, x, y, learning_rate):
        self.forward(x)
        T = x.shape[0]
        dWxh, dWhh, dWhy = np.zeros_like(self.W_xh), np.zeros_like(self.W_hh), np.zeros_like(self.W_hy)
        dbh, dby = np.zeros_like(self.b_h), np.zeros_like(self.b_y)
        delta_h = np.zeros((1, self.hidden_size))
        for t in reversed(range(T)):
            target = y[t][None, :]
            # loss_t = 0.5 * mean((y_hat - y)^2)  (mean over the output units)
            g = (self.output[t] - target) / target.size
            dWhy += g.T @ self.hidden[t + 1]
            dby += g.T
            dz = (g @ self.W_hy + delta_h) * (1 - self.hidden[t + 1] ** 2)
            dWxh += dz.T @ x[t][None, :]
            dWhh += dz.T @ self.hidden[t]
            dbh += dz.T
            delta_h = dz @ self.W_hh
        self.W_xh += learning_rate * dWxh
        self.W_hh += learning_rate * dWhh
        self.W_hy += learning_rate * dWhy
        self.b_h += learning_rate * dbh
        self.b_y += learning_rate * dby
