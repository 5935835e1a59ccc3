import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        self.cache = []
        outputs = []
        for t in range(len(x)):
            x_t = x[t].reshape(-1, 1)
            h_t = np.tanh(self.W_xh @ x_t + self.b_h)
            y_t = self.W_hy @ h_t + self.b_y
            self.cache.append((x_t, h_t, y_t))
            outputs.append(y_t)
        return np.array(outputs)

    def backward(self, x, y, learning_rate):
        dW_xh = np.zeros_like(self.W_xh)
        dW_hy = np.zeros_like(self.W_hy)
        db_h = np.zeros_like(self.b_h)
        db_y = np.zeros_like(self.b_y)
        for t in reversed(range(len(self.cache))):
            x_t, h_t, y_t = self.cache[t]
            dy = y_t - y[t].reshape(-1, 1)
            dW_hy += dy @ h_t.T
            db_y += dy
            dz = (1 - h_t ** 2) * (self.W_hy.T @ dy)
            dW_xh += dz @ x_t.T
            db_h += dz
        self.W_xh -= learning_rate * dW_xh
        self.W_hy -= learning_rate * dW_hy
        self.b_h -= learning_rate * db_h
        self.b_y -= learning_rate * db_y
