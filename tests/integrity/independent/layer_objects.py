import numpy as np


class TanhCell:
    """One step of the recurrence, remembering what its own gradient needs."""

    def __init__(self, rnn):
        self.rnn = rnn

    def run(self, inp, prev):
        self.inp, self.prev = inp, prev
        self.out = np.tanh(self.rnn.W_xh @ inp + self.rnn.W_hh @ prev + self.rnn.b_h)
        return self.out

    def grad(self, upstream, acc):
        local = upstream * (1.0 - self.out * self.out)
        acc["W_xh"] += local @ self.inp.T
        acc["W_hh"] += local @ self.prev.T
        acc["b_h"] += local
        return self.rnn.W_hh.T @ local


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        state = np.zeros((self.hidden_size, 1))
        self.cells, self.predictions = [], []
        for row in np.atleast_2d(x):
            cell = TanhCell(self)
            state = cell.run(row.reshape(-1, 1), state)
            self.cells.append(cell)
            self.predictions.append(self.W_hy @ state + self.b_y)
        return np.stack(self.predictions)

    def backward(self, x, y, learning_rate):
        acc = {name: np.zeros_like(getattr(self, name)) for name in ("W_xh", "W_hh", "W_hy", "b_h", "b_y")}
        from_future = np.zeros((self.hidden_size, 1))
        for step in range(len(self.cells) - 1, -1, -1):
            miss = self.predictions[step] - np.reshape(y[step], (-1, 1))
            acc["W_hy"] += miss @ self.cells[step].out.T
            acc["b_y"] += miss
            from_future = self.cells[step].grad(self.W_hy.T @ miss + from_future, acc)
        for name, g in acc.items():
            setattr(self, name, getattr(self, name) - learning_rate * g)
