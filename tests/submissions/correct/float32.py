import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))
        # single precision is plenty for this, and halves the memory
        for name in ("W_xh", "W_hh", "W_hy", "b_h", "b_y"):
            setattr(self, name, getattr(self, name).astype(np.float32))

    def forward(self, x):
        x = np.asarray(x, dtype=np.float32)
        h = np.zeros((self.hidden_size, 1), dtype=np.float32)
        self.x_seq, self.h_seq, self.y_seq = [], [h], []
        for t in range(x.shape[0]):
            xt = x[t].reshape(-1, 1)
            h = np.tanh(self.W_xh @ xt + self.W_hh @ h + self.b_h)
            yt = self.W_hy @ h + self.b_y
            self.x_seq.append(xt)
            self.h_seq.append(h)
            self.y_seq.append(yt)
        return np.array(self.y_seq, dtype=np.float32)

    def backward(self, x, y, learning_rate):
        y = np.asarray(y, dtype=np.float32)
        lr = np.float32(learning_rate)
        dWxh = np.zeros_like(self.W_xh)
        dWhh = np.zeros_like(self.W_hh)
        dWhy = np.zeros_like(self.W_hy)
        dbh = np.zeros_like(self.b_h)
        dby = np.zeros_like(self.b_y)
        dh_next = np.zeros((self.hidden_size, 1), dtype=np.float32)
        for t in reversed(range(len(self.x_seq))):
            dy = self.y_seq[t] - y[t].reshape(-1, 1)
            dWhy += dy @ self.h_seq[t + 1].T
            dby += dy
            dh = self.W_hy.T @ dy + dh_next
            dz = (np.float32(1) - self.h_seq[t + 1] ** 2) * dh
            dWxh += dz @ self.x_seq[t].T
            dWhh += dz @ self.h_seq[t].T
            dbh += dz
            dh_next = self.W_hh.T @ dz
        self.W_xh -= lr * dWxh
        self.W_hh -= lr * dWhh
        self.W_hy -= lr * dWhy
        self.b_h -= lr * dbh
        self.b_y -= lr * dby
