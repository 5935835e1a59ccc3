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
        # keep everything as column vectors internally, hand back (T, 1, O)
        self.cache = []
        h_prev = np.zeros((self.hidden_size, 1))
        outs = []
        for x_t in x:
            x_t = np.array(x_t, dtype=float).reshape(-1, 1)
            h_t = np.tanh(self.W_xh.dot(x_t) + self.W_hh.dot(h_prev) + self.b_h)
            y_t = self.W_hy.dot(h_t) + self.b_y
            self.cache.append((x_t, h_prev, h_t, y_t))
            outs.append(y_t.T)
            h_prev = h_t
        return np.array(outs)

    def backward(self, x, y, learning_rate):
        grads = {k: np.zeros_like(getattr(self, k)) for k in ("W_xh", "W_hh", "W_hy", "b_h", "b_y")}
        dh_future = np.zeros((self.hidden_size, 1))
        for t in range(len(self.cache) - 1, -1, -1):
            x_t, h_prev, h_t, y_t = self.cache[t]
            err = y_t - np.reshape(y[t], (-1, 1))
            grads["W_hy"] += err.dot(h_t.T)
            grads["b_y"] += err
            delta = (self.W_hy.T.dot(err) + dh_future) * (1 - h_t * h_t)
            grads["W_xh"] += delta.dot(x_t.T)
            grads["W_hh"] += delta.dot(h_prev.T)
            grads["b_h"] += delta
            dh_future = self.W_hh.T.dot(delta)
        for k, g in grads.items():
            setattr(self, k, getattr(self, k) - learning_rate * g)
