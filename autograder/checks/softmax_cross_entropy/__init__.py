"""Checks for assignment ``02-softmax-cross-entropy``: students' numpy code against PyTorch.

``check_<function>`` is the visible self-check, ``check_<function>_edge_cases`` the hidden test. Both
probe every requirement the exercise states (logits around +1000 and -1000, rows at very different
scales in one batch, a true class whose probability underflows, a batch of one, float32, inputs that
must not be modified), each on its own inputs: the self-check first on random logits, then on the
VISIBLE fixed inputs and random ones from VISIBLE_SEED; the hidden test on the HIDDEN fixed inputs and
random ones from the student's seed. So a function that passes its self-check meets every stated
requirement on some input, and the hidden test sees other inputs. The fixed inputs come first and are
built so that each known numerical mistake fails on its own one (see
:func:`autograder.compare.assert_close`'s ``if_not_finite``), so the mistake named does not depend on
the seed. Each failure names a known mistake when it recognises one.

One mistake, one penalty: a function that may call the student's earlier functions (the classifier calls
``cross_entropy``, ``cross_entropy_grad`` calls ``softmax``) is checked with the reference's versions of
those in their place (:func:`autograder.student_calls.run_with_reference_helpers`), so a wrong ``softmax``
costs only ``softmax``'s tests.

One module per part: :mod:`.softmax` (softmax, softmax_jacobian), :mod:`.cross_entropy` (one_hot,
cross_entropy, cross_entropy_grad), :mod:`.linear_classifier`, :mod:`.numerical_gradient`; the inputs in
:mod:`.inputs`, the known mistakes' results in :mod:`.mistakes`, the reference's functions in place of
the student's in :mod:`.calls`.
"""
from autograder.checks.seeds import HIDDEN, VISIBLE, VISIBLE_SEED
from autograder.checks.softmax_cross_entropy.calls import CALLS, REFERENCE_FUNCTIONS
from autograder.checks.softmax_cross_entropy.cross_entropy import (
    check_cross_entropy,
    check_cross_entropy_edge_cases,
    check_cross_entropy_grad,
    check_cross_entropy_grad_edge_cases,
    check_one_hot,
    check_one_hot_edge_cases,
)
from autograder.checks.softmax_cross_entropy.inputs import ROWS_APART, SHIFTS
from autograder.checks.softmax_cross_entropy.linear_classifier import (
    check_linear_softmax_loss_and_grads,
    check_linear_softmax_loss_and_grads_edge_cases,
)
from autograder.checks.softmax_cross_entropy.numerical_gradient import (
    check_numerical_gradient,
    check_numerical_gradient_edge_cases,
)
from autograder.checks.softmax_cross_entropy.softmax import (
    check_softmax,
    check_softmax_edge_cases,
    check_softmax_jacobian,
    check_softmax_jacobian_edge_cases,
)

__all__ = [
    "CALLS", "HIDDEN", "REFERENCE_FUNCTIONS", "ROWS_APART", "SHIFTS", "VISIBLE", "VISIBLE_SEED",
    "check_cross_entropy", "check_cross_entropy_edge_cases", "check_cross_entropy_grad",
    "check_cross_entropy_grad_edge_cases", "check_linear_softmax_loss_and_grads",
    "check_linear_softmax_loss_and_grads_edge_cases", "check_numerical_gradient", "check_numerical_gradient_edge_cases",
    "check_one_hot", "check_one_hot_edge_cases", "check_softmax", "check_softmax_edge_cases", "check_softmax_jacobian",
    "check_softmax_jacobian_edge_cases",
]
