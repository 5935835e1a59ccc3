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
        hidden = np.zeros((1, self.hidden_size))
        self.hiddens = [hidden]
        self.outputs = []
        for x_t in x:
            hidden = np.tanh(x_t.reshape(1, -1) @ self.W_xh.T + hidden @ self.W_hh.T + self.b_h.T)
            self.hiddens.append(hidden)
            self.outputs.append(hidden @ self.W_hy.T + self.b_y.T)
        return self.outputs

    def backward(self, x, y, learning_rate):
        self.forward(x)
        lr = 0.1
        dWxh = np.zeros_like(self.W_xh)
        dWhh = np.zeros_like(self.W_hh)
        dWhy = np.zeros_like(self.W_hy)
        dbh = np.zeros_like(self.b_h)
        dby = np.zeros_like(self.b_y)
        dnext = np.zeros((1, self.hidden_size))
        for t in reversed(range(len(x))):
            dy = self.outputs[t] - y[t].reshape(1, -1)
            dWhy += dy.T @ self.hiddens[t + 1]
            dby += dy.T
            dz = (dy @ self.W_hy + dnext) * (1 - self.hiddens[t + 1] ** 2)
            dWxh += dz.T @ x[t].reshape(1, -1)
            dWhh += dz.T @ self.hiddens[t]
            dbh += dz.T
            dnext = dz @ self.W_hh
        self.W_xh -= lr * dWxh
        self.W_hh -= lr * dWhh
        self.W_hy -= lr * dWhy
        self.b_h -= lr * dbh
        self.b_y -= lr * dby
