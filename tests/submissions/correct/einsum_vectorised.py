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
        x = np.asarray(x, dtype=float)
        T = x.shape[0]
        Hs = np.zeros((T + 1, self.hidden_size))
        pre_x = x @ self.W_xh.T + self.b_h.ravel()          # input part for every step at once
        for t in range(T):
            Hs[t + 1] = np.tanh(pre_x[t] + self.W_hh @ Hs[t])
        self._X, self._H = x, Hs
        self._Y = Hs[1:] @ self.W_hy.T + self.b_y.ravel()   # (T, O)
        return self._Y[:, :, None]

    def backward(self, x, y, learning_rate):
        X, Hs, Y = self._X, self._H, self._Y
        T = X.shape[0]
        dY = Y - np.asarray(y, dtype=float).reshape(Y.shape)  # (T, O)
        dHout = dY @ self.W_hy                                # (T, H) from the outputs
        dZ = np.zeros((T, self.hidden_size))
        carry = np.zeros(self.hidden_size)
        for t in range(T - 1, -1, -1):                        # only the recursion needs a loop
            dZ[t] = (dHout[t] + carry) * (1 - Hs[t + 1] ** 2)
            carry = self.W_hh.T @ dZ[t]
        dW_hy = np.einsum('to,th->oh', dY, Hs[1:])
        db_y = dY.sum(axis=0)
        dW_xh = np.einsum('th,ti->hi', dZ, X)
        dW_hh = dZ.T @ Hs[:-1]
        db_h = dZ.sum(axis=0)
        self.W_xh -= learning_rate * dW_xh
        self.W_hh -= learning_rate * dW_hh
        self.W_hy -= learning_rate * dW_hy
        self.b_h -= learning_rate * db_h.reshape(self.b_h.shape)
        self.b_y -= learning_rate * db_y.reshape(self.b_y.shape)
