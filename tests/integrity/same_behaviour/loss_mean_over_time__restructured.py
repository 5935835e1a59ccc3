# The arithmetic of tests/submissions/wrong/loss_mean_over_time__col.py, operation for operation, in code of
# another shape: the same wrong numbers, bit for bit, from code that is not a copy (tests/test_integrity*.py).
import numpy as np

NAMES = ["W_xh", "W_hh", "W_hy", "b_h", "b_y"]


def step(net, column, previous):
    """One time step: the new hidden state and the output."""
    state = np.tanh(net.W_xh @ column + net.W_hh @ previous + net.b_h)
    return state, net.W_hy @ state + net.b_y


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        memory = {"states": [np.zeros((self.hidden_size, 1))], "outputs": []}
        for row in x:
            state, out = step(self, row.reshape(-1, 1), memory["states"][-1])
            memory["states"].append(state)
            memory["outputs"].append(out)
        self.memory = memory
        return np.array(memory["outputs"])

    def backward(self, x, y, learning_rate):
        states, outputs = self.memory["states"], self.memory["outputs"]
        count = len(x)
        sums = {name: np.zeros_like(getattr(self, name)) for name in NAMES}
        later = np.zeros((self.hidden_size, 1))
        t = count - 1
        while t >= 0:
            # my loss is the mean over the steps of the squared errors (halved)
            err = (outputs[t] - y[t].reshape(-1, 1)) / count
            sums["W_hy"] += err @ states[t + 1].T
            sums["b_y"] += err
            pre = (1 - states[t + 1] ** 2) * (self.W_hy.T @ err + later)
            sums["W_xh"] += pre @ x[t].reshape(1, -1)
            sums["W_hh"] += pre @ states[t].T
            sums["b_h"] += pre
            later = self.W_hh.T @ pre
            t -= 1
        for name in NAMES:
            param = getattr(self, name)
            param -= learning_rate * sums[name]
