import numpy as np

print("loading my SimpleRNN...")


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        self.x = x
        self.hs = [np.zeros((self.hidden_size, 1))]
        self.ys = []
        for t in range(len(x)):
            h = np.tanh(self.W_xh @ x[t].reshape(-1, 1) + self.W_hh @ self.hs[-1] + self.b_h)
            self.hs.append(h)
            self.ys.append(self.W_hy @ h + self.b_y)
        print("forward done, last output", self.ys[-1].ravel())
        return np.array(self.ys)

    def backward(self, x, y, learning_rate):
        dWxh = np.zeros_like(self.W_xh)
        dWhh = np.zeros_like(self.W_hh)
        dWhy = np.zeros_like(self.W_hy)
        dbh = np.zeros_like(self.b_h)
        dby = np.zeros_like(self.b_y)
        dhn = np.zeros_like(self.hs[0])
        loss = 0
        for t in reversed(range(len(x))):
            dy = self.ys[t] - y[t].reshape(-1, 1)
            loss += 0.5 * np.sum(dy ** 2)
            dWhy += dy @ self.hs[t + 1].T
            dby += dy
            dr = (self.W_hy.T @ dy + dhn) * (1 - self.hs[t + 1] ** 2)
            dWxh += dr @ x[t].reshape(1, -1)
            dWhh += dr @ self.hs[t].T
            dbh += dr
            dhn = self.W_hh.T @ dr
        print("loss:", loss)
        self.W_xh -= learning_rate * dWxh
        self.W_hh -= learning_rate * dWhh
        self.W_hy -= learning_rate * dWhy
        self.b_h -= learning_rate * dbh
        self.b_y -= learning_rate * dby


# quick check
np.random.seed(42)
rnn = SimpleRNN(1, 5, 1)
xx = np.array([[1.0], [2.0], [3.0], [4.0]])
yy = np.array([[2.0], [3.0], [4.0], [5.0]])
for epoch in range(100):
    out = rnn.forward(xx)
    rnn.backward(xx, yy, 0.01)
print(out)
