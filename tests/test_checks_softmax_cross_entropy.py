"""Assignment 02 (softmax and cross-entropy): what is special to its checks.

Its known implementations (tests/known_implementations/softmax_cross_entropy.py) are data for
tests/test_assignment_contracts.py, which runs the checks on them as on every assignment's. Here: a
mistake costs only the tests of the function that has it, and a function that relies on the student's
own helpers passes too.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.assignments import BY_TOPIC
from check_harness import OTHER_SEEDS, TopicChecks, not_implemented
from known_implementations.softmax_cross_entropy import (
    cross_entropy_sum,
    grad_sign_flip,
    one_hot_off_by_one,
    softmax_last_axis_out_of_place,
    softmax_no_max_subtraction,
)
from notebook_code import solution_functions

ASSIGNMENT = BY_TOPIC["softmax_cross_entropy"]
CHECKS = TopicChecks(ASSIGNMENT)
visible_check, hidden_check = CHECKS.visible, CHECKS.hidden


# === one mistake, one penalty =========================================================================

def uniform_softmax(y):
    return np.full(y.shape, 1.0 / y.shape[1])


@pytest.mark.parametrize("mistakes", [
    pytest.param({"softmax": softmax_no_max_subtraction}, id="softmax-without-max"),
    pytest.param({"softmax": uniform_softmax, "cross_entropy": cross_entropy_sum},
                 id="uniform-softmax-summed-loss"),
    pytest.param({"softmax": not_implemented, "one_hot": one_hot_off_by_one,
                  "cross_entropy": not_implemented, "cross_entropy_grad": grad_sign_flip},
                 id="helpers-wrong-or-missing"),
])
def test_a_mistake_costs_only_the_tests_of_the_function_that_has_it(mistakes):
    # the solution's later functions call softmax, cross_entropy, ...: with the student's wrong ones in
    # their notebook, they are still checked with the reference's, and the notebook is left as it was
    notebook = solution_functions(ASSIGNMENT.solution_path)
    namespace = notebook.linear_softmax_loss_and_grads.__globals__
    namespace.update(mistakes)
    for name in ("cross_entropy", "cross_entropy_grad", "softmax_jacobian", "linear_softmax_loss_and_grads"):
        if name not in mistakes:
            visible_check(name)(getattr(notebook, name))
            for seed in (None, *OTHER_SEEDS):
                hidden_check(name, seed)(getattr(notebook, name))
    assert {name: namespace[name] for name in mistakes} == mistakes


def test_a_function_that_relies_on_its_own_helpers_passes_too():
    # this softmax_jacobian hands softmax a vector, which the student's softmax (last axis) takes and the
    # reference's (rows of a matrix) does not: checked again with the student's own, it passes
    namespace = {"np": np, "softmax": softmax_last_axis_out_of_place}
    exec("def softmax_jacobian(y):\n    s = softmax(y)\n    return np.diag(s) - np.outer(s, s)", namespace)
    visible_check("softmax_jacobian")(namespace["softmax_jacobian"])
    hidden_check("softmax_jacobian")(namespace["softmax_jacobian"])
    assert namespace["softmax"] is softmax_last_axis_out_of_place

