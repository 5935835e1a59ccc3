import numpy as np


class SimpleRNN:
    """An Elman recurrent network trained with back-propagation through time (BPTT).

    Sizes: I = input_size, H = hidden_size, O = output_size, T = number of time steps.
    Parameters (keep these names and shapes: the grader reads and sets them):
        W_xh (H, I)   input  -> hidden
        W_hh (H, H)   hidden -> hidden (the recurrence)
        W_hy (O, H)   hidden -> output
        b_h  (H, 1)   hidden bias
        b_y  (O, 1)   output bias
    """

    def __init__(self, input_size, hidden_size, output_size):
        """Weights are small Gaussians drawn in this order (W_xh, W_hh, W_hy); biases start at zero."""
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        """Run the network over a whole sequence.

        x: array of shape (T, I); x[t] is the input at step t.
        Start from h_0 = 0 (a zero vector of shape (H, 1)) on every call, then for t = 1..T:
            h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h)      shape (H, 1)
            y_t = W_hy h_t + b_y                           shape (O, 1)
        Returns the outputs of every step, for example as an array of shape (T, O, 1).
        Keep what backward() needs (the inputs and hidden states) on self.
        """
        raise NotImplementedError("forward is not written yet")

    def backward(self, x, y, learning_rate):
        """Back-propagate through time, then take one gradient-descent step.

        x: array of shape (T, I), the sequence forward() was last called with.
        y: array of shape (T, O), the targets; y[t] is the target for output y_t.
        Loss: L = sum over t of 1/2 * ||y_t - target_t||^2
              (summed over the outputs and over the time steps: no division by T or by O).
        Compute dL/dp for all five parameters through every time step, then update each in place:
            p -= learning_rate * dL/dp
        Returns nothing.
        """
        raise NotImplementedError("backward is not written yet")
