"""One mistake, one penalty in ``02-softmax-cross-entropy``: the earlier functions each function may call, and
checking it with the reference's versions of them in their place
(:func:`autograder.student_calls.run_with_reference_helpers`), so a wrong ``softmax`` costs only ``softmax``'s
tests."""
from __future__ import annotations

from collections.abc import Callable

from autograder.reference import softmax_cross_entropy as ref
from autograder.student_calls import run_with_reference_helpers

# The reference's versions of the functions a student's later function may call, by name.
REFERENCE_FUNCTIONS = {"softmax": ref.softmax, "one_hot": ref.one_hot, "cross_entropy": ref.cross_entropy,
                       "cross_entropy_grad": ref.cross_entropy_grad}
# The earlier functions each function may call: it is checked with the reference's versions of them.
CALLS = {"cross_entropy": ("softmax", "one_hot"),
         "cross_entropy_grad": ("softmax", "one_hot", "cross_entropy"),
         "softmax_jacobian": ("softmax",),
         "linear_softmax_loss_and_grads": ("softmax", "one_hot", "cross_entropy", "cross_entropy_grad")}


def on_its_own(name: str, check: Callable, function: Callable, *args) -> None:
    """``check(function, *args)`` with the reference's versions of the functions ``name`` may call."""
    run_with_reference_helpers(check, function, {f: REFERENCE_FUNCTIONS[f] for f in CALLS[name]}, *args)
