"""The known implementations of assignment 02 (softmax and cross-entropy): ``CORRECT_VARIANTS`` and ``WRONG``.
"""
from __future__ import annotations

import numpy as np
import pytest

from check_harness import case, fails
from known_implementations import RoundTripStudent

# === other correct implementations (the contract test checks that they pass) =======================

def softmax_last_axis_out_of_place(y):
    y = y - np.max(y, axis=-1, keepdims=True)
    return np.exp(y) / np.sum(np.exp(y), axis=-1, keepdims=True)


def one_hot_eye(labels, num_classes):
    return np.eye(num_classes)[labels]


def cross_entropy_via_one_hot(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    t = np.eye(logits.shape[1])[labels]
    return float(-np.sum(t * log_probs) / len(labels))


def numerical_gradient_restores_arithmetically(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        x[i] += h
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_gradient_on_copies(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(*x.shape):
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[i] += h
        x_minus[i] -= h
        grad[i] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad


CORRECT_VARIANTS = [
    pytest.param("softmax", softmax_last_axis_out_of_place, id="softmax-last-axis-out-of-place"),
    pytest.param("one_hot", one_hot_eye, id="one_hot-np-eye"),
    pytest.param("cross_entropy", cross_entropy_via_one_hot, id="cross_entropy-via-one-hot"),
    pytest.param("numerical_gradient", numerical_gradient_restores_arithmetically,
                 id="numerical_gradient-restores-x-arithmetically"),
    pytest.param("numerical_gradient", numerical_gradient_on_copies, id="numerical_gradient-on-copies"),
]


# === wrong implementations, as a student might write them ===========================================
# softmax

def softmax_no_max_subtraction(y):
    e = np.exp(y)
    return e / e.sum(axis=1, keepdims=True)


def softmax_in_place(y):
    y -= y.max(axis=1, keepdims=True)
    e = np.exp(y)
    return e / e.sum(axis=1, keepdims=True)


def softmax_float32(y):
    z = (y - y.max(axis=1, keepdims=True)).astype(np.float32)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def softmax_global_max(y):  # y - y.max() is fine until one row lies far below another
    e = np.exp(y - y.max())
    return e / e.sum(axis=1, keepdims=True)


def softmax_sum_over_columns(y):
    e = np.exp(y - y.max(axis=1, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def softmax_columns(y):  # the softmax of each column, y.max and the sum both over axis 0
    e = np.exp(y - y.max(axis=0))
    return e / e.sum(axis=0)


def softmax_no_keepdims(y):
    e = np.exp(y - y.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)


# one_hot

def one_hot_int(labels, num_classes):
    t = np.zeros((len(labels), num_classes), dtype=int)
    t[np.arange(len(labels)), labels] = 1
    return t


def one_hot_bool(labels, num_classes):
    return labels[:, None] == np.arange(num_classes)


def one_hot_width_from_labels(labels, num_classes):
    t = np.zeros((len(labels), labels.max() + 1))
    t[np.arange(len(labels)), labels] = 1.0
    return t


def one_hot_transposed(labels, num_classes):
    return np.eye(num_classes)[:, labels]


def one_hot_off_by_one(labels, num_classes):
    t = np.zeros((len(labels), num_classes))
    t[np.arange(len(labels)), labels - 1] = 1.0
    return t


# cross_entropy

def _log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def cross_entropy_sum(logits, labels):
    return -_log_softmax(logits)[np.arange(len(labels)), labels].sum()


def cross_entropy_sign_flip(logits, labels):
    return _log_softmax(logits)[np.arange(len(labels)), labels].mean()


def cross_entropy_per_sample(logits, labels):
    return -_log_softmax(logits)[np.arange(len(labels)), labels]


def cross_entropy_log_of_softmax(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return -np.log(probs[np.arange(len(labels)), labels]).mean()


def cross_entropy_no_max_subtraction(logits, labels):
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return -np.log(probs[np.arange(len(labels)), labels]).mean()


def cross_entropy_logsumexp_no_max(logits, labels):
    lse = np.log(np.exp(logits).sum(axis=1))
    return (lse - logits[np.arange(len(labels)), labels]).mean()


def cross_entropy_global_max(logits, labels):  # shifted by the batch's maximum, log of a probability
    e = np.exp(logits - logits.max())
    probs = e / e.sum(axis=1, keepdims=True)
    return -np.log(probs[np.arange(len(labels)), labels]).mean()


def cross_entropy_wrong_indexing(logits, labels):
    return -_log_softmax(logits)[:, labels].mean()


# cross_entropy_grad

def _softmax(y):
    e = np.exp(y - y.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _targets(labels, num_classes):
    return np.eye(num_classes)[labels]


def grad_without_mean(logits, labels):
    return _softmax(logits) - _targets(labels, logits.shape[1])


def grad_sign_flip(logits, labels):
    return (_targets(labels, logits.shape[1]) - _softmax(logits)) / len(labels)


def grad_transposed(logits, labels):
    return ((_softmax(logits) - _targets(labels, logits.shape[1])) / len(labels)).T


def grad_no_max_subtraction(logits, labels):
    e = np.exp(logits)
    return (e / e.sum(axis=1, keepdims=True) - _targets(labels, logits.shape[1])) / len(labels)


def grad_global_max(logits, labels):
    e = np.exp(logits - logits.max())
    return (e / e.sum(axis=1, keepdims=True) - _targets(labels, logits.shape[1])) / len(labels)


def grad_forgot_targets(logits, labels):
    return _softmax(logits) / len(labels)


# softmax_jacobian

def jacobian_diagonal_only(y):
    return np.diag(_softmax(y[None])[0])


def jacobian_sign_flip(y):
    s = _softmax(y[None])[0]
    return np.outer(s, s) - np.diag(s)


def jacobian_no_max_subtraction(y):
    s = np.exp(y) / np.exp(y).sum()
    return np.diag(s) - np.outer(s, s)


def jacobian_vector(y):
    s = _softmax(y[None])[0]
    return s * (1 - s)


def jacobian_two_d_softmax_on_vector(y):
    e = np.exp(y - y.max(axis=1, keepdims=True))
    s = e / e.sum(axis=1, keepdims=True)
    return np.diag(s) - np.outer(s, s)


# linear_softmax_loss_and_grads

def _loss(scores, labels):
    return -_log_softmax(scores)[np.arange(len(labels)), labels].mean()


def _dscores(scores, labels):
    return (_softmax(scores) - _targets(labels, scores.shape[1])) / len(labels)


def linear_transposed_dW(x, W, b, labels):
    scores = x @ W.T + b
    d = _dscores(scores, labels)
    return _loss(scores, labels), x.T @ d, d.sum(axis=0)


def linear_no_bias(x, W, b, labels):
    scores = x @ W.T
    d = _dscores(scores, labels)
    return _loss(scores, labels), d.T @ x, d.sum(axis=0)


def linear_sum_instead_of_mean(x, W, b, labels):
    scores = x @ W.T + b
    d = _softmax(scores) - _targets(labels, scores.shape[1])
    return _loss(scores, labels) * len(labels), d.T @ x, d.sum(axis=0)


def linear_db_not_summed(x, W, b, labels):
    scores = x @ W.T + b
    d = _dscores(scores, labels)
    return _loss(scores, labels), d.T @ x, d


def linear_db_divided_twice(x, W, b, labels):
    scores = x @ W.T + b
    d = _dscores(scores, labels)
    return _loss(scores, labels), d.T @ x, d.mean(axis=0)


def linear_returns_two_values(x, W, b, labels):
    scores = x @ W.T + b
    d = _dscores(scores, labels)
    return _loss(scores, labels), d.T @ x


def linear_no_max_subtraction(x, W, b, labels):
    scores = x @ W.T + b
    e = np.exp(scores)
    probs = e / e.sum(axis=1, keepdims=True)
    rows = np.arange(len(labels))
    d = (probs - _targets(labels, scores.shape[1])) / len(labels)
    return -np.log(probs[rows, labels]).mean(), d.T @ x, d.sum(axis=0)


def linear_log_of_softmax(x, W, b, labels):  # real students' code: the log of a probability
    scores = x @ W.T + b
    probs = _softmax(scores)
    d = (probs - _targets(labels, scores.shape[1])) / len(labels)
    return -np.log(probs[np.arange(len(labels)), labels]).mean(), d.T @ x, d.sum(axis=0)


def linear_global_max(x, W, b, labels):
    scores = x @ W.T + b
    e = np.exp(scores - scores.max())
    probs = e / e.sum(axis=1, keepdims=True)
    d = (probs - _targets(labels, scores.shape[1])) / len(labels)
    return -np.log(probs[np.arange(len(labels)), labels]).mean(), d.T @ x, d.sum(axis=0)


# numerical_gradient

def numgrad_forward_difference(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    f_x = f(x)
    for i in np.ndindex(*x.shape):
        saved = x[i]
        x[i] = saved + h
        grad[i] = (f(x) - f_x) / h
        x[i] = saved
    return grad


def numgrad_not_restored(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(*x.shape):
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numgrad_ignores_h(f, x, h=1e-5):
    step = 1e-5
    grad = np.zeros(x.shape)
    for i in np.ndindex(*x.shape):
        saved = x[i]
        x[i] = saved + step
        f_plus = f(x)
        x[i] = saved - step
        f_minus = f(x)
        x[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * step)
    return grad


def numgrad_flattens_x_for_f(f, x, h=1e-5):
    flat = x.reshape(-1)
    grad = np.zeros(x.shape)
    for k in range(flat.size):
        saved = flat[k]
        flat[k] = saved + h
        f_plus = f(flat)
        flat[k] = saved - h
        f_minus = f(flat)
        flat[k] = saved
        grad.flat[k] = (f_plus - f_minus) / (2 * h)
    return grad


def numgrad_flat_result(f, x, h=1e-5):
    grad = []
    for i in np.ndindex(*x.shape):
        saved = x[i]
        x[i] = saved + h
        f_plus = f(x)
        x[i] = saved - h
        f_minus = f(x)
        x[i] = saved
        grad.append((f_plus - f_minus) / (2 * h))
    return np.array(grad)


def numgrad_list_of_rows(f, x, h=1e-5):
    rows = []
    for r in range(x.shape[0]):
        rows.append(numerical_gradient_on_copies(lambda row: f(np.concatenate([x[:r], row[None], x[r + 1:]])),
                                                 x[r].copy(), h))
    return rows


# === the table: which check must fail, and what the message must say ================================

WRONG = [
    # softmax
    case("softmax", softmax_no_max_subtraction, fails("no-max-subtraction", "huge logits (around +900)"),
            fails("no-max-subtraction", "huge logits"), "softmax-no-max-subtraction"),
    case("softmax", softmax_in_place, fails("modified-input", "modified its input array in place"),
            fails("modified-input"), "softmax-modifies-y-in-place"),
    case("softmax", softmax_float32, fails(None, "returned dtype float32 for float64 input"),
            fails(None, "lost precision"), "softmax-float32-for-float64-input"),
    case("softmax", softmax_global_max, fails("global-max-subtraction", "rows at very different scales"),
            fails("global-max-subtraction", "rows at very different scales"),
            "softmax-global-max-instead-of-row-max"),
    case("softmax", softmax_sum_over_columns, fails("softmax-wrong-axis", "random logits of shape (4, 5)"),
            fails("softmax-wrong-axis", "values differ"), "softmax-normalises-columns"),
    case("softmax", softmax_columns, fails("softmax-wrong-axis", "values differ"),
            fails("softmax-wrong-axis", "values differ"), "softmax-over-axis-0"),
    case("softmax", softmax_no_keepdims, fails(None, "raised ValueError"),
            fails(None, "raised ValueError"), "softmax-sum-without-keepdims"),
    # one_hot
    case("one_hot", one_hot_int, fails("integer-output", "dtype int"),
            fails("integer-output"), "one_hot-integer-output"),
    case("one_hot", one_hot_bool, fails("integer-output", "dtype bool"),
            fails("integer-output"), "one_hot-boolean-output"),
    case("one_hot", one_hot_width_from_labels,
            fails("num-classes-ignored", "expected an array of shape (6, 8), got shape (6, 4)"),
            fails("num-classes-ignored", "expected an array of shape (9, 10), got shape (9, 4)"),
            "one_hot-labels-max-plus-one"),
    case("one_hot", one_hot_transposed, fails(None, "expected an array of shape (4, 3), got shape (3, 4)"),
            fails(None, "expected an array of shape (9, 10), got shape (10, 9)"), "one_hot-transposed"),
    case("one_hot", one_hot_off_by_one, fails(None, "values differ"),
            fails(None, "values differ"), "one_hot-off-by-one"),
    # cross_entropy
    case("cross_entropy", cross_entropy_sum, fails("sum-instead-of-mean"),
            fails("sum-instead-of-mean"), "cross_entropy-sum-instead-of-mean"),
    case("cross_entropy", cross_entropy_sign_flip, fails("sign-flip"), fails("sign-flip"),
            "cross_entropy-sign-flip"),
    case("cross_entropy", cross_entropy_per_sample, fails("per-sample-loss", "got shape (6,)"),
            fails("per-sample-loss"), "cross_entropy-per-sample-losses"),
    case("cross_entropy", cross_entropy_log_of_softmax, fails("log-of-softmax", "probability underflows"),
            fails("log-of-softmax", "probability underflows"), "cross_entropy-log-of-softmax"),
    case("cross_entropy", cross_entropy_no_max_subtraction, fails("no-max-subtraction", "huge logits"),
            fails("no-max-subtraction", "huge logits"), "cross_entropy-no-max-subtraction"),
    case("cross_entropy", cross_entropy_logsumexp_no_max, fails("no-max-subtraction", "huge logits"),
            fails("no-max-subtraction", "huge logits"), "cross_entropy-logsumexp-without-max"),
    case("cross_entropy", cross_entropy_global_max, fails("global-max-subtraction", "very different scales"),
            fails("global-max-subtraction", "rows at very different scales"), "cross_entropy-global-max"),
    case("cross_entropy", cross_entropy_wrong_indexing, fails(None, "values differ"),
            fails(None, "values differ"), "cross_entropy-indexes-all-rows-by-labels"),
    # cross_entropy_grad
    case("cross_entropy_grad", grad_without_mean, fails("sum-instead-of-mean"),
            fails("sum-instead-of-mean"), "cross_entropy_grad-forgets-divide-by-N"),
    case("cross_entropy_grad", grad_sign_flip, fails("sign-flip"), fails("sign-flip"),
            "cross_entropy_grad-sign-flip"),
    case("cross_entropy_grad", grad_transposed, fails("transposed-gradient", "got shape (4, 6)"),
            fails("transposed-gradient"), "cross_entropy_grad-transposed"),
    case("cross_entropy_grad", grad_no_max_subtraction, fails("no-max-subtraction", "huge logits"),
            fails("no-max-subtraction", "huge logits"), "cross_entropy_grad-no-max-subtraction"),
    case("cross_entropy_grad", grad_global_max, fails("global-max-subtraction", "very different scales"),
            fails("global-max-subtraction", "rows at very different scales"), "cross_entropy_grad-global-max"),
    case("cross_entropy_grad", grad_forgot_targets, fails(None, "values differ"),
            fails(None, "values differ"), "cross_entropy_grad-forgets-targets"),
    # softmax_jacobian
    case("softmax_jacobian", jacobian_diagonal_only, fails("jacobian-diagonal-only"),
            fails("jacobian-diagonal-only"), "softmax_jacobian-diagonal-only"),
    case("softmax_jacobian", jacobian_sign_flip, fails("sign-flip"), fails("sign-flip"),
            "softmax_jacobian-sign-flip"),
    case("softmax_jacobian", jacobian_no_max_subtraction, fails("no-max-subtraction", "huge logits"),
            fails("no-max-subtraction", "huge logits"), "softmax_jacobian-no-max-subtraction"),
    case("softmax_jacobian", jacobian_vector, fails(None, "expected an array of shape (4, 4), got shape (4,)"),
            fails(None, "got shape (4,)"), "softmax_jacobian-returns-diagonal-as-vector"),
    case("softmax_jacobian", jacobian_two_d_softmax_on_vector, fails(None, "raised AxisError"),
            fails(None, "raised AxisError"), "softmax_jacobian-axis-1-on-a-vector"),
    # linear_softmax_loss_and_grads
    case("linear_softmax_loss_and_grads", linear_transposed_dW,
            fails("transposed-gradient", "dW: expected an array of shape (3, 6), got shape (6, 3)"),
            fails("transposed-gradient", "dW"), "linear-transposed-dW"),
    case("linear_softmax_loss_and_grads", linear_no_bias, fails("no-bias", "the loss"),
            fails("no-bias", "the loss"), "linear-no-bias"),
    case("linear_softmax_loss_and_grads", linear_sum_instead_of_mean,
            fails("sum-instead-of-mean", "the loss"), fails("sum-instead-of-mean", "the loss"),
            "linear-sum-instead-of-mean"),
    case("linear_softmax_loss_and_grads", linear_db_not_summed,
            fails(None, "db: expected an array of shape (3,), got shape (5, 3)"),
            fails(None, "db: expected an array of shape"), "linear-db-not-summed-over-batch"),
    case("linear_softmax_loss_and_grads", linear_db_divided_twice, fails(None, "db: values differ"),
            fails(None, "db: values differ"), "linear-db-divided-by-N-twice"),
    case("linear_softmax_loss_and_grads", linear_returns_two_values,
            fails(None, "must return a tuple (loss, dW, db); got tuple of length 2"),
            fails(None, "got tuple of length 2"), "linear-returns-two-values"),
    case("linear_softmax_loss_and_grads", linear_no_max_subtraction,
            fails("no-max-subtraction", "scores around +900"),
            fails("no-max-subtraction", "scores around +1000"), "linear-no-max-subtraction"),
    case("linear_softmax_loss_and_grads", linear_log_of_softmax, fails("log-of-softmax", "probability underflows"),
            fails("log-of-softmax", "probability underflows"), "linear-log-of-softmax"),
    case("linear_softmax_loss_and_grads", linear_global_max, fails("global-max-subtraction", "very different scales"),
            fails("global-max-subtraction", "very different scales"), "linear-global-max"),
    # numerical_gradient
    case("numerical_gradient", numgrad_forward_difference, fails(None, "values differ"),
            fails("forward-difference", "h=0.001"), "numerical_gradient-forward-difference"),
    case("numerical_gradient", numgrad_not_restored, fails("modified-input", "modified its input"),
            fails("modified-input"), "numerical_gradient-x-not-restored"),
    case("numerical_gradient", numgrad_ignores_h, fails(None, "h=0.002"), fails(None, "h=0.001"),
            "numerical_gradient-ignores-h"),
    case("numerical_gradient", numgrad_flattens_x_for_f, fails(None, "raised ValueError"),
            fails(None, "raised ValueError"), "numerical_gradient-calls-f-on-flattened-x"),
    case("numerical_gradient", numgrad_flat_result,
            fails(None, "expected an array of shape (3, 4), got shape (12,)"),
            fails(None, "got shape (12,)"), "numerical_gradient-flat-result"),
    case("numerical_gradient", numgrad_list_of_rows, fails(None, "returned a list of arrays"),
            fails(None, "returned a list of arrays"), "numerical_gradient-list-of-rows"),
]


# The nbgrader round trip (tests/round_trips.py) ===================================================
# The functions that call softmax and cross_entropy are checked with the reference's, so a mistake costs
# only the tests of the function that has it, in nbgrader's own kernel too.

SOFTMAX_WITHOUT_MAX = '''
def softmax(y):
    e = np.exp(y)
    return e / e.sum(axis=1, keepdims=True)
'''
UNIFORM_SOFTMAX = '''
def softmax(y):
    return np.full(y.shape, 1.0 / y.shape[1])
'''
CROSS_ENTROPY_SUM = '''
def cross_entropy(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels].sum()
'''

ROUND_TRIP = [
    # softmax without max-subtraction fails its self-check and its hidden test (both probe logits around 1000)
    RoundTripStudent("carol", 18.0, {"softmax": SOFTMAX_WITHOUT_MAX},
                     cells={"test_softmax": 0, "test_softmax_hidden": 0}, mistakes=("no-max-subtraction",)),
    RoundTripStudent("dave", 0.0, text='{"cells": ['),
    # deleted softmax's test cells (nbgrader restores and runs them), a uniform softmax and a summed loss
    RoundTripStudent("erin", 15.0, {"softmax": UNIFORM_SOFTMAX, "cross_entropy": CROSS_ENTROPY_SUM},
                     cells={"test_softmax": 0, "test_softmax_hidden": 0,
                            "test_cross_entropy": 0, "test_cross_entropy_hidden": 0},
                     deleted_cells=("test_softmax", "test_softmax_hidden")),
]
