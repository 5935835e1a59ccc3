import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))
        self.state = np.zeros((1, hidden_size))

    def forward(self, x):
        self.start_state = self.state
        outs = []
        for t in range(len(x)):
            self.state = np.tanh(x[t:t + 1] @ self.W_xh.T + self.state @ self.W_hh.T + self.b_h.T)
            outs.append(self.state @ self.W_hy.T + self.b_y.T)
        return np.vstack(outs)

    def backward(self, x, y, learning_rate):
        T = len(x)
        # recompute the states of the sequence we just ran
        hs = [self.start_state]
        for t in range(T):
            hs.append(np.tanh(x[t:t + 1] @ self.W_xh.T + hs[-1] @ self.W_hh.T + self.b_h.T))
        dWxh, dWhh, dWhy = np.zeros_like(self.W_xh), np.zeros_like(self.W_hh), np.zeros_like(self.W_hy)
        dbh, dby = np.zeros((1, self.hidden_size)), np.zeros((1, self.W_hy.shape[0]))
        dnext = np.zeros((1, self.hidden_size))
        for t in range(T - 1, -1, -1):
            y_hat = hs[t + 1] @ self.W_hy.T + self.b_y.T
            dy = (2 / T) * (y_hat - y[t:t + 1])      # d/dy_hat of mean squared error
            dWhy += dy.T @ hs[t + 1]
            dby += dy
            dz = (dy @ self.W_hy + dnext) * (1 - hs[t + 1] ** 2)
            dWxh += dz.T @ x[t:t + 1]
            dWhh += dz.T @ hs[t]
            dbh += dz
            dnext = dz @ self.W_hh
        self.W_xh -= learning_rate * dWxh
        self.W_hh -= learning_rate * dWhh
        self.W_hy -= learning_rate * dWhy
        self.b_h -= learning_rate * dbh.T
        self.b_y -= learning_rate * dby.T
