"""Assignment 01 (image classification): what is special to its checks.

Its known implementations (tests/known_implementations/image_classification.py) are data for
tests/test_assignment_contracts.py, which runs the checks on them as on every assignment's. Here: the
references agree with their definitions, and the top-k check's inputs are what it says.
"""
from __future__ import annotations

import numpy as np
import torch

from autograder.checks import image_classification as checks
from autograder.reference import image_classification as ref
from known_implementations.image_classification import _hits

# === the references agree with the definitions they stand for =======================================

def test_flatten_reference_is_row_major_reshape_over_255():
    images = np.arange(2 * 3 * 4 * 3, dtype=np.uint8).reshape(2, 3, 4, 3)
    flat = ref.flatten_images(images)
    assert flat.dtype == np.float64 and flat.shape == (2, 36)
    h, w, c = 1, 2, 1  # pixel (h, w), channel c lands at column (h * W + w) * 3 + c
    assert flat[1, (h * 4 + w) * 3 + c] * 255 == images[1, h, w, c]
    assert ref.flatten_images(np.full((1, 1, 1, 3), 255, np.uint8)).tolist() == [[1.0, 1.0, 1.0]]


def test_parameter_count_references():
    assert ref.fc_parameter_count(224, 224, 3, 1000) == 150_529_000
    assert ref.fc_parameter_count(224, 224, 3, 1000, bias=False) == 150_528_000
    assert ref.conv_parameter_count(3, 64, 3) == 64 * 3 * 3 * 3 + 64


def test_top_k_references_agree_without_ties_and_follow_the_rule_with_ties():
    rng = np.random.default_rng(1)
    scores, labels = rng.normal(size=(50, 8)), rng.integers(0, 8, size=50)
    for k in range(1, 9):
        assert ref.top_k_accuracy(scores, labels, k) == ref.top_k_accuracy_with_ties(scores, labels, k)
    constant = np.zeros((3, 4))
    assert ref.top_k_accuracy_with_ties(constant, np.array([0, 1, 3]), 1) == 0.0
    assert ref.top_k_accuracy_with_ties(constant, np.array([0, 1, 3]), 4) == 1.0


def test_check_inputs_for_top_k_have_no_ties_and_the_asked_ranks():
    scores, labels = checks._scores_with_ranks(np.random.default_rng(3), checks.VISIBLE_RANKS, 6)
    for row in (scores, scores.astype(np.float32)):
        assert all(len(set(r)) == 6 for r in row)
    ranks = (scores > scores[np.arange(10), labels][:, None]).sum(axis=1)
    assert ranks.tolist() == checks.VISIBLE_RANKS


def test_top_k_check_agrees_with_torch_topk_on_the_visible_inputs():
    scores, labels = checks._scores_with_ranks(np.random.default_rng(checks.VISIBLE_SEED), checks.VISIBLE_RANKS, 6)
    top = torch.topk(torch.from_numpy(scores), 3, dim=1).indices.numpy()
    assert ref.top_k_accuracy(scores, labels, 3) == _hits(top, labels).mean() == 0.7

