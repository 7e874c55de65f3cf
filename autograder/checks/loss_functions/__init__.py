"""Checks for assignment ``04-loss-functions``: students' numpy losses and gradients against PyTorch.

``check_<function>`` is the visible self-check, ``check_<function>_edge_cases`` the hidden test. Both
probe every requirement the exercise states (samples exactly on a kink where the course states the
subgradient (0, as torch's autograd), losses that are all zero, a batch of one, two classes, other
margins and betas, (N, Q) regression targets, float32 inputs, inputs that must not be modified), each
on its own inputs: the self-check after random inputs, on the VISIBLE variants of the fixed inputs (the
hidden ones with rows reversed, classes rotated and a shift that keeps every kink exact) and random
ones from VISIBLE_REQUIREMENTS_SEED; the hidden test on the HIDDEN fixed inputs and the student's
seed. Each failure names a known mistake when it recognises one.

One module per loss: :mod:`.binary_hinge`, :mod:`.multiclass_hinge` (Weston-Watkins),
:mod:`.crammer_singer`, :mod:`.regression` (L1, L2, smooth L1); what they share in :mod:`.value_check`
(calling the student's function and comparing its value), :mod:`.multiclass_inputs` (the two
multi-class losses' inputs).
"""
from __future__ import annotations

from autograder.checks.seeds import HIDDEN, VISIBLE, VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED

from .binary_hinge import (
    check_binary_hinge_grad,
    check_binary_hinge_grad_edge_cases,
    check_binary_hinge_loss,
    check_binary_hinge_loss_edge_cases,
)
from .crammer_singer import (
    check_crammer_singer_hinge_grad,
    check_crammer_singer_hinge_grad_edge_cases,
    check_crammer_singer_hinge_loss,
    check_crammer_singer_hinge_loss_edge_cases,
)
from .multiclass_hinge import (
    check_multiclass_hinge_grad,
    check_multiclass_hinge_grad_edge_cases,
    check_multiclass_hinge_loss,
    check_multiclass_hinge_loss_edge_cases,
)
from .regression import (
    check_l1_grad,
    check_l1_grad_edge_cases,
    check_l1_loss,
    check_l1_loss_edge_cases,
    check_l2_grad,
    check_l2_grad_edge_cases,
    check_l2_loss,
    check_l2_loss_edge_cases,
    check_smooth_l1_grad,
    check_smooth_l1_grad_edge_cases,
    check_smooth_l1_loss,
    check_smooth_l1_loss_edge_cases,
)
from .value_check import FLOAT32

__all__ = [
    "check_binary_hinge_loss", "check_binary_hinge_loss_edge_cases",
    "check_binary_hinge_grad", "check_binary_hinge_grad_edge_cases",
    "check_multiclass_hinge_loss", "check_multiclass_hinge_loss_edge_cases",
    "check_multiclass_hinge_grad", "check_multiclass_hinge_grad_edge_cases",
    "check_crammer_singer_hinge_loss", "check_crammer_singer_hinge_loss_edge_cases",
    "check_crammer_singer_hinge_grad", "check_crammer_singer_hinge_grad_edge_cases",
    "check_l1_loss", "check_l1_loss_edge_cases", "check_l1_grad", "check_l1_grad_edge_cases",
    "check_l2_loss", "check_l2_loss_edge_cases", "check_l2_grad", "check_l2_grad_edge_cases",
    "check_smooth_l1_loss", "check_smooth_l1_loss_edge_cases",
    "check_smooth_l1_grad", "check_smooth_l1_grad_edge_cases",
    "VISIBLE_SEED", "VISIBLE_REQUIREMENTS_SEED", "VISIBLE", "HIDDEN", "FLOAT32",
]
