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
        T = len(x)
        self.hs = np.zeros((T, 1, self.hidden_size))   # filled in below
        self.ys = np.zeros((T, 1, self.W_hy.shape[0]))
        for t in range(T):
            self.hs[t] = np.tanh(x[t].reshape(1, -1) @ self.W_xh.T + self.hs[t - 1] @ self.W_hh.T + self.b_h.T)
            self.ys[t] = self.hs[t] @ self.W_hy.T + self.b_y.T
        return self.ys.reshape(T, -1)

    def backward(self, x, y, learning_rate):
        self.forward(x)
        T = len(x)
        dW_xh = np.zeros_like(self.W_xh)
        dW_hh = np.zeros_like(self.W_hh)
        dW_hy = np.zeros_like(self.W_hy)
        db_h = np.zeros((1, self.hidden_size))
        db_y = np.zeros((1, self.W_hy.shape[0]))
        dh_next = np.zeros((1, self.hidden_size))
        for t in reversed(range(T)):
            dy = 2 * (self.ys[t] - y[t].reshape(1, -1))
            dW_hy += dy.T @ self.hs[t]
            db_y += dy
            dz = (dy @ self.W_hy + dh_next) * (1 - self.hs[t] ** 2)
            dW_xh += dz.T @ x[t].reshape(1, -1)
            dW_hh += dz.T @ self.hs[t - 1]
            db_h += dz
            dh_next = dz @ self.W_hh
        self.W_xh -= learning_rate * dW_xh
        self.W_hh -= learning_rate * dW_hh
        self.W_hy -= learning_rate * dW_hy
        self.b_h -= learning_rate * db_h.T
        self.b_y -= learning_rate * db_y.T
