"""Checks for assignment ``01-image-classification``: students' numpy code against PyTorch.

``check_<function>`` is the visible self-check, ``check_<function>_edge_cases`` the hidden test. Both
probe every requirement the exercise states (non-square and one-pixel images, the extreme pixel values
0 and 255, views that are not contiguous, square weight matrices, ImageNet-sized and overflowing
parameter counts, k = C, 1000 classes, float32 and int32 inputs, ties in the scores, inputs that must
not be modified), each on its own inputs: the self-check after a first plain case, on the VISIBLE sizes
and random inputs from VISIBLE_SEED; the hidden test on the HIDDEN sizes and the student's seed. Each
failure names a known mistake when it recognises one.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.seeds import HIDDEN, VISIBLE, VISIBLE_SEED
from autograder.compare import as_numeric_array, assert_close, assert_floating, fail, number
from autograder.reference import image_classification as ref
from autograder.student_calls import call_student, call_unchanged

# --- flatten_images --------------------------------------------------------------------------------

def _random_images(rng: np.random.Generator, n: int, height: int, width: int) -> np.ndarray:
    """(n, height, width, 3) uint8 with the extreme values 0 and 255 in the first pixel."""
    images = rng.integers(0, 256, size=(n, height, width, 3), dtype=np.uint8)
    images[0, 0, 0] = (0, 255, 128)
    return images


def _flatten_mistakes(images: np.ndarray) -> dict[str, np.ndarray]:
    n = len(images)
    pixels = images.astype(np.float64)
    return {"pixels-not-scaled": pixels.reshape(n, -1),
            "divide-by-256": pixels.reshape(n, -1) / 256,
            "floor-division": (images // 255).reshape(n, -1),
            "scaled-by-batch-max": pixels.reshape(n, -1) / max(int(images.max()), 1),
            "flatten-channels-first": pixels.transpose(0, 3, 1, 2).reshape(n, -1) / 255}


def _check_flatten_on(flatten_images: Callable, images: np.ndarray, what: str) -> None:
    result = as_numeric_array(call_unchanged(flatten_images, what, images), what)
    expected = ref.flatten_images(images)
    # Order and scale first (loose enough for float32), then the dtype, then to float64 precision.
    assert_close(result, expected, what, rtol=1e-6, atol=1e-9, mistakes=_flatten_mistakes(images))
    assert_floating(result, what, at_least=np.float64)
    assert_close(result, expected, what, rtol=1e-12, atol=1e-15)


# The sizes of each requirement case: (N, H, W) of the all-white, dark, one-image (1, H, W), 1 x 1
# (N) and CIFAR-sized (N) batches, and of the images a non-contiguous view is taken of.
FLATTEN_SIZES = {VISIBLE: {"white": (1, 2, 4), "dark": (3, 2, 3), "one": (5, 2), "tiny": 3, "view": (2, 4, 6),
                           "cifar": 2},
                 HIDDEN: {"white": (2, 3, 3), "dark": (2, 4, 4), "one": (3, 7), "tiny": 5, "view": (3, 6, 8),
                          "cifar": 4}}


def _flatten_requirements(flatten_images: Callable, rng: np.random.Generator, which: str) -> None:
    """Every requirement on ``flatten_images``, with the ``which`` sizes and random images from ``rng``:
    all-white and dark images, one non-square image, 1 x 1 images, a non-contiguous view, a CIFAR-sized
    batch, images left unchanged."""
    sizes = FLATTEN_SIZES[which]
    _check_flatten_on(flatten_images, np.full((*sizes["white"], 3), 255, dtype=np.uint8),
                      "flatten_images on all-white images (every pixel 255 must become 1.0)")
    _check_flatten_on(flatten_images, rng.integers(0, 101, size=(*sizes["dark"], 3), dtype=np.uint8),
                      "flatten_images on dark images (no pixel above 100)")
    height, width = sizes["one"]
    _check_flatten_on(flatten_images, _random_images(rng, 1, height, width),
                      f"flatten_images on a batch of one non-square image (1, {height}, {width}, 3)")
    _check_flatten_on(flatten_images, _random_images(rng, sizes["tiny"], 1, 1),
                      f"flatten_images on {sizes['tiny']} images of 1 x 1 pixel ({sizes['tiny']}, 1, 1, 3)")
    mirrored = _random_images(rng, *sizes["view"])[:, ::2, ::-1]
    _check_flatten_on(flatten_images, mirrored, "flatten_images on a non-contiguous view (every other row, "
                                                f"mirrored), shape {mirrored.shape}")
    _check_flatten_on(flatten_images, _random_images(rng, sizes["cifar"], 32, 32),
                      f"flatten_images on a batch of 32 x 32 images ({sizes['cifar']}, 32, 32, 3)")


def check_flatten_images(flatten_images: Callable) -> None:
    """Visible check of ``flatten_images(images)``: (N, H, V, 3) uint8 -> (N, H*V*3) float64 in [0, 1];
    random images, then every requirement on the self-check's own inputs."""
    rng = np.random.default_rng(VISIBLE_SEED)
    _check_flatten_on(flatten_images, _random_images(rng, 2, 4, 5),
                      "flatten_images on random images of shape (2, 4, 5, 3)")
    _flatten_requirements(flatten_images, rng, VISIBLE)


