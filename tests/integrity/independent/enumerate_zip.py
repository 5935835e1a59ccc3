import numpy as np

PARAMETERS = ("W_xh", "W_hh", "W_hy", "b_h", "b_y")


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def _column(self, v):
        return np.asarray(v, dtype=float).reshape(-1, 1)

    def forward(self, x):
        columns = [self._column(v) for v in x]
        before, after = [], []
        h = np.zeros((self.hidden_size, 1))
        for xc in columns:
            before.append(h)
            h = np.tanh(self.W_xh @ xc + self.W_hh @ h + self.b_h)
            after.append(h)
        outputs = [self.W_hy @ hc + self.b_y for hc in after]
        self.memo = list(zip(columns, before, after, outputs))
        return np.array(outputs)

    def backward(self, x, y, learning_rate):
        sums = dict((p, np.zeros_like(getattr(self, p))) for p in PARAMETERS)
        pending = np.zeros((self.hidden_size, 1))
        for (xc, h_in, h_out, out), target in reversed(list(zip(self.memo, y))):
            e = out - self._column(target)
            sums["W_hy"] += e @ h_out.T
            sums["b_y"] += e
            z = (1 - h_out ** 2) * (self.W_hy.T @ e + pending)
            sums["W_xh"] += z @ xc.T
            sums["W_hh"] += z @ h_in.T
            sums["b_h"] += z
            pending = self.W_hh.T @ z
        for p in PARAMETERS:
            np.subtract(getattr(self, p), learning_rate * sums[p], out=getattr(self, p))
