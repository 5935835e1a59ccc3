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
        inputs = np.asarray(x, dtype=float)
        drive = np.einsum("hi,ti->th", self.W_xh, inputs) + self.b_h[:, 0]
        hidden = [np.zeros(self.hidden_size)]
        for d in drive:
            hidden.append(np.tanh(d + np.einsum("hk,k->h", self.W_hh, hidden[-1])))
        self.cache = (inputs, np.array(hidden))
        out = np.einsum("oh,th->to", self.W_hy, self.cache[1][1:]) + self.b_y[:, 0]
        self.last_out = out
        return out[..., np.newaxis]

    def backward(self, x, y, learning_rate):
        inputs, hidden = self.cache
        delta_out = self.last_out - np.asarray(y, dtype=float).reshape(self.last_out.shape)
        into_hidden = np.einsum("to,oh->th", delta_out, self.W_hy)
        delta_pre = np.empty_like(into_hidden)
        running = np.zeros(self.hidden_size)
        for t in range(len(inputs))[::-1]:
            delta_pre[t] = (into_hidden[t] + running) * (1 - hidden[t + 1] ** 2)
            running = np.einsum("kh,k->h", self.W_hh, delta_pre[t])
        updates = {
            "W_hy": np.einsum("to,th->oh", delta_out, hidden[1:]),
            "b_y": delta_out.sum(0)[:, None],
            "W_xh": np.einsum("th,ti->hi", delta_pre, inputs),
            "W_hh": np.einsum("th,tk->hk", delta_pre, hidden[:-1]),
            "b_h": delta_pre.sum(0)[:, None],
        }
        for key, value in updates.items():
            getattr(self, key)[...] -= learning_rate * value
