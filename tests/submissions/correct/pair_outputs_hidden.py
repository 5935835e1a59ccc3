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
        """Returns the hidden states and output, as the description says: (outputs, hidden_states)."""
        seq_len = x.shape[0]
        h = np.zeros((self.hidden_size, 1))
        hidden_states = []
        outputs = []
        for t in range(seq_len):
            x_t = x[t].reshape(-1, 1)
            h = np.tanh(self.W_xh @ x_t + self.W_hh @ h + self.b_h)
            hidden_states.append(h)
            outputs.append(self.W_hy @ h + self.b_y)
        self.hidden_states = hidden_states
        self.outputs = outputs
        return np.array(outputs), np.array(hidden_states)

    def backward(self, x, y, learning_rate):
        seq_len = x.shape[0]
        dW_xh = np.zeros_like(self.W_xh)
        dW_hh = np.zeros_like(self.W_hh)
        dW_hy = np.zeros_like(self.W_hy)
        db_h = np.zeros_like(self.b_h)
        db_y = np.zeros_like(self.b_y)
        dh_next = np.zeros((self.hidden_size, 1))
        for t in reversed(range(seq_len)):
            h_t = self.hidden_states[t]
            h_prev = self.hidden_states[t - 1] if t > 0 else np.zeros_like(h_t)
            dy = self.outputs[t] - y[t].reshape(-1, 1)
            dW_hy += dy @ h_t.T
            db_y += dy
            dh = self.W_hy.T @ dy + dh_next
            dtanh = dh * (1 - h_t ** 2)
            dW_xh += dtanh @ x[t].reshape(1, -1)
            dW_hh += dtanh @ h_prev.T
            db_h += dtanh
            dh_next = self.W_hh.T @ dtanh
        self.W_xh -= learning_rate * dW_xh
        self.W_hh -= learning_rate * dW_hh
        self.W_hy -= learning_rate * dW_hy
        self.b_h -= learning_rate * db_h
        self.b_y -= learning_rate * db_y
