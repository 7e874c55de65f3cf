"""The known implementations of assignment 01 (image classification): ``CORRECT_VARIANTS`` and ``WRONG``.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from check_harness import case, fails
from known_implementations import RoundTripStudent

# === other correct implementations (the contract test checks that they pass) =======================

def flatten_per_image(images):
    return np.stack([image.ravel() for image in images]) / 255.0


def flatten_by_torch_layout_then_back(images):
    n, h, w, c = images.shape
    return (images.astype(float) / 255).reshape(n, h * w * c)


def linear_einsum(x, W, b):
    return np.einsum("nd,cd->nc", x, W) + b


def linear_transposed_twice(x, W, b):
    return (W @ x.T + b[:, None]).T


def fc_count_math_prod(height, width, channels, num_classes, bias=True):
    return math.prod((height, width, channels, num_classes)) + num_classes * bool(bias)


def fc_count_numpy_int64(height, width, channels, num_classes, bias=True):
    inputs = np.prod([height, width, channels], dtype=np.int64)
    return (inputs + 1) * num_classes if bias else inputs * num_classes


def top_k_by_sorting(scores, labels, k):
    n, c = scores.shape
    if k >= c:
        return 1.0
    best_outside = np.sort(scores, axis=1)[:, c - k - 1]  # the (k+1)-th highest score
    return np.mean(scores[np.arange(n), labels] > best_outside)


CORRECT_VARIANTS = [
    pytest.param("flatten_images", flatten_per_image, id="flatten-per-image-ravel"),
    pytest.param("flatten_images", flatten_by_torch_layout_then_back, id="flatten-scale-then-reshape"),
    pytest.param("linear_scores", linear_einsum, id="linear-einsum"),
    pytest.param("linear_scores", linear_transposed_twice, id="linear-column-vectors-transposed-back"),
    pytest.param("fc_parameter_count", fc_count_math_prod, id="fc-count-math-prod"),
    pytest.param("fc_parameter_count", fc_count_numpy_int64, id="fc-count-numpy-int64"),
    pytest.param("top_k_accuracy", top_k_by_sorting, id="top-k-compare-with-k-plus-first-score"),
]


# === wrong implementations, as a student might write them ===========================================
# flatten_images

def flatten_not_scaled(images):
    return images.reshape(len(images), -1).astype(np.float64)


def flatten_uint8(images):
    return images.reshape(len(images), -1)


def flatten_divide_by_256(images):
    return images.reshape(len(images), -1) / 256


def flatten_floor_division(images):
    return (images // 255).reshape(len(images), -1).astype(np.float64)


def flatten_channels_first(images):  # PyTorch's (N, C, H, W) habit
    return images.transpose(0, 3, 1, 2).reshape(len(images), -1) / 255


def flatten_float32(images):
    return images.reshape(len(images), -1).astype(np.float32) / 255


def flatten_whole_batch(images):
    return images.ravel() / 255


def flatten_squeezed(images):  # drops the batch axis of a batch of one
    return np.squeeze(images.reshape(len(images), -1) / 255)


def flatten_by_batch_max(images):
    return images.reshape(len(images), -1) / images.max()


# linear_scores

def linear_no_bias(x, W, b):
    return x @ W.T


def linear_column_scores(x, W, b):
    return W @ x.T + b[:, None]


def linear_weights_not_transposed(x, W, b):
    return x @ W + b


def linear_bias_per_row(x, W, b):
    return x @ W.T + b[:, None]


def linear_squeezed(x, W, b):  # drops the batch axis of a batch of one
    return np.squeeze(x @ W.T + b)


def linear_float32(x, W, b):
    return (x @ W.T + b).astype(np.float32)


# fc_parameter_count

def count_no_bias(height, width, channels, num_classes, bias=True):
    return height * width * channels * num_classes


def count_bias_flag_ignored(height, width, channels, num_classes, bias=True):
    return (height * width * channels + 1) * num_classes


def count_channels_forgotten(height, width, channels, num_classes, bias=True):
    return height * width * num_classes + (num_classes if bias else 0)


def count_float(height, width, channels, num_classes, bias=True):
    return float(np.prod([height, width, channels, num_classes], dtype=float)) + (num_classes if bias else 0)


def count_int32(height, width, channels, num_classes, bias=True):
    weights = np.int32(height) * np.int32(width) * np.int32(channels) * np.int32(num_classes)
    return weights + np.int32(num_classes if bias else 0)


def count_one_bias(height, width, channels, num_classes, bias=True):
    return height * width * channels * num_classes + (1 if bias else 0)


# top_k_accuracy

def _hits(top, labels):
    return (top == np.asarray(labels)[:, None]).any(axis=1)


def top_k_lowest(scores, labels, k):
    return _hits(np.argsort(scores, axis=1)[:, :k], labels).mean()


def top_k_plus_one(scores, labels, k):
    return _hits(np.argsort(scores, axis=1)[:, -(k + 1):], labels).mean()


def top_k_minus_one(scores, labels, k):
    return _hits(np.argsort(scores, axis=1)[:, -k + 1:], labels).mean()


def top_k_count(scores, labels, k):
    return _hits(np.argsort(scores, axis=1)[:, -k:], labels).sum()


def top_k_per_row(scores, labels, k):
    return _hits(np.argsort(scores, axis=1)[:, -k:], labels)


def top_k_argmax_only(scores, labels, k):
    return np.mean(np.argmax(scores, axis=1) == labels)


def top_k_argsort(scores, labels, k):  # right without ties
    return _hits(np.argsort(scores, axis=1)[:, -k:], labels).mean()


def top_k_argsort_descending(scores, labels, k):  # right without ties
    return _hits(np.argsort(-scores, axis=1)[:, :k], labels).mean()


def top_k_strictly_higher(scores, labels, k):  # right without ties
    true_scores = scores[np.arange(len(labels)), labels]
    return np.mean((scores > true_scores[:, None]).sum(axis=1) < k)


def top_k_shifts_scores_in_place(scores, labels, k):
    scores -= scores.max(axis=1, keepdims=True)
    return _hits(np.argsort(scores, axis=1)[:, -k:], labels).mean()


WRONG = [
    # flatten_images
    case("flatten_images", flatten_not_scaled, fails("pixels-not-scaled"), fails("pixels-not-scaled"),
         "flatten-not-scaled"),
    case("flatten_images", flatten_uint8, fails("pixels-not-scaled"), fails("pixels-not-scaled"),
         "flatten-returns-uint8"),
    case("flatten_images", flatten_divide_by_256, fails("divide-by-256"),
         fails("divide-by-256", "every pixel 255 must become 1.0"), "flatten-divide-by-256"),
    case("flatten_images", flatten_floor_division, fails("floor-division"), fails("floor-division"),
         "flatten-floor-division"),
    case("flatten_images", flatten_channels_first, fails("flatten-channels-first", "first mismatch at index"),
         fails("flatten-channels-first"), "flatten-channels-first"),
    case("flatten_images", flatten_float32, fails(None, "returned dtype float32 for float64 input"),
         fails(None, "lost precision"), "flatten-float32"),
    case("flatten_images", flatten_whole_batch, fails(None, "expected an array of shape (2, 60), got shape (120,)"),
         fails(None, "got shape"), "flatten-whole-batch-into-one-vector"),
    case("flatten_images", flatten_squeezed, fails(None, "expected an array of shape (1, 24), got shape (24,)"),
         fails(None, "a batch of one non-square image (1, 3, 7, 3): expected an array of shape (1, 63), got "
                     "shape (63,)"), "flatten-squeezes-a-batch-of-one"),
    case("flatten_images", flatten_by_batch_max, fails("scaled-by-batch-max", "dark images"),
         fails("scaled-by-batch-max", "dark images"),
         "flatten-divides-by-batch-max"),
    # linear_scores
    case("linear_scores", linear_no_bias, fails("no-bias"), fails("no-bias"), "linear-no-bias"),
    case("linear_scores", linear_column_scores,
         fails("scores-transposed", "expected an array of shape (4, 3), got shape (3, 4)"),
         fails("scores-transposed"), "linear-scores-transposed"),
    case("linear_scores", linear_weights_not_transposed, fails(None, "raised ValueError"),
         fails("weights-not-transposed", "N == D == C"), "linear-x-at-W"),
    case("linear_scores", linear_bias_per_row, fails(None, "raised ValueError"),
         fails("bias-wrong-axis", "N == D == C"), "linear-bias-along-rows"),
    case("linear_scores", linear_squeezed, fails(None, "a batch of one, x (1, 4), W (2, 4)"),
         fails(None, "a batch of one, x (1, 5), W (3, 5): expected an array of shape (1, 3), got shape (3,)"),
         "linear-squeezes-a-batch-of-one"),
    case("linear_scores", linear_float32, fails(None, "returned dtype float32 for float64 input"),
         fails(None, "lost precision"), "linear-float32"),
    # fc_parameter_count
    case("fc_parameter_count", count_no_bias, fails("fc-count-no-bias", "expected 30,730 parameters, got 30,720"),
         fails("fc-count-no-bias", "ImageNet"), "count-forgets-bias"),
    case("fc_parameter_count", count_bias_flag_ignored, fails("fc-count-bias-flag-ignored", "bias=False"),
         fails("fc-count-bias-flag-ignored", "bias=False"), "count-ignores-bias-flag"),
    case("fc_parameter_count", count_channels_forgotten, fails("fc-count-channels-forgotten"),
         fails("fc-count-channels-forgotten"), "count-forgets-channels"),
    case("fc_parameter_count", count_float, fails("fc-count-not-int", "30730.0"),
         fails("fc-count-not-int"), "count-returns-float"),
    case("fc_parameter_count", count_int32,
         fails("fc-count-int32-overflow", "expected 3,000,001,000 parameters, got -1,294,966,296"),
         fails("fc-count-int32-overflow", "expected 3,145,729,000 parameters, got -1,149,238,296"),
         "count-in-int32-overflows"),
    case("fc_parameter_count", count_one_bias, fails(None, "expected 30,730 parameters, got 30,721"),
         fails(None, "parameters, got"), "count-one-bias-for-all-classes"),
    # top_k_accuracy
    case("top_k_accuracy", top_k_lowest, fails("top-k-lowest", "k=1"), fails("top-k-lowest"), "top-k-lowest-scores"),
    case("top_k_accuracy", top_k_plus_one, fails("top-k-off-by-one", "expected 0.4, got 0.6"),
         fails("top-k-off-by-one"), "top-k-takes-k-plus-one"),
    case("top_k_accuracy", top_k_minus_one, fails("top-k-off-by-one", "expected 0.4, got 1.0"),
         fails("top-k-off-by-one"), "top-k-takes-k-minus-one"),
    case("top_k_accuracy", top_k_count, fails("hit-count-not-fraction", "expected 0.4, got 4.0"),
         fails("hit-count-not-fraction"), "top-k-returns-count"),
    case("top_k_accuracy", top_k_per_row, fails("per-row-hits", "got an array of shape (10,)"),
         fails("per-row-hits"), "top-k-returns-hit-per-row"),
    case("top_k_accuracy", top_k_argmax_only, fails("top-k-ignored", "k=3"), fails("top-k-ignored"),
         "top-k-argmax-for-every-k"),
    case("top_k_accuracy", top_k_argsort, fails("top-k-ties", "ties at the second place"),
         fails("top-k-ties", "same score"), "top-k-argsort-ties"),
    case("top_k_accuracy", top_k_argsort_descending, fails("top-k-ties", "same score"),
         fails("top-k-ties", "same score"), "top-k-argsort-descending-ties"),
    case("top_k_accuracy", top_k_strictly_higher, fails("top-k-ties", "same score"), fails("top-k-ties", "same score"),
         "top-k-strictly-higher-ties"),
    case("top_k_accuracy", top_k_shifts_scores_in_place, fails("modified-input"), fails("modified-input"),
         "top-k-modifies-scores"),
]


# The nbgrader round trip (tests/round_trips.py) ===================================================
# Points follow effort: flatten_images, linear_scores and fc_parameter_count 1 + 1, top_k_accuracy 2 + 4.

FLATTEN_DIVIDE_BY_256 = '''
def flatten_images(images):
    return images.reshape(len(images), -1) / 256
'''
TOP_K_BY_ARGSORT = '''
def top_k_accuracy(scores, labels, k):
    top = np.argsort(scores, axis=1)[:, -k:]
    return np.mean((top == labels[:, None]).any(axis=1))
'''
COUNT_WITHOUT_BIAS = '''
def fc_parameter_count(height, width, channels, num_classes, bias=True):
    return height * width * channels * num_classes
'''
SCORES_X_AT_W = '''
def linear_scores(x, W, b):
    return x @ W + b
'''

ROUND_TRIP = [
    # flatten divided by 256 fails both its tests; argsort top-k breaks ties the wrong way, which both
    # its tests probe
    RoundTripStudent("carol", 4.0, {"flatten_images": FLATTEN_DIVIDE_BY_256, "top_k_accuracy": TOP_K_BY_ARGSORT},
                     cells={"test_flatten_images": 0, "test_flatten_images_hidden": 0,
                            "test_top_k_accuracy": 0, "test_top_k_accuracy_hidden": 0},
                     mistakes=("divide-by-256", "top-k-ties")),
    # the count without bias fails both; x @ W crashes the visible test and is named by the hidden square case
    RoundTripStudent("dave", 8.0, {"fc_parameter_count": COUNT_WITHOUT_BIAS, "linear_scores": SCORES_X_AT_W},
                     cells={"test_fc_parameter_count": 0, "test_fc_parameter_count_hidden": 0,
                            "test_linear_scores": 0, "test_linear_scores_hidden": 0},
                     mistakes=("fc-count-no-bias", "weights-not-transposed")),
]
