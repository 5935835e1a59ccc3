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
        h = np.zeros((1, self.hidden_size))
        ys = []
        for row in x:
            h = np.tanh(np.atleast_2d(row) @ self.W_xh.T + h @ self.W_hh.T + self.b_h.T)
            ys.append(h @ self.W_hy.T + self.b_y.T)
        return np.concatenate(ys, axis=0)

    def backward(self, x, y, learning_rate):
        # recompute the hidden states
        T = len(x)
        hs = [np.zeros((1, self.hidden_size))]
        for t in range(T):
            hs.append(np.tanh(np.atleast_2d(x[t]) @ self.W_xh.T + hs[-1] @ self.W_hh.T + self.b_h.T))
        y_pred = hs[-1] @ self.W_hy.T + self.b_y.T
        err = y_pred - np.atleast_2d(y[-1])          # error of the prediction
        dW_hy = err.T @ hs[-1]
        db_y = err.T
        dh = err @ self.W_hy
        dW_xh = np.zeros_like(self.W_xh)
        dW_hh = np.zeros_like(self.W_hh)
        db_h = np.zeros_like(self.b_h)
        for t in range(T, 0, -1):
            dz = dh * (1 - hs[t] ** 2)
            dW_xh += dz.T @ np.atleast_2d(x[t - 1])
            dW_hh += dz.T @ hs[t - 1]
            db_h += dz.T
            dh = dz @ self.W_hh
        self.W_xh -= learning_rate * dW_xh
        self.W_hh -= learning_rate * dW_hh
        self.W_hy -= learning_rate * dW_hy
        # biases stay at zero
