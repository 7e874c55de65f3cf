"""Assignment 04 (loss functions): what is special to its checks.

Its known implementations (tests/known_implementations/loss_functions.py) are data for
tests/test_assignment_contracts.py, which runs the checks on them as on every assignment's. Here: the
references follow PyTorch's stated conventions (subgradients at kinks, ties, Huber).
"""
from __future__ import annotations

import numpy as np

# === the references follow PyTorch's stated conventions ==============================================

def test_references_state_the_subgradients_at_kinks():
    """The conventions the book and the notebook state: 0 at every kink, as torch's autograd."""
    from autograder.reference import loss_functions as ref
    assert ref.binary_hinge_grad(np.array([1.0, -1.0]), np.array([1, -1])).tolist() == [0.0, 0.0]
    assert ref.l1_grad(np.array([2.0]), np.array([2.0])).tolist() == [0.0]
    scores = np.array([[2.0, 1.0, 0.0]])  # class 1's Weston-Watkins term 1 - 2 + 1 is exactly 0
    assert ref.multiclass_hinge_grad(scores, np.array([0])).tolist() == [[0.0, 0.0, 0.0]]
    assert ref.crammer_singer_hinge_grad(scores, np.array([0])).tolist() == [[0.0, 0.0, 0.0]]


def test_crammer_singer_reference_splits_a_tie_equally():
    from autograder.reference import loss_functions as ref
    grad = ref.crammer_singer_hinge_grad(np.array([[0.0, 0.5, 0.5]]), np.array([0]))
    assert grad.tolist() == [[-1.0, 0.5, 0.5]]


def test_huber_is_delta_times_smooth_l1():
    from autograder.reference import loss_functions as ref
    r = np.linspace(-4, 4, 41)
    for delta in (0.5, 1.0, 3.0):
        assert np.allclose(ref.huber_loss(r, 0 * r, delta), delta * ref.smooth_l1_loss(r, 0 * r, delta))

