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
        self.h_all = [np.zeros((1, self.hidden_size))]
        preds = []
        for t in range(len(x)):
            a = x[t].reshape(1, -1) @ self.W_xh.T + self.h_all[t] @ self.W_hh.T + self.b_h.T
            self.h_all.append(np.tanh(a))
            preds.append(self.h_all[t + 1] @ self.W_hy.T + self.b_y.T)
        return preds

    def backward(self, x, y, learning_rate):
        preds = self.forward(x)
        dWxh = np.zeros_like(self.W_xh)
        dWhh = np.zeros_like(self.W_hh)
        dWhy = np.zeros_like(self.W_hy)
        dbh = np.zeros_like(self.b_h)
        dby = np.zeros_like(self.b_y)
        carry = np.zeros((1, self.hidden_size))
        for t in reversed(range(len(x))):
            h = self.h_all[t + 1]
            dy = preds[t] - y[t].reshape(1, -1)
            dWhy += dy.T @ h
            dby += dy.T
            dz = (dy @ self.W_hy + carry) * (1 - h * h)
            dWxh += dz.T @ x[t].reshape(1, -1)
            dWhh += dz.T @ h
            dbh += dz.T
            carry = dz @ self.W_hh
        self.W_xh -= learning_rate * dWxh
        self.W_hh -= learning_rate * dWhh
        self.W_hy -= learning_rate * dWhy
        self.b_h -= learning_rate * dbh
        self.b_y -= learning_rate * dby
