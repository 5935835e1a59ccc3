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
        self.h_seq = [np.zeros((1, self.hidden_size))]
        out = []
        for x_t in x:
            x_t = x_t.reshape(1, -1)
            h = np.tanh(x_t @ self.W_xh.T + self.h_seq[-1] @ self.W_hh.T + self.b_h.T)
            self.h_seq.append(h)
            out.append(h @ self.W_hy.T + self.b_y.T)
        return out

    def backward(self, x, y, learning_rate):
        preds = self.forward(x)      # run it again to get fresh states
        hs = self.h_seq
        dWxh = np.zeros(self.W_xh.shape)
        dWhh = np.zeros(self.W_hh.shape)
        dWhy = np.zeros(self.W_hy.shape)
        dbh = np.zeros((1, self.hidden_size))
        dby = np.zeros((1, self.W_hy.shape[0]))
        dh_next = np.zeros((1, self.hidden_size))
        for t in range(len(x) - 1, -1, -1):
            # squared error (y_hat - y)^2 -> gradient 2 * (y_hat - y)
            d_out = 2 * (preds[t] - y[t].reshape(1, -1))
            dWhy += d_out.T @ hs[t + 1]
            dby += d_out
            d_h = d_out @ self.W_hy + dh_next
            d_z = d_h * (1 - hs[t + 1] ** 2)
            dWxh += d_z.T @ x[t].reshape(1, -1)
            dWhh += d_z.T @ hs[t]
            dbh += d_z
            dh_next = d_z @ self.W_hh
        self.W_xh -= learning_rate * dWxh
        self.W_hh -= learning_rate * dWhh
        self.W_hy -= learning_rate * dWhy
        self.b_h -= learning_rate * dbh.T
        self.b_y -= learning_rate * dby.T
