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
        self.h_list = [np.zeros((1, self.hidden_size))]
        self.y_list = []
        for t in range(len(x)):
            z = x[t].reshape(1, -1) @ self.W_xh.T + self.h_list[-1] @ self.W_hh.T + self.b_h.T
            self.h_list.append(np.tanh(z))
            self.y_list.append(self.h_list[-1] @ self.W_hy.T + self.b_y.T)
        return np.array(self.y_list)

    def backward(self, x, y, learning_rate):
        self.forward(x)
        dW_xh = np.zeros_like(self.W_xh)
        dW_hh = np.zeros_like(self.W_hh)
        dW_hy = np.zeros_like(self.W_hy)
        dh_next = np.zeros((1, self.hidden_size))
        for t in reversed(range(len(x))):
            dy = self.y_list[t] - y[t].reshape(1, -1)
            dW_hy += dy.T @ self.h_list[t + 1]
            dz = (dy @ self.W_hy + dh_next) * (1 - self.h_list[t + 1] ** 2)
            dW_xh += dz.T @ x[t].reshape(1, -1)
            dW_hh += dz.T @ self.h_list[t]
            dh_next = dz @ self.W_hh
        dW_xh = np.clip(dW_xh, -1, 1)
        dW_hh = np.clip(dW_hh, -1, 1)
        dW_hy = np.clip(dW_hy, -1, 1)
        self.W_xh -= learning_rate * dW_xh
        self.W_hh -= learning_rate * dW_hh
        self.W_hy -= learning_rate * dW_hy
