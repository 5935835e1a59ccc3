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
        number_of_steps = len(x)
        hidden_state = np.zeros((self.hidden_size, 1))
        self.all_inputs = []
        self.all_hidden_states = [hidden_state]
        self.all_outputs = []
        for step in range(number_of_steps):
            input_vector = x[step]
            input_vector = input_vector.reshape(len(input_vector), 1)
            input_part = self.W_xh @ input_vector
            recurrent_part = self.W_hh @ hidden_state
            hidden_state = np.tanh(input_part + recurrent_part + self.b_h)
            output_vector = self.W_hy @ hidden_state
            output_vector = output_vector + self.b_y
            self.all_inputs.append(input_vector)
            self.all_hidden_states.append(hidden_state)
            self.all_outputs.append(output_vector)
        assert len(self.all_outputs) == number_of_steps
        return np.array(self.all_outputs)

    def backward(self, x, y, learning_rate):
        number_of_steps = len(self.all_inputs)
        gradient_W_xh = np.zeros(self.W_xh.shape)
        gradient_W_hh = np.zeros(self.W_hh.shape)
        gradient_W_hy = np.zeros(self.W_hy.shape)
        gradient_b_h = np.zeros(self.b_h.shape)
        gradient_b_y = np.zeros(self.b_y.shape)
        gradient_from_next_step = np.zeros((self.hidden_size, 1))
        for step in range(number_of_steps - 1, -1, -1):
            target_vector = y[step].reshape(len(y[step]), 1)
            output_error = self.all_outputs[step] - target_vector
            gradient_W_hy = gradient_W_hy + output_error @ self.all_hidden_states[step + 1].T
            gradient_b_y = gradient_b_y + output_error
            hidden_error = self.W_hy.T @ output_error
            hidden_error = hidden_error + gradient_from_next_step
            current_state = self.all_hidden_states[step + 1]
            derivative_of_tanh = 1 - current_state * current_state
            pre_activation_error = hidden_error * derivative_of_tanh
            gradient_W_xh = gradient_W_xh + pre_activation_error @ self.all_inputs[step].T
            previous_state = self.all_hidden_states[step]
            gradient_W_hh = gradient_W_hh + pre_activation_error @ previous_state.T
            gradient_b_h = gradient_b_h + pre_activation_error
            gradient_from_next_step = self.W_hh.T @ pre_activation_error
        self.W_xh = self.W_xh - learning_rate * gradient_W_xh
        self.W_hh = self.W_hh - learning_rate * gradient_W_hh
        self.W_hy = self.W_hy - learning_rate * gradient_W_hy
        self.b_h = self.b_h - learning_rate * gradient_b_h
        self.b_y = self.b_y - learning_rate * gradient_b_y
