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
        T = x.shape[0]
        self.H = np.zeros((T + 1, self.hidden_size))   # H[0] is the initial state
        Y = np.zeros((T, self.W_hy.shape[0]))
        for t in range(T):
            a = self.W_xh @ x[t] + self.W_hh @ self.H[t] + self.b_h[:, 0]
            self.H[t + 1] = np.tanh(a)
            Y[t] = self.W_hy @ self.H[t + 1] + self.b_y[:, 0]
        self.Y = Y
        return Y

    def backward(self, x, y, learning_rate):
        T = x.shape[0]
        gWxh = np.zeros_like(self.W_xh); gWhh = np.zeros_like(self.W_hh); gWhy = np.zeros_like(self.W_hy)
        gbh = np.zeros(self.hidden_size); gby = np.zeros(self.W_hy.shape[0])
        carry = np.zeros(self.hidden_size)
        E = self.Y - y
        for t in range(T - 1, -1, -1):
            gWhy += np.outer(E[t], self.H[t + 1])
            gby += E[t]
            g = (self.W_hy.T @ E[t] + carry) * (1.0 - self.H[t + 1] ** 2)
            gWxh += np.outer(g, x[t])
            gWhh += np.outer(g, self.H[t])
            gbh += g
            carry = self.W_hh.T @ g
        self.W_xh -= learning_rate * gWxh
        self.W_hh -= learning_rate * gWhh
        self.W_hy -= learning_rate * gWhy
        self.b_h -= learning_rate * gbh.reshape(-1, 1)
        self.b_y -= learning_rate * gby.reshape(-1, 1)
