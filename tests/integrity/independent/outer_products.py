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
        bh, by = self.b_h.ravel(), self.b_y.ravel()
        self.inputs = [np.ravel(v).astype(float) for v in x]
        self.states = [np.zeros(self.hidden_size)]
        self.results = []
        for v in self.inputs:
            s = np.tanh(self.W_xh.dot(v) + self.W_hh.dot(self.states[-1]) + bh)
            self.states.append(s)
            self.results.append(self.W_hy.dot(s) + by)
        return np.array(self.results).reshape(len(self.inputs), -1, 1)

    def backward(self, x, y, learning_rate):
        T = len(self.inputs)
        n = self.hidden_size
        GX, GH, GY = np.zeros_like(self.W_xh), np.zeros_like(self.W_hh), np.zeros_like(self.W_hy)
        GBH, GBY = np.zeros(n), np.zeros(self.W_hy.shape[0])
        later = np.zeros(n)
        for i in range(T):
            t = T - 1 - i
            d_out = self.results[t] - np.ravel(y[t])
            GY += np.outer(d_out, self.states[t + 1])
            GBY += d_out
            d_pre = (self.W_hy.T.dot(d_out) + later) * (1 - self.states[t + 1] ** 2)
            GX += np.outer(d_pre, self.inputs[t])
            GH += np.outer(d_pre, self.states[t])
            GBH += d_pre
            later = self.W_hh.T.dot(d_pre)
        self.W_xh -= learning_rate * GX
        self.W_hh -= learning_rate * GH
        self.W_hy -= learning_rate * GY
        self.b_h -= learning_rate * GBH.reshape(self.b_h.shape)
        self.b_y -= learning_rate * GBY.reshape(self.b_y.shape)
