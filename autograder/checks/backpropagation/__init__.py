"""Checks for assignment ``03-backpropagation``: students' numpy layers against PyTorch autograd.

A layer is a pair ``<layer>_forward(inputs...) -> (out, cache)`` and ``<layer>_backward(dout, cache)``,
and the pair is checked together (:class:`~.layer_pair.LayerPair`): the check calls the student's
forward, compares ``out`` with PyTorch, then hands the student's own cache (opaque to the check) and a
random upstream gradient ``dout`` to the student's backward and compares the gradients with autograd's,
all in float64.

``check_<layer>(forward, backward)`` is the visible self-check, ``check_<layer>_edge_cases(forward,
backward, seed)`` the hidden test. Both probe every requirement the exercise states (strides and paddings
other than the defaults, non-square inputs and kernels, overlapping windows, ties in max pooling, exact
zeros at the ReLU's kink, extreme values for sigmoid and tanh, a batch of one, and inputs and ``dout``
that must not be modified), each on its own inputs: the self-check after a first plain case, on the
VISIBLE variants of the fixed inputs and random ones from VISIBLE_REQUIREMENTS_SEED; the hidden test on
the HIDDEN fixed inputs and the student's seed. The two-layer network has
``check_two_layer_net_loss_and_grads(fn)`` and its ``_edge_cases``, whose fixed inputs come first (scores
around +-1000 (+-900 in the self-check), rows at very different scales, a true class whose probability
underflows), each failing one numerical mistake only, so that the mistake named does not depend on the
seed. Each failure names a known mistake when it recognises one.

One mistake, one penalty: the network is checked with the reference's linear and ReLU layers in place of
the student's (:func:`autograder.student_calls.run_with_reference_helpers`), so a wrong layer costs only
that layer's tests.

One module per layer: :mod:`.linear`, :mod:`.activations` (ReLU, sigmoid, tanh), :mod:`.conv2d`,
:mod:`.pooling` (max and average), :mod:`.two_layer_net`; what they share in :mod:`.layer_pair` (calling
a forward/backward pair).
"""
from __future__ import annotations

from autograder.checks.seeds import HIDDEN, VISIBLE, VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED

from .activations import (
    EXTREMES,
    check_relu,
    check_relu_edge_cases,
    check_sigmoid,
    check_sigmoid_edge_cases,
    check_tanh,
    check_tanh_edge_cases,
)
from .conv2d import check_conv2d, check_conv2d_edge_cases
from .linear import check_linear, check_linear_edge_cases
from .pooling import check_avg_pool2d, check_avg_pool2d_edge_cases, check_max_pool2d, check_max_pool2d_edge_cases
from .two_layer_net import (
    NET_CASES,
    REFERENCE_LAYERS,
    check_two_layer_net_loss_and_grads,
    check_two_layer_net_loss_and_grads_edge_cases,
)

__all__ = [
    "check_linear", "check_linear_edge_cases",
    "check_relu", "check_relu_edge_cases",
    "check_sigmoid", "check_sigmoid_edge_cases",
    "check_tanh", "check_tanh_edge_cases",
    "check_conv2d", "check_conv2d_edge_cases",
    "check_max_pool2d", "check_max_pool2d_edge_cases",
    "check_avg_pool2d", "check_avg_pool2d_edge_cases",
    "check_two_layer_net_loss_and_grads", "check_two_layer_net_loss_and_grads_edge_cases",
    "VISIBLE_SEED", "VISIBLE_REQUIREMENTS_SEED", "VISIBLE", "HIDDEN", "EXTREMES", "NET_CASES", "REFERENCE_LAYERS",
]
