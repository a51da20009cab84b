import numpy as np


class Problem:
    def __init__(self, n):
        self.x0 = np.zeros(n)

    def objective(self, x):
        return float(np.dot(x, x))
