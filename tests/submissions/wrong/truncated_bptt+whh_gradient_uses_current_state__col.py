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
        h = np.zeros((self.hidden_size, 1))
        self.h_list, self.y_list = [], []
        for t in range(len(x)):
            h = np.tanh(self.W_xh @ x[t].reshape(-1, 1) + self.W_hh @ h + self.b_h)
            self.h_list.append(h)
            self.y_list.append(self.W_hy @ h + self.b_y)
        return np.array(self.y_list)

    def backward(self, x, y, learning_rate):
        dW_xh = np.zeros_like(self.W_xh)
        dW_hh = np.zeros_like(self.W_hh)
        dW_hy = np.zeros_like(self.W_hy)
        db_h = np.zeros_like(self.b_h)
        db_y = np.zeros_like(self.b_y)
        for t in range(len(x)):
            h = self.h_list[t]
            dy = self.y_list[t] - y[t].reshape(-1, 1)
            dW_hy += dy @ h.T
            db_y += dy
            dh = (self.W_hy.T @ dy) * (1 - h ** 2)
            dW_xh += dh @ x[t].reshape(1, -1)
            dW_hh += dh @ h.T
            db_h += dh
        self.W_xh -= learning_rate * dW_xh
        self.W_hh -= learning_rate * dW_hh
        self.W_hy -= learning_rate * dW_hy
        self.b_h -= learning_rate * db_h
        self.b_y -= learning_rate * db_y
