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
        self.inputs = x
        self.h_states = [np.zeros((self.hidden_size, 1))]
        self.outputs = []
        for i in range(len(x)):
            inp = x[i].reshape(-1, 1)
            h = np.tanh(self.W_xh @ inp + self.W_hh @ self.h_states[-1] + self.b_h)
            self.h_states.append(h)
            self.outputs.append(self.W_hy @ h + self.b_y)
        return self.outputs          # list of (output_size, 1) arrays

    def backward(self, x, y, learning_rate):
        n = len(self.outputs)
        dWxh, dWhh, dWhy = np.zeros(self.W_xh.shape), np.zeros(self.W_hh.shape), np.zeros(self.W_hy.shape)
        dbh, dby = np.zeros(self.b_h.shape), np.zeros(self.b_y.shape)
        dhnext = np.zeros((self.hidden_size, 1))
        for i in reversed(range(n)):
            target = y[i].reshape(-1, 1)
            dout = self.outputs[i] - target
            dWhy += dout @ self.h_states[i + 1].T
            dby += dout
            dh = self.W_hy.T @ dout + dhnext
            dtanh = (1 - self.h_states[i + 1] ** 2) * dh
            dbh += dtanh
            dWxh += dtanh @ x[i].reshape(1, -1)
            dWhh += dtanh @ self.h_states[i].T
            dhnext = self.W_hh.T @ dtanh
        self.W_xh -= learning_rate * dWxh
        self.W_hh -= learning_rate * dWhh
        self.W_hy -= learning_rate * dWhy
        self.b_h -= learning_rate * dbh
        self.b_y -= learning_rate * dby