def check_flatten_images_edge_cases(flatten_images: Callable, seed: int) -> None:
    """Hidden check: every requirement of :func:`_flatten_requirements` on the hidden inputs."""
    _flatten_requirements(flatten_images, np.random.default_rng(seed), HIDDEN)


# --- linear_scores ---------------------------------------------------------------------------------

def _linear_problem(rng: np.random.Generator, n: int, d: int, c: int):
    """x (n, d), W (c, d), b (c,), all float64."""
    return rng.normal(size=(n, d)), rng.normal(size=(c, d)), rng.normal(size=c)


def _linear_mistakes(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    x, W, b = (np.asarray(a, dtype=np.float64) for a in (x, W, b))
    scores = x @ W.T + b
    mistakes = {"no-bias": x @ W.T, "scores-transposed": scores.T}
    if W.shape[0] == W.shape[1]:
        mistakes["weights-not-transposed"] = x @ W + b
    if len(x) == len(b):
        mistakes["bias-wrong-axis"] = x @ W.T + b[:, None]
    return mistakes


def _check_linear_on(linear_scores: Callable, x, W, b, what: str, rtol=1e-10, atol=1e-12) -> None:
    result = as_numeric_array(call_unchanged(linear_scores, what, x, W, b), what)
    assert_floating(result, what, at_least=x.dtype)
    assert_close(result, ref.linear_scores(x, W, b), what, rtol=rtol, atol=atol,
                 mistakes=_linear_mistakes(x, W, b))


# The sizes (N, D, C) of each requirement case: N == D == C, a batch of one, CIFAR-sized, float32.
LINEAR_SIZES = {VISIBLE: ((3, 3, 3), (1, 4, 2), (2, 3072, 10), (4, 6, 3)),
                HIDDEN: ((4, 4, 4), (1, 5, 3), (3, 3072, 10), (5, 7, 2))}


def _linear_requirements(linear_scores: Callable, rng: np.random.Generator, which: str) -> None:
    """Every requirement on ``linear_scores``, with the ``which`` sizes and random inputs from ``rng``:
    N == D == C (transposes and misplaced biases still run), a batch of one, a CIFAR-sized input,
    float32 inputs, inputs left unchanged."""
    square, one, cifar, single = LINEAR_SIZES[which]
    n = square[0]
    _check_linear_on(linear_scores, *_linear_problem(rng, *square),
                     f"linear_scores with x ({n}, {n}), W ({n}, {n}), b ({n},) (N == D == C)")
    _check_linear_on(linear_scores, *_linear_problem(rng, *one),
                     f"linear_scores on a batch of one, x (1, {one[1]}), W ({one[2]}, {one[1]})")
    _check_linear_on(linear_scores, *_linear_problem(rng, *cifar),
                     f"linear_scores with x ({cifar[0]}, 3072), W (10, 3072) (32 x 32 RGB images, 10 classes)")
    x, W, b = (a.astype(np.float32) for a in _linear_problem(rng, *single))
    _check_linear_on(linear_scores, x, W, b, "linear_scores on float32 inputs", rtol=1e-5, atol=1e-6)


def check_linear_scores(linear_scores: Callable) -> None:
    """Visible check of ``linear_scores(x, W, b)``: x (N, D), W (C, D), b (C,) -> x W^T + b, (N, C);
    a random problem, then every requirement on the self-check's own inputs."""
    rng = np.random.default_rng(VISIBLE_SEED)
    _check_linear_on(linear_scores, *_linear_problem(rng, 4, 6, 3),
                     "linear_scores with x (4, 6), W (3, 6), b (3,)")
    _linear_requirements(linear_scores, rng, VISIBLE)


def check_linear_scores_edge_cases(linear_scores: Callable, seed: int) -> None:
    """Hidden check: every requirement of :func:`_linear_requirements` on the hidden inputs."""
    _linear_requirements(linear_scores, np.random.default_rng(seed), HIDDEN)


# --- fc_parameter_count ----------------------------------------------------------------------------

def _wrapped_int32(value: int) -> int:
    return (value + 2 ** 31) % 2 ** 32 - 2 ** 31


def _check_count_on(fc_parameter_count: Callable, what: str, height: int, width: int, channels: int,
                    num_classes: int, **bias: bool) -> None:
    result = as_numeric_array(call_student(fc_parameter_count, what, height, width, channels,
                                           num_classes, **bias), what)
    expected = ref.fc_parameter_count(height, width, channels, num_classes, **bias)
    if result.shape != ():
        fail(what, f"expected a single int, got an array of shape {result.shape}.")
    if result.dtype.kind not in "iu":
        fail(what, f"returned {number(result.item())} of type {result.dtype}; expected an int.", "fc-count-not-int")
    count = int(result)
    if count == expected:
        return
    biases = num_classes if bias.get("bias", True) else 0
    weights = height * width * channels * num_classes
    mistakes = {"fc-count-no-bias": weights if biases else None,
                "fc-count-bias-flag-ignored": None if biases else weights + num_classes,
                "fc-count-channels-forgotten": height * width * num_classes + biases if channels > 1 else None,
                "fc-count-int32-overflow": _wrapped_int32(expected)}
    mistake = next((name for name, wrong in mistakes.items() if wrong == count), None)
    fail(what, f"expected {expected:,} parameters, got {count:,}.", mistake)


# The sizes (height, width) of each requirement case: ImageNet-sized RGB images (1000 classes),
# non-square greyscale images (10 classes, no bias), RGB images whose count exceeds 2**31 (1000 classes).
COUNT_SIZES = {VISIBLE: ((256, 256), (20, 28), (1000, 1000)), HIDDEN: ((224, 224), (28, 20), (1024, 1024))}


def _count_requirements(fc_parameter_count: Callable, rng: np.random.Generator, which: str) -> None:
    """Every requirement on ``fc_parameter_count``, with the ``which`` sizes and one random size from
    ``rng``: ImageNet-sized, non-square greyscale images, a count beyond 32-bit integers, bias passed
    explicitly."""
    (h1, w1), (h2, w2), (h3, w3) = COUNT_SIZES[which]
    _check_count_on(fc_parameter_count, f"fc_parameter_count({h1}, {w1}, 3, 1000) (ImageNet)", h1, w1, 3, 1000)
    _check_count_on(fc_parameter_count, f"fc_parameter_count({h2}, {w2}, 1, 10, bias=False) (non-square, "
                                        "greyscale)", h2, w2, 1, 10, bias=False)
    _check_count_on(fc_parameter_count, f"fc_parameter_count({h3}, {w3}, 3, 1000) (over 2**31 parameters)",
                    h3, w3, 3, 1000)
    height, width, classes = (int(v) for v in rng.integers(2, 100, size=3))
    _check_count_on(fc_parameter_count, f"fc_parameter_count({height}, {width}, 3, {classes}, bias=True)",
                    height, width, 3, classes, bias=True)


def check_fc_parameter_count(fc_parameter_count: Callable) -> None:
    """Visible check of ``fc_parameter_count(height, width, channels, num_classes, bias=True)`` against
    the parameters of ``torch.nn.Linear``, for 32 x 32 RGB images and 10 classes, with and without bias,
    then every requirement on the self-check's own sizes."""
    _check_count_on(fc_parameter_count, "fc_parameter_count(32, 32, 3, 10)", 32, 32, 3, 10)
    _check_count_on(fc_parameter_count, "fc_parameter_count(32, 32, 3, 10, bias=False)", 32, 32, 3, 10,
                    bias=False)
    _count_requirements(fc_parameter_count, np.random.default_rng(VISIBLE_SEED), VISIBLE)


def check_fc_parameter_count_edge_cases(fc_parameter_count: Callable, seed: int) -> None:
    """Hidden check: every requirement of :func:`_count_requirements` on the hidden sizes (``seed``
    picks one more random size)."""
    _count_requirements(fc_parameter_count, np.random.default_rng(seed), HIDDEN)


# --- top_k_accuracy --------------------------------------------------------------------------------

def _scores_with_ranks(rng: np.random.Generator, ranks, num_classes: int):
    """Scores (N, C) float64 without ties and labels (N,) int64 such that row n's label has the
    ranks[n]-th highest score (0: the highest). The scores of a row are distinct multiples of 0.5
    plus a shift, exact in float32 too."""
    ranks = np.asarray(ranks)
    n = len(ranks)
    permutations = np.argsort(rng.random((n, num_classes)), axis=1)
    scores = 0.5 * (permutations - num_classes / 2) + np.round(rng.normal(size=(n, 1)), 2)
    labels = np.argsort(-scores, axis=1)[np.arange(n), ranks]
    return scores, labels


def _top_k_mistakes(scores: np.ndarray, labels: np.ndarray, k: int) -> list[tuple[str, float]]:
    """(mistake, what it returns) pairs; a list, as both directions of k's off-by-one are one mistake."""
    scores = np.asarray(scores, dtype=np.float64)
    n, num_classes = scores.shape
    true_scores = scores[np.arange(n), labels][:, None]
    higher = (scores > true_scores).sum(axis=1)  # 0 for a label with the highest score
    by_position = [np.argsort(scores, axis=1, kind="stable")[:, -k:],   # ties: the later class wins
                   np.argsort(-scores, axis=1, kind="stable")[:, :k]]   # ties: the earlier class wins
    mistakes = [("top-k-ties", np.mean(higher < k)),
                *(("top-k-ties", np.mean((top == labels[:, None]).any(axis=1))) for top in by_position),
                ("top-k-lowest", np.mean((scores < true_scores).sum(axis=1) < k)),
                ("top-k-off-by-one", np.mean(higher < k + 1)),
                ("top-k-off-by-one", np.mean(higher < k - 1) if k > 1 else 1.0),  # [:, -0:] is the row
                ("hit-count-not-fraction", float(np.sum(higher < k)))]
    if k > 1:
        mistakes.append(("top-k-ignored", np.mean(higher == 0)))
    return mistakes


def _check_top_k_on(top_k_accuracy: Callable, scores: np.ndarray, labels: np.ndarray, k: int, what: str,
                    expected: float | None = None) -> None:
    """``expected``: the reference result, by ``torch.topk`` unless given (for scores with ties)."""
    result = as_numeric_array(call_unchanged(top_k_accuracy, what, scores, labels, k), what)
    if expected is None:
        expected = ref.top_k_accuracy(scores, labels, k)
    if result.shape == (len(labels),):
        fail(what, f"expected a single number, got an array of shape {result.shape}.", "per-row-hits")
    if result.shape != ():
        fail(what, f"expected a single number, got an array of shape {result.shape}.")
    accuracy = float(result)
    if np.isclose(accuracy, expected, rtol=1e-12, atol=1e-12):
        return
    mistake = next((name for name, wrong in _top_k_mistakes(scores, labels, k)
                    if np.isclose(accuracy, wrong, rtol=1e-12, atol=1e-12)), None)
    fail(what, f"expected {number(expected)}, got {number(accuracy)}.", mistake)


# Ranks of the labels (0: the label has the highest score) for a classifier better than chance, so that
# the top-k, top-(k +- 1), bottom-k and top-1 accuracies all differ.
VISIBLE_RANKS = [0, 0, 0, 0, 1, 1, 2, 3, 4, 5]


# Each requirement case's inputs: (rows, classes, k) of a many-class batch; the ranks of a batch with
# k = C; (C, rank, ks) of a batch of one; the scores with ties of a constant row (N, C) and of a
# batch with ties at the second place (with its labels).
TOP_K_CASES = {
    VISIBLE: {"many": (30, 1000, 5), "all": [1, 0, 2, 2, 0], "one": (5, 1, (2, 1)), "constant": (3, 5),
              "tied": ([[1.0, 4.0, 4.0, 0.0], [2.0, 2.0, 9.0, 1.0], [0.0, 3.0, 3.0, 3.0], [6.0, 1.0, 1.0, 2.0]],
                       [1, 0, 3, 2])},
    HIDDEN: {"many": (40, 1000, 5), "all": [0, 2, 3, 1, 3], "one": (7, 2, (3, 2)), "constant": (4, 4),
             "tied": ([[3.0, 2.0, 2.0, 1.0], [3.0, 2.0, 2.0, 1.0], [1.0, 5.0, 5.0, 5.0], [0.5, 0.5, 4.0, 0.0]],
                      [0, 2, 1, 1])}}


def _top_k_requirements(top_k_accuracy: Callable, rng: np.random.Generator, which: str) -> None:
    """Every requirement on ``top_k_accuracy``, on the ``which`` inputs and random scores from ``rng``:
    top-5 of 1000 classes, k = C, a batch of one, float32 scores with int32 labels, ties (the rule the
    exercise states), inputs left unchanged."""
    cases = TOP_K_CASES[which]
    rows, classes, k = cases["many"]
    ranks = np.minimum(rng.geometric(0.3, size=rows) - 1, classes - 1)
    scores, labels = _scores_with_ranks(rng, ranks, classes)
    _check_top_k_on(top_k_accuracy, scores, labels, k, f"top_k_accuracy with k={k} on scores ({rows}, {classes})")
    classes = len(cases["all"]) - 1
    scores, labels = _scores_with_ranks(rng, np.minimum(cases["all"], classes - 1), classes)
    _check_top_k_on(top_k_accuracy, scores, labels, classes,
                    f"top_k_accuracy with k={classes} = C (every row counts)")
    classes, rank, ks = cases["one"]
    scores, labels = _scores_with_ranks(rng, [rank], classes)
    for k in ks:
        _check_top_k_on(top_k_accuracy, scores, labels, k, f"top_k_accuracy on a batch of one, k={k}")
    scores, labels = _scores_with_ranks(rng, VISIBLE_RANKS[::-1], 6)
    _check_top_k_on(top_k_accuracy, scores.astype(np.float32), labels.astype(np.int32), 2,
                    "top_k_accuracy on float32 scores and int32 labels, k=2")
    constant = np.zeros(cases["constant"])
    labels = np.arange(len(constant)) % constant.shape[1]
    _check_top_k_on(top_k_accuracy, constant, labels, 1,
                    "top_k_accuracy with k=1 when every class has the same score (ties count against the "
                    "label: at most k classes may score >= the label's score)",
                    expected=ref.top_k_accuracy_with_ties(constant, labels, 1))
    tied, labels = (np.array(values) for values in cases["tied"])
    _check_top_k_on(top_k_accuracy, tied, labels, 2,
                    "top_k_accuracy with k=2 and ties at the second place (ties count against the "
                    "label: at most k classes may score >= the label's score)",
                    expected=ref.top_k_accuracy_with_ties(tied, labels, 2))


def check_top_k_accuracy(top_k_accuracy: Callable) -> None:
    """Visible check of ``top_k_accuracy(scores, labels, k)`` against ``torch.topk``, for k = 1 and 3
    on scores (10, 6) without ties, then every requirement on the self-check's own inputs."""
    rng = np.random.default_rng(VISIBLE_SEED)
    scores, labels = _scores_with_ranks(rng, VISIBLE_RANKS, 6)
    for k in (1, 3):
        _check_top_k_on(top_k_accuracy, scores, labels, k, f"top_k_accuracy with k={k} on scores (10, 6)")
    _top_k_requirements(top_k_accuracy, rng, VISIBLE)


def check_top_k_accuracy_edge_cases(top_k_accuracy: Callable, seed: int) -> None:
    """Hidden check: every requirement of :func:`_top_k_requirements` on the hidden inputs."""
    _top_k_requirements(top_k_accuracy, np.random.default_rng(seed), HIDDEN)
