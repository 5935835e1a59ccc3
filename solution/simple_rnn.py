"""Reference solution of the SimpleRNN kata: an Elman RNN trained by back-propagation through time.

Shapes: x is (T, I), y is (T, O); column vectors throughout, so x_t is (I, 1), h_t is (H, 1), y_t is (O, 1).

    h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h),   h_0 = 0 on every call
    ŷ_t = W_hy h_t + b_y
    L   = Σ_t ½ ‖ŷ_t − y_t‖²                    (summed over outputs and time steps, no averaging)

backward() applies one SGD step p -= learning_rate · ∂L/∂p to all five parameters.
"""
import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        # Drawn in this order right after the seed: the published cases depend on it.
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        """x: (T, I). Returns the outputs of every step, (T, O, 1); caches what backward needs."""
        h0 = np.zeros((self.hidden_size, 1))  # the initial state is its own variable, never hs[-1]
        xs, hs, ys = [], [], []
        h_prev = h0
        for x_t in np.asarray(x, dtype=float):
            x_t = x_t.reshape(-1, 1)
            h_t = np.tanh(self.W_xh @ x_t + self.W_hh @ h_prev + self.b_h)  # hidden state
            y_t = self.W_hy @ h_t + self.b_y                                 # output
            xs.append(x_t)
            hs.append(h_t)
            ys.append(y_t)
            h_prev = h_t
        self.h0, self.xs, self.hs, self.ys = h0, xs, hs, ys
        return np.array(ys)

    def backward(self, x, y, learning_rate):
        """y: (T, O). BPTT through the cached forward pass of x, then one SGD step on every parameter."""
        dW_xh, dW_hh, dW_hy = np.zeros_like(self.W_xh), np.zeros_like(self.W_hh), np.zeros_like(self.W_hy)
        db_h, db_y = np.zeros_like(self.b_h), np.zeros_like(self.b_y)
        dh_next = np.zeros_like(self.h0)  # ∂L/∂h_t arriving from step t+1
        for t in reversed(range(len(self.xs))):
            h_prev = self.hs[t - 1] if t > 0 else self.h0
            dy = self.ys[t] - np.asarray(y[t], dtype=float).reshape(-1, 1)  # ∂L/∂ŷ_t for ½‖ŷ−y‖²
            dW_hy += dy @ self.hs[t].T
            db_y += dy
            dh = self.W_hy.T @ dy + dh_next                  # from this step's output and from t+1
            dz = (1 - self.hs[t] ** 2) * dh                  # through tanh
            dW_xh += dz @ self.xs[t].T
            dW_hh += dz @ h_prev.T
            db_h += dz
            dh_next = self.W_hh.T @ dz
        for param, grad in ((self.W_xh, dW_xh), (self.W_hh, dW_hh), (self.W_hy, dW_hy),
                            (self.b_h, db_h), (self.b_y, db_y)):
            param -= learning_rate * grad                    # SGD step, in place
