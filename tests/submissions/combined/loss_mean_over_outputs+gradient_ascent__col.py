import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.output_size = output_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        self.inputs = [np.reshape(v, (-1, 1)) for v in x]
        self.states = [np.zeros((self.hidden_size, 1))]
        self.preds = []
        for v in self.inputs:
            s = np.tanh(self.W_xh @ v + self.W_hh @ self.states[-1] + self.b_h)
            self.states.append(s)
            self.preds.append(self.W_hy @ s + self.b_y)
        return np.array(self.preds)

    def backward(self, x, y, learning_rate):
        grad = {n: np.zeros_like(getattr(self, n)) for n in ("W_xh", "W_hh", "W_hy", "b_h", "b_y")}
        carry = np.zeros((self.hidden_size, 1))
        for t in range(len(self.inputs) - 1, -1, -1):
            # MSE over the output vector: 0.5 * mean((y_hat - y)^2)
            e = (self.preds[t] - np.reshape(y[t], (-1, 1))) / self.output_size
            grad["W_hy"] += e @ self.states[t + 1].T
            grad["b_y"] += e
            d = (self.W_hy.T @ e + carry) * (1 - self.states[t + 1] ** 2)
            grad["W_xh"] += d @ self.inputs[t].T
            grad["W_hh"] += d @ self.states[t].T
            grad["b_h"] += d
            carry = self.W_hh.T @ d
        for n, g in grad.items():
            getattr(self, n)[...] += learning_rate * g
