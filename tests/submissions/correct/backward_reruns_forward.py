import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def _run(self, x):
        """Runs the sequence and returns (hidden states incl. h0, outputs); stores nothing."""
        states = [np.zeros((self.hidden_size, 1))]
        outputs = []
        for t in range(x.shape[0]):
            xt = x[t].reshape(-1, 1)
            states.append(np.tanh(self.W_xh @ xt + self.W_hh @ states[-1] + self.b_h))
            outputs.append(self.W_hy @ states[-1] + self.b_y)
        return states, outputs

    def forward(self, x):
        _, outputs = self._run(np.asarray(x, dtype=float))
        return np.array(outputs)

    def backward(self, x, y, learning_rate):
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        states, _ = self._run(x)          # recompute instead of relying on a cache
        preds = self.forward(x)           # (T, O, 1)
        grads = [np.zeros_like(p) for p in (self.W_xh, self.W_hh, self.W_hy, self.b_h, self.b_y)]
        gxh, ghh, ghy, gbh, gby = grads
        dnext = np.zeros((self.hidden_size, 1))
        for t in reversed(range(x.shape[0])):
            d_out = preds[t] - y[t].reshape(-1, 1)
            ghy += d_out @ states[t + 1].T
            gby += d_out
            d_pre = (self.W_hy.T @ d_out + dnext) * (1 - states[t + 1] ** 2)
            gxh += d_pre @ x[t].reshape(1, -1)
            ghh += d_pre @ states[t].T
            gbh += d_pre
            dnext = self.W_hh.T @ d_pre
        for p, g in zip((self.W_xh, self.W_hh, self.W_hy, self.b_h, self.b_y), grads):
            p -= learning_rate * g
