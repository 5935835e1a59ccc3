import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def hidden_states(self, x):
        h = [np.zeros((self.hidden_size, 1))]
        for xt in x:
            h.append(np.tanh(self.W_xh @ np.c_[xt] + self.W_hh @ h[-1] + self.b_h))
        return h

    def forward(self, x):
        h = self.hidden_states(np.asarray(x, dtype=float))
        return np.array([self.W_hy @ ht + self.b_y for ht in h[1:]])

    def backward(self, x, y, learning_rate):
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        h = self.hidden_states(x)
        T = len(x)
        # first pass: error signal at every step's output
        out_err = [self.W_hy @ h[t + 1] + self.b_y - np.c_[y[t]] for t in range(T)]
        # second pass: error at every pre-activation, from the last step back
        pre_err = [None] * T
        nxt = np.zeros((self.hidden_size, 1))
        for t in reversed(range(T)):
            pre_err[t] = (1 - h[t + 1] ** 2) * (self.W_hy.T @ out_err[t] + nxt)
            nxt = self.W_hh.T @ pre_err[t]
        gWhy = sum(e @ ht.T for e, ht in zip(out_err, h[1:]))
        gby = sum(out_err)
        gWxh = sum(d @ np.c_[xt].T for d, xt in zip(pre_err, x))
        gWhh = sum(d @ hp.T for d, hp in zip(pre_err, h[:-1]))
        gbh = sum(pre_err)
        self.W_hy -= learning_rate * gWhy
        self.b_y -= learning_rate * gby
        self.W_xh -= learning_rate * gWxh
        self.W_hh -= learning_rate * gWhh
        self.b_h -= learning_rate * gbh
