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
        out = []
        for t in range(x.shape[0]):
            h = np.tanh(x[t][None] @ self.W_xh.T + h @ self.W_hh.T + self.b_h.T)
            out.append(h @ self.W_hy.T + self.b_y.T)
        return np.concatenate(out)

    def backward(self, x, y, learning_rate):
        h = np.zeros((1, self.hidden_size))
        dW_xh = np.zeros_like(self.W_xh)
        dW_hh = np.zeros_like(self.W_hh)
        dW_hy = np.zeros_like(self.W_hy)
        db_h = np.zeros_like(self.b_h)
        db_y = np.zeros_like(self.b_y)
        # one pass: recompute each state and take its gradient on the spot
        for t in range(x.shape[0]):
            h = np.tanh(x[t][None] @ self.W_xh.T + h @ self.W_hh.T + self.b_h.T)
            err = h @ self.W_hy.T + self.b_y.T - y[t][None]
            dW_hy += err.T @ h
            db_y += err.T
            dz = (err @ self.W_hy) * (1 - h ** 2)
            dW_xh += dz.T @ x[t][None]
            dW_hh += dz.T @ h
            db_h += dz.T
        self.W_xh -= learning_rate * dW_xh
        self.W_hh -= learning_rate * dW_hh
        self.W_hy -= learning_rate * dW_hy
        self.b_h -= learning_rate * db_h
        self.b_y -= learning_rate * db_y
