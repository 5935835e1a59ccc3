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
        self.h_cache = [np.zeros((self.hidden_size, 1))]
        self.y_cache = []
        for t in range(len(x)):
            inp = x[t].reshape(-1, 1)
            h_new = np.tanh(np.matmul(self.W_xh, inp) + np.matmul(self.W_hh, self.h_cache[t]) + self.b_h)
            self.h_cache.append(h_new)
            self.y_cache.append(np.matmul(self.W_hy, h_new) + self.b_y)
        return np.array(self.y_cache)

    def backward(self, x, y, learning_rate):
        dW_xh = np.zeros(self.W_xh.shape)
        dW_hh = np.zeros(self.W_hh.shape)
        dW_hy = np.zeros(self.W_hy.shape)
        db_h = np.zeros(self.b_h.shape)
        db_y = np.zeros(self.b_y.shape)
        dh_next = np.zeros((self.hidden_size, 1))
        for t in range(len(x) - 1, -1, -1):
            dy = self.y_cache[t] - y[t].reshape(-1, 1)
            dW_hy = dW_hy + np.matmul(dy, self.h_cache[t + 1].T)
            db_y = db_y + dy
            dh = np.matmul(self.W_hy.T, dy) + dh_next
            dh_raw = dh * (1 - np.square(self.h_cache[t + 1]))
            dW_xh = dW_xh + np.matmul(dh_raw, x[t].reshape(1, -1))
            dW_hh = dW_hh + np.matmul(dh_raw, self.h_cache[t].T)
            db_h = db_h + dh_raw
            dh_next = np.matmul(self.W_hh.T, dh_raw)
        # new arrays, not in-place
        self.W_xh = self.W_xh - learning_rate * dW_xh
        self.W_hh = self.W_hh - learning_rate * dW_hh
        self.W_hy = self.W_hy - learning_rate * dW_hy
        self.b_h = self.b_h - learning_rate * db_h
        self.b_y = self.b_y - learning_rate * db_y
