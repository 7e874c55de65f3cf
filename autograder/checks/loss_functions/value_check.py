"""Calling a student's loss or gradient on one input and comparing what it returns with the reference,
as every check of ``04-loss-functions`` does; the mistakes any gradient can make, and the tolerance for
float32 inputs."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.compare import as_numeric_array, assert_close, assert_floating
from autograder.student_calls import call_unchanged

FLOAT32 = {"rtol": 1e-5, "atol": 1e-7}


def assert_value(function: Callable, args: tuple, kwargs: dict, expected, what: str, mistakes: dict,
                 rtol: float = 1e-7, atol: float = 1e-12) -> None:
    """Call the student's function on ``args``, then compare with ``expected`` (a loss or a gradient)."""
    result = as_numeric_array(call_unchanged(function, what, *args, **kwargs), what)
    assert_close(result, expected, what, rtol=rtol, atol=atol, mistakes=mistakes)
    if np.ndim(expected):  # a gradient of integers is right only by chance (e.g. all zeros)
        assert_floating(result, what)


def gradient_mistakes(expected: np.ndarray, n: int) -> dict[str, np.ndarray]:
    return {"sum-instead-of-mean": expected * n, "loss-gradient-sign": -expected}
