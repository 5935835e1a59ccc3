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
        self.h_states = [np.zeros((self.hidden_size, 1))]
        self.outs = []
        for t in range(len(x)):
            h = np.tanh(self.W_xh.dot(x[t].reshape(-1, 1)) + self.W_hh.dot(self.h_states[-1]) + self.b_h)
            self.h_states.append(h)
            self.outs.append(self.W_hy.dot(h) + self.b_y)
        return np.array(self.outs)

    def backward(self, x, y, learning_rate):
        dWxh = np.zeros_like(self.W_xh)
        dWhh = np.zeros_like(self.W_hh)
        dWhy = np.zeros_like(self.W_hy)
        dbh = np.zeros_like(self.b_h)
        dby = np.zeros_like(self.b_y)
        dh_next = np.zeros((self.hidden_size, 1))
        for t in reversed(range(len(x))):
            err = self.outs[t] - y[t].reshape(-1, 1)
            dWhy += err.dot(self.h_states[t + 1].T)
            dby += err
            dh = self.W_hy.T.dot(err) + dh_next
            draw = (1 - self.h_states[t + 1] ** 2) * dh
            dWxh += draw.dot(x[t].reshape(1, -1))
            dWhh += draw.dot(self.h_states[t].T)
            dbh += draw
            dh_next = self.W_hh.T.dot(draw)
        # apply the gradients
        self.W_xh += learning_rate * dWxh
        self.W_hh += learning_rate * dWhh
        self.W_hy += learning_rate * dWhy
        self.b_h += learning_rate * dbh
        self.b_y += learning_rate * dby
