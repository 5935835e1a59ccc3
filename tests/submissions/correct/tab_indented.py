import numpy as np


class SimpleRNN:
	def __init__(self, input_size, hidden_size, output_size):
		"""
		Initializes the RNN with random weights and zero biases.
		"""
		self.hidden_size = hidden_size
		self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
		self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
		self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
		self.b_h = np.zeros((hidden_size, 1))
		self.b_y = np.zeros((output_size, 1))

	def forward(self, x):
		"""
		Forward pass through the RNN for a given sequence of inputs.
		"""
		self.inputs = [xi.reshape(-1, 1) for xi in x]
		self.hiddens = [np.zeros((self.hidden_size, 1))]
		self.preds = []
		for xi in self.inputs:
			hi = np.tanh(self.W_xh @ xi + self.W_hh @ self.hiddens[-1] + self.b_h)
			self.hiddens.append(hi)
			self.preds.append(self.W_hy @ hi + self.b_y)
		return np.array(self.preds)

	def backward(self, x, y, learning_rate):
		"""
		Backpropagation through time (BPTT) to adjust the weights based on error gradient.
		"""
		g_xh = np.zeros_like(self.W_xh)
		g_hh = np.zeros_like(self.W_hh)
		g_hy = np.zeros_like(self.W_hy)
		g_bh = np.zeros_like(self.b_h)
		g_by = np.zeros_like(self.b_y)
		d_next = np.zeros((self.hidden_size, 1))
		for t in reversed(range(len(self.inputs))):
			e = self.preds[t] - y[t].reshape(-1, 1)
			g_hy += e @ self.hiddens[t + 1].T
			g_by += e
			d = (self.W_hy.T @ e + d_next) * (1 - self.hiddens[t + 1] ** 2)
			g_xh += d @ self.inputs[t].T
			g_hh += d @ self.hiddens[t].T
			g_bh += d
			d_next = self.W_hh.T @ d
		self.W_xh -= learning_rate * g_xh
		self.W_hh -= learning_rate * g_hh
		self.W_hy -= learning_rate * g_hy
		self.b_h -= learning_rate * g_bh
		self.b_y -= learning_rate * g_by
