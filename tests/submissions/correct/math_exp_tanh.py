import math
import numpy as np


def my_tanh(z):
    # elementwise tanh, written out by hand
    out = np.zeros_like(z, dtype=float)
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            a = math.exp(z[i, j])
            b = math.exp(-z[i, j])
            out[i, j] = (a - b) / (a + b)
    return out


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        self.states = [np.zeros((self.hidden_size, 1))]
        self.outs = []
        for t in range(len(x)):
            z = self.W_xh @ x[t].reshape(-1, 1) + self.W_hh @ self.states[t] + self.b_h
            h = my_tanh(z)
            self.states.append(h)
            self.outs.append(self.W_hy @ h + self.b_y)
        return np.array(self.outs)

    def backward(self, x, y, learning_rate):
        dWxh = np.zeros_like(self.W_xh)
        dWhh = np.zeros_like(self.W_hh)
        dWhy = np.zeros_like(self.W_hy)
        dbh = np.zeros_like(self.b_h)
        dby = np.zeros_like(self.b_y)
        dh_next = np.zeros((self.hidden_size, 1))
        for t in reversed(range(len(x))):
            dy = self.outs[t] - y[t].reshape(-1, 1)
            dWhy += dy @ self.states[t + 1].T
            dby += dy
            dh = self.W_hy.T @ dy + dh_next
            dz = (1 - self.states[t + 1] ** 2) * dh   # d tanh = 1 - tanh^2
            dWxh += dz @ x[t].reshape(1, -1)
            dWhh += dz @ self.states[t].T
            dbh += dz
            dh_next = self.W_hh.T @ dz
        self.W_xh -= learning_rate * dWxh
        self.W_hh -= learning_rate * dWhh
        self.W_hy -= learning_rate * dWhy
        self.b_h -= learning_rate * dbh
        self.b_y -= learning_rate * dby
