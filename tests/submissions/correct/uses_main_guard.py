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
        T = len(x)
        self.h = np.zeros((T + 1, self.hidden_size, 1))
        self.y_hat = np.zeros((T, self.W_hy.shape[0], 1))
        for t in range(T):
            self.h[t + 1] = np.tanh(self.W_xh @ x[t].reshape(-1, 1) + self.W_hh @ self.h[t] + self.b_h)
            self.y_hat[t] = self.W_hy @ self.h[t + 1] + self.b_y
        return self.y_hat.copy()

    def backward(self, x, y, learning_rate):
        T = len(x)
        dWxh, dWhh, dWhy = (np.zeros_like(w) for w in (self.W_xh, self.W_hh, self.W_hy))
        dbh, dby = np.zeros_like(self.b_h), np.zeros_like(self.b_y)
        delta_next = np.zeros((self.hidden_size, 1))
        for t in range(T - 1, -1, -1):
            dy = self.y_hat[t] - y[t].reshape(-1, 1)
            dWhy += dy @ self.h[t + 1].T
            dby += dy
            delta = (self.W_hy.T @ dy + self.W_hh.T @ delta_next) * (1 - self.h[t + 1] ** 2)
            dWxh += delta @ x[t].reshape(1, -1)
            dWhh += delta @ self.h[t].T
            dbh += delta
            delta_next = delta
        self.W_xh -= learning_rate * dWxh
        self.W_hh -= learning_rate * dWhh
        self.W_hy -= learning_rate * dWhy
        self.b_h -= learning_rate * dbh
        self.b_y -= learning_rate * dby


if __name__ == "__main__":
    np.random.seed(42)
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    y = np.array([[2.0], [3.0], [4.0], [5.0]])
    model = SimpleRNN(1, 5, 1)
    for epoch in range(100):
        out = model.forward(x)
        model.backward(x, y, 0.01)
    print(out)
