"""Functions to minimise, with their gradients: the test problems of the optimizer chapter and checks.

Each problem has ``loss(x)`` and ``grad(x)`` and knows its minimum ``x_star``. ``loss`` takes points
of shape (..., D) (a whole grid at once, for contour plots) and returns (...); ``grad`` takes one point
(D,) and returns (D,). Everything is float64 numpy.

- :class:`Quadratic`: ``1/2 (x - x_star)^T A (x - x_star)``; :func:`ill_conditioned_quadratic` is the
  lecture's long narrow valley, :func:`random_quadratic` the checks' random problems.
- :class:`Rosenbrock`: the curved banana-shaped valley, minimum at (1, 1).
- :class:`DoubleWell`: a 1-D function with a local and a global minimum.
- :class:`LeastSquares`: linear regression on a data set, whose mini-batch gradients are noisy;
  :func:`with_gradient_noise` makes any gradient noisy.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Quadratic:
    """f(x) = 1/2 (x - x_star)^T A (x - x_star), A (D, D) symmetric positive definite, x_star (D,)."""
    A: np.ndarray
    x_star: np.ndarray

    def loss(self, x: np.ndarray) -> np.ndarray:
        """x (..., D) -> (...)."""
        d = np.asarray(x, dtype=np.float64) - self.x_star
        return 0.5 * np.einsum("...i,ij,...j->...", d, self.A, d)

    def grad(self, x: np.ndarray) -> np.ndarray:
        """x (D,) -> A (x - x_star), (D,)."""
        return self.A @ (np.asarray(x, dtype=np.float64) - self.x_star)

    @property
    def condition_number(self) -> float:
        """Largest over smallest curvature (eigenvalue of A): how elongated the valley is."""
        eigenvalues = np.linalg.eigvalsh(self.A)
        return float(eigenvalues[-1] / eigenvalues[0])


def ill_conditioned_quadratic(gentle: float = 0.02, steep: float = 2.0) -> Quadratic:
    """The lecture's narrow valley in 2-D: curvature ``gentle`` along x_1, ``steep`` along x_2, minimum at 0."""
    return Quadratic(A=np.diag([gentle, steep]), x_star=np.zeros(2))


def random_quadratic(rng: np.random.Generator, dim: int, condition: float = 10.0,
                     scale: float = 1.0) -> Quadratic:
    """A quadratic in ``dim`` dimensions with randomly rotated axes, curvatures spread geometrically
    from ``scale`` to ``scale * condition``, and a random minimum x_star ~ N(0, 1)."""
    rotation, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    curvatures = scale * np.geomspace(1.0, condition, dim)
    return Quadratic(A=(rotation * curvatures) @ rotation.T, x_star=rng.normal(size=dim))


def with_gradient_noise(grad: Callable[[np.ndarray], np.ndarray], rng: np.random.Generator,
                        scale: float) -> Callable[[np.ndarray], np.ndarray]:
    """A stochastic version of a gradient function, as mini-batches give: each call adds independent
    Gaussian noise of standard deviation ``scale`` to every entry of ``grad(x)``."""
    return lambda x: grad(x) + scale * rng.normal(size=np.shape(x))


@dataclass(frozen=True)
class Rosenbrock:
    """f(x) = (a - x_1)^2 + b (x_2 - x_1^2)^2 in 2-D; a curved valley along x_2 = x_1^2, minimum (a, a^2)."""
    a: float = 1.0
    b: float = 100.0

    @property
    def x_star(self) -> np.ndarray:
        return np.array([self.a, self.a ** 2])

    def loss(self, x: np.ndarray) -> np.ndarray:
        """x (..., 2) -> (...)."""
        x1, x2 = np.moveaxis(np.asarray(x, dtype=np.float64), -1, 0)
        return (self.a - x1) ** 2 + self.b * (x2 - x1 ** 2) ** 2

    def grad(self, x: np.ndarray) -> np.ndarray:
        """x (2,) -> (2,)."""
        x1, x2 = np.asarray(x, dtype=np.float64)
        valley = x2 - x1 ** 2
        return np.array([-2 * (self.a - x1) - 4 * self.b * x1 * valley, 2 * self.b * valley])


@dataclass(frozen=True)
class DoubleWell:
    """f(x) = x^4 - 3 x^2 + x in 1-D: a global minimum near -1.30 and a local one near 1.13."""

    @property
    def x_star(self) -> np.ndarray:
        return np.array([self.stationary_points()[0]])

    def loss(self, x: np.ndarray) -> np.ndarray:
        """x (..., 1) -> (...)."""
        x = np.asarray(x, dtype=np.float64)[..., 0]
        return x ** 4 - 3 * x ** 2 + x

    def grad(self, x: np.ndarray) -> np.ndarray:
        """x (1,) -> (1,)."""
        x = np.asarray(x, dtype=np.float64)
        return 4 * x ** 3 - 6 * x + 1

    @staticmethod
    def stationary_points() -> np.ndarray:
        """The zeros of the gradient, ascending: global minimum, local maximum, local minimum."""
        return np.sort(np.roots([4.0, 0.0, -6.0, 1.0]).real)


@dataclass(frozen=True)
class LeastSquares:
    """Linear regression: L(w) = 1/N sum_n 1/2 (x_n . w - y_n)^2, data X (N, D), targets y (N,)."""
    X: np.ndarray
    y: np.ndarray

    @property
    def x_star(self) -> np.ndarray:
        return np.linalg.lstsq(self.X, self.y, rcond=None)[0]

    def loss(self, w: np.ndarray) -> np.ndarray:
        """w (..., D) -> (...), the mean over the whole data set."""
        residuals = np.asarray(w, dtype=np.float64) @ self.X.T - self.y
        return 0.5 * np.mean(residuals ** 2, axis=-1)

    def grad(self, w: np.ndarray, batch: np.ndarray | None = None) -> np.ndarray:
        """Gradient (D,) at w (D,) of the mean loss over ``batch`` (sample indices; default: all N)."""
        X, y = (self.X, self.y) if batch is None else (self.X[batch], self.y[batch])
        return X.T @ (X @ w - y) / len(y)

    def minibatch_grad(self, rng: np.random.Generator, batch_size: int) -> Callable[[np.ndarray], np.ndarray]:
        """A gradient function that draws a new random mini-batch (without replacement) at every call."""
        return lambda w: self.grad(w, rng.choice(len(self.y), size=batch_size, replace=False))


def least_squares(rng: np.random.Generator, num_samples: int = 200, noise: float = 0.5,
                  slope: tuple[float, float] = (2.0, -1.0)) -> LeastSquares:
    """A 2-D regression problem: inputs x_n ~ N(0, diag(1, 1/4)), targets y_n = slope . x_n + noise."""
    X = rng.normal(size=(num_samples, 2)) * np.array([1.0, 0.5])
    return LeastSquares(X=X, y=X @ np.array(slope) + noise * rng.normal(size=num_samples))
