import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        h = self.h_carry if hasattr(self, 'h_carry') else np.zeros((1, self.hidden_size))
        self.H, self.Y = [h], []
        for t in range(len(x)):
            h = np.tanh(x[t:t + 1] @ self.W_xh.T + h @ self.W_hh.T + self.b_h.T)
            self.H.append(h)
            self.Y.append(sigmoid(h @ self.W_hy.T + self.b_y.T))
        self.h_carry = h
        return np.vstack(self.Y)

    def backward(self, x, y, learning_rate):
        self.forward(x)
        dW_xh, dW_hh, dW_hy = np.zeros_like(self.W_xh), np.zeros_like(self.W_hh), np.zeros_like(self.W_hy)
        db_h, db_y = np.zeros_like(self.b_h), np.zeros_like(self.b_y)
        dh_next = np.zeros((1, self.hidden_size))
        for t in reversed(range(len(x))):
            p = self.Y[t]
            dy = (p - y[t:t + 1]) * p * (1 - p)      # through the sigmoid
            dW_hy += dy.T @ self.H[t + 1]
            db_y += dy.T
            dz = (dy @ self.W_hy + dh_next) * (1 - self.H[t + 1] ** 2)
            dW_xh += dz.T @ x[t:t + 1]
            dW_hh += dz.T @ self.H[t]
            db_h += dz.T
            dh_next = dz @ self.W_hh
        self.W_xh -= learning_rate * dW_xh
        self.W_hh -= learning_rate * dW_hh
        self.W_hy -= learning_rate * dW_hy
        self.b_h -= learning_rate * db_h
        self.b_y -= learning_rate * db_y
