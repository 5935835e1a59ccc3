import numpy as np


def run_sequence(Wx, Wh, Wy, bh, by, inputs):
    """Returns the list of hidden states (h0 first) and the list of outputs."""
    states = [np.zeros((Wh.shape[0], 1))]
    outs = []
    for vec in inputs:
        column = np.reshape(vec, (-1, 1))
        states.append(np.tanh(Wx.dot(column) + Wh.dot(states[-1]) + bh))
        outs.append(Wy.dot(states[-1]) + by)
    return states, outs


def gradients(Wh, Wy, inputs, targets, states, outs):
    gWx = np.zeros((Wh.shape[0], np.reshape(inputs[0], (-1, 1)).shape[0]))
    gWh = np.zeros_like(Wh)
    gWy = np.zeros_like(Wy)
    gbh = np.zeros((Wh.shape[0], 1))
    gby = np.zeros((Wy.shape[0], 1))
    carried = np.zeros((Wh.shape[0], 1))
    for i in reversed(range(len(outs))):
        err = outs[i] - np.reshape(targets[i], (-1, 1))
        gWy += err.dot(states[i + 1].T)
        gby += err
        dstate = Wy.T.dot(err) + carried
        dpre = dstate * (1 - states[i + 1] ** 2)
        gWx += dpre.dot(np.reshape(inputs[i], (1, -1)))
        gWh += dpre.dot(states[i].T)
        gbh += dpre
        carried = Wh.T.dot(dpre)
    return gWx, gWh, gWy, gbh, gby


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        self._states, self._outs = run_sequence(self.W_xh, self.W_hh, self.W_hy, self.b_h, self.b_y, x)
        return np.array(self._outs)

    def backward(self, x, y, learning_rate):
        grads = gradients(self.W_hh, self.W_hy, x, y, self._states, self._outs)
        names = ["W_xh", "W_hh", "W_hy", "b_h", "b_y"]
        for name, grad in zip(names, grads):
            current = getattr(self, name)
            current -= learning_rate * grad
