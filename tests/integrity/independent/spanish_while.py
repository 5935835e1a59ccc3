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
        # guardamos las entradas, los estados ocultos y las salidas de cada paso
        self.entradas = []
        self.ocultos = {0: np.zeros((self.hidden_size, 1))}
        self.salidas = []
        paso = 0
        while paso < len(x):
            entrada = np.array(x[paso], dtype=float).reshape(-1, 1)
            anterior = self.ocultos[paso]
            self.ocultos[paso + 1] = np.tanh(np.matmul(self.W_xh, entrada) + np.matmul(self.W_hh, anterior)
                                             + self.b_h)
            self.salidas.append(np.matmul(self.W_hy, self.ocultos[paso + 1]) + self.b_y)
            self.entradas.append(entrada)
            paso += 1
        return np.array(self.salidas)

    def backward(self, x, y, learning_rate):
        # gradientes acumulados sobre todos los pasos
        grad = {}
        for nombre in ["W_xh", "W_hh", "W_hy", "b_h", "b_y"]:
            grad[nombre] = np.zeros(getattr(self, nombre).shape)
        delta_siguiente = np.zeros((self.hidden_size, 1))
        paso = len(self.entradas) - 1
        while paso >= 0:
            objetivo = np.array(y[paso], dtype=float).reshape(-1, 1)
            error = self.salidas[paso] - objetivo
            grad["W_hy"] = grad["W_hy"] + np.matmul(error, self.ocultos[paso + 1].T)
            grad["b_y"] = grad["b_y"] + error
            delta = np.matmul(self.W_hy.T, error) + delta_siguiente
            delta = delta * (1 - self.ocultos[paso + 1] * self.ocultos[paso + 1])
            grad["W_xh"] = grad["W_xh"] + np.matmul(delta, self.entradas[paso].T)
            grad["W_hh"] = grad["W_hh"] + np.matmul(delta, self.ocultos[paso].T)
            grad["b_h"] = grad["b_h"] + delta
            delta_siguiente = np.matmul(self.W_hh.T, delta)
            paso -= 1
        for nombre in grad:
            setattr(self, nombre, getattr(self, nombre) - learning_rate * grad[nombre])
