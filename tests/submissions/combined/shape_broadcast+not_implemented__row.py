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
        h = np.zeros(self.hidden_size)
        ys = []
        for t in range(len(x)):
            h = np.tanh(x[t] @ self.W_xh.T + h @ self.W_hh.T + self.b_h)
            ys.append(h @ self.W_hy.T + self.b_y.T)
        return np.array(ys)

    def backward(self, x, y, learning_rate):
        pass  # TODO
