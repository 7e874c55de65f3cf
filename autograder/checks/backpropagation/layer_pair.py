"""Calling a student's forward/backward pair on one set of inputs and checking what it returns: the
forward's ``out`` against PyTorch, inputs and ``dout`` left unchanged, the gradients (the bias gradient
with the axes it must be summed over), as every layer check of ``03-backpropagation`` does."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from autograder.compare import as_numeric_array, assert_close, assert_floating, assert_unchanged, fail, returned_tuple
from autograder.student_calls import call_student


def written_shape(array: np.ndarray) -> str:
    """The shape of ``array`` as the checks' messages write it: "(2, 3)"."""
    return str(tuple(array.shape))


def _assert_unchanged_inputs(before: Sequence[np.ndarray], inputs: Sequence[np.ndarray], what: str):
    for original, after in zip(before, inputs):
        assert_unchanged(original, after, what)


class LayerPair:
    """A student's forward/backward pair applied to one set of inputs, checked step by step."""

    def __init__(self, layer: str, forward: Callable, backward: Callable, about: str):
        self.layer, self.forward, self.backward, self.about = layer, forward, backward, about

    @property
    def forward_what(self) -> str:
        return f"{self.layer}_forward on {self.about}"

    def backward_what(self, gradient: str | None = None) -> str:
        what = f"{self.layer}_backward on {self.about}"
        return f"{what}, {gradient}" if gradient else what

    def run(self, args: tuple, kwargs: dict, expected_out: np.ndarray, rng: np.random.Generator,
            out_mistakes: dict | None = None, gradients: tuple[str, ...] = ("dx",)):
        """Check the forward's out, then call the backward with the student's cache and a random dout.

        gradients: the names of what the backward returns, e.g. ("dx", "dW", "db") for a tuple.
        Returns (dout, what the backward returned: one array, or a tuple when several gradients).
        """
        inputs = [a for a in args if isinstance(a, np.ndarray)]
        before = [a.copy() for a in inputs]
        result = call_student(self.forward, self.forward_what, *args, **kwargs)
        out, cache = returned_tuple(result, ("out", "cache"), self.forward_what)
        out = as_numeric_array(out, f"{self.forward_what}, out")
        assert_floating(out, f"{self.forward_what}, out")
        assert_close(out, expected_out, f"{self.forward_what}, out", mistakes=out_mistakes)
        _assert_unchanged_inputs(before, inputs, self.forward_what)

        dout = rng.normal(size=expected_out.shape)
        dout_before = dout.copy()
        grads = call_student(self.backward, self.backward_what(), dout, cache)
        assert_unchanged(dout_before, dout, f"{self.backward_what()} (dout)")
        _assert_unchanged_inputs(before, inputs, self.backward_what())
        if len(gradients) > 1:
            grads = returned_tuple(grads, gradients, self.backward_what())
        return dout_before, grads

    def assert_gradient(self, actual, expected: np.ndarray, name: str, mistakes: dict | None = None,
                        rtol: float = 1e-7, atol: float = 1e-10) -> None:
        what = self.backward_what(name)
        actual = as_numeric_array(actual, what)
        assert_floating(actual, what)
        assert_close(actual, expected, what, rtol=rtol, atol=atol, mistakes=mistakes)


def assert_bias_gradient(pair: LayerPair, db, expected: np.ndarray, dout: np.ndarray,
                          summed_axes: tuple[int, ...]) -> None:
    """db must be dout summed over ``summed_axes``; a sum over only some of them (or none) is named."""
    what = pair.backward_what("db")
    db = as_numeric_array(db, what)
    if db.shape != expected.shape:
        partial_sums = {dout.shape} | {np.sum(dout, axis=axis).shape for axis in summed_axes}
        partial_sums |= {np.sum(dout, axis=tuple(a for a in summed_axes if a != kept)).shape
                         for kept in summed_axes}
        mistake = "bias-gradient-not-summed" if db.shape in partial_sums else None
        fail(what, f"expected an array of shape {expected.shape}, got shape {db.shape}.", mistake)
    pair.assert_gradient(db, expected, "db")

