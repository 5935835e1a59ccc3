import numpy as np


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        # Initialisation des poids : petites valeurs aléatoires, biais à zéro
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        # Passe avant : on garde les états cachés pour la rétropropagation
        etat = np.zeros((self.hidden_size, 1))      # h_0 = 0 à chaque appel
        self.entrees, self.etats, self.sorties = [], [etat], []
        for pas in range(len(x)):
            x_t = x[pas].reshape(-1, 1)
            etat = np.tanh(self.W_xh @ x_t + self.W_hh @ etat + self.b_h)
            sortie = self.W_hy @ etat + self.b_y
            self.entrees.append(x_t)
            self.etats.append(etat)
            self.sorties.append(sortie)
        return np.array(self.sorties)

    def backward(self, x, y, learning_rate):
        # Rétropropagation à travers le temps (BPTT)
        gWxh = np.zeros_like(self.W_xh)
        gWhh = np.zeros_like(self.W_hh)
        gWhy = np.zeros_like(self.W_hy)
        gbh = np.zeros_like(self.b_h)
        gby = np.zeros_like(self.b_y)
        g_suivant = np.zeros((self.hidden_size, 1))  # gradient venant du pas t+1
        for pas in reversed(range(len(self.entrees))):
            erreur = self.sorties[pas] - y[pas].reshape(-1, 1)   # dérivée de 0.5 * erreur²
            gWhy += erreur @ self.etats[pas + 1].T
            gby += erreur
            g_etat = self.W_hy.T @ erreur + g_suivant
            g_brut = (1 - self.etats[pas + 1] ** 2) * g_etat    # dérivée de tanh
            gWxh += g_brut @ self.entrees[pas].T
            gWhh += g_brut @ self.etats[pas].T
            gbh += g_brut
            g_suivant = self.W_hh.T @ g_brut
        # Mise à jour par descente de gradient
        self.W_xh -= learning_rate * gWxh
        self.W_hh -= learning_rate * gWhh
        self.W_hy -= learning_rate * gWhy
        self.b_h -= learning_rate * gbh
        self.b_y -= learning_rate * gby
