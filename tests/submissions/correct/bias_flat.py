import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros(hidden_size)
        self.b_y = np.zeros(output_size)

    def forward(self, x):
        h = np.zeros(self.hidden_size)
        self.h_list = [h]
        out = []
        for xt in x:
            h = np.tanh(self.W_xh.dot(xt) + self.W_hh.dot(h) + self.b_h)
            self.h_list.append(h)
            out.append(self.W_hy.dot(h) + self.b_y)
        self.out = np.array(out)
        return self.out

    def backward(self, x, y, learning_rate):
        T = len(x)
        dWxh = np.zeros_like(self.W_xh)
        dWhh = np.zeros_like(self.W_hh)
        dWhy = np.zeros_like(self.W_hy)
        dbh = np.zeros_like(self.b_h)
        dby = np.zeros_like(self.b_y)
        dh_next = np.zeros(self.hidden_size)
        for t in reversed(range(T)):
            dy = self.out[t] - y[t]
            dWhy += np.outer(dy, self.h_list[t + 1])
            dby += dy
            dh = self.W_hy.T.dot(dy) + dh_next
            dz = dh * (1 - self.h_list[t + 1] ** 2)
            dWxh += np.outer(dz, x[t])
            dWhh += np.outer(dz, self.h_list[t])
            dbh += dz
            dh_next = self.W_hh.T.dot(dz)
        self.W_xh -= learning_rate * dWxh
        self.W_hh -= learning_rate * dWhh
        self.W_hy -= learning_rate * dWhy
        self.b_h -= learning_rate * dbh
        self.b_y -= learning_rate * dby
