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
        h_prev = np.zeros((self.hidden_size, 1))
        self.cache = []
        y_list = []
        for x_t in x:
            x_t = x_t.reshape(-1, 1)
            h_t = np.tanh(self.W_xh @ x_t + self.W_hh @ h_prev + self.b_h)
            y_t = self.W_hy @ h_t + self.b_y
            self.cache.append((x_t, h_prev, h_t, y_t))
            y_list.append(y_t)
            h_prev = h_t
        return np.array(y_list)

    def backward(self, x, y, learning_rate):
        dW_xh = np.zeros_like(self.W_xh)
        dW_hh = np.zeros_like(self.W_hh)
        dW_hy = np.zeros_like(self.W_hy)
        db_h = np.zeros_like(self.b_h)
        db_y = np.zeros_like(self.b_y)
        for t, (x_t, h_prev, h_t, y_t) in enumerate(self.cache):
            dy = y_t - y[t].reshape(-1, 1)
            dW_hy += dy @ h_t.T
            db_y += dy
            # gradient wrt this step's hidden state
            dh = self.W_hy.T @ dy
            dtanh = dh * (1 - h_t ** 2)
            dW_xh += dtanh @ x_t.T
            dW_hh += dtanh @ h_prev.T
            db_h += dtanh
        for g in (dW_xh, dW_hh, dW_hy, db_h, db_y):
            np.clip(g, -5, 5, out=g)
        self.W_xh -= learning_rate * dW_xh
        self.W_hh -= learning_rate * dW_hh
        self.W_hy -= learning_rate * dW_hy
        self.b_h -= learning_rate * db_h
        self.b_y -= learning_rate * db_y
