import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def run(self, x):
        hs = [np.zeros((1, self.hidden_size))]
        out = []
        for xt in x:
            hs.append(np.tanh(xt[None, :] @ self.W_xh.T + hs[-1] @ self.W_hh.T + self.b_h.T))
            out.append(hs[-1] @ self.W_hy.T + self.b_y.T)
        return hs, out

    def forward(self, x):
        return self.run(x)[1]

    def backward(self, x, y, learning_rate):
        hs, out = self.run(x)
        gxh = np.zeros_like(self.W_xh)
        ghh = np.zeros_like(self.W_hh)
        ghy = np.zeros_like(self.W_hy)
        back = np.zeros((1, self.hidden_size))
        for t in range(len(x) - 1, -1, -1):
            err = out[t] - y[t][None, :]
            ghy += err.T @ hs[t + 1]
            dz = (err @ self.W_hy + back) * (1 - hs[t + 1] ** 2)
            gxh += dz.T @ x[t][None, :]
            ghh += dz.T @ hs[t]
            back = dz @ self.W_hh
        self.W_xh -= learning_rate * gxh
        self.W_hh -= learning_rate * ghh
        self.W_hy -= learning_rate * ghy
