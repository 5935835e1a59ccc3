import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.1
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.1
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.1
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        self.hs = [np.zeros((1, self.hidden_size))]
        ys = []
        for t in range(len(x)):
            h = np.tanh(x[t].reshape(1, -1) @ self.W_xh.T + self.b_h.T)
            self.hs.append(h)
            ys.append(h @ self.W_hy.T + self.b_y.T)
        self.ys = ys
        return np.array(ys)

    def backward(self, x, y, learning_rate):
        self.forward(x)
        dW_xh = np.zeros_like(self.W_xh)
        dW_hh = np.zeros_like(self.W_hh)
        dW_hy = np.zeros_like(self.W_hy)
        db_h = np.zeros((1, self.hidden_size))
        db_y = np.zeros((1, self.W_hy.shape[0]))
        for t in reversed(range(len(x))):
            dy = self.ys[t] - y[t].reshape(1, -1)
            dW_hy += dy.T @ self.hs[t + 1]
            db_y += dy
            dz = (dy @ self.W_hy) * (1 - self.hs[t + 1] ** 2)
            dW_xh += dz.T @ x[t].reshape(1, -1)
            dW_hh += dz.T @ self.hs[t]
            db_h += dz
        self.W_xh -= learning_rate * dW_xh
        self.W_hh -= learning_rate * dW_hh
        self.W_hy -= learning_rate * dW_hy
        self.b_h -= learning_rate * db_h.T
        self.b_y -= learning_rate * db_y.T
