"""Hints for the mistakes of chapter 04: hinge losses (binary, Weston-Watkins, Crammer-Singer) and the
regression losses L1, L2 and smooth L1."""

HINTS: dict[str, str] = {
    "loss-gradient-sign": (
        "the gradient has the wrong sign. It points to where the loss grows: for a hinge term "
        "max(0, 1 - t y) it is -t where the term is positive; for a multi-class hinge +1 on a wrong class "
        "j and -1 on the true class; for a regression loss it has the sign of the residual pred - target."),
    "hinge-no-clamp": (
        "the max(0, .) is missing: a sample beyond the margin (t y > 1) costs 0, not the negative "
        "number 1 - t y, and contributes no gradient."),
    "hinge-subgradient-at-kink": (
        "a sample exactly on the margin (its hinge term is exactly 0) must get the subgradient 0, as "
        "torch's autograd of relu gives: count a term only when it is strictly positive (> 0, not >= 0)."),
    "hinge-targets-01": (
        "the targets are already -1 or +1. Converting them as if they were 0/1 (2 t - 1) turns -1 into "
        "-3; use t as it is in max(0, 1 - t y)."),
    "hinge-embedding-loss": (
        "that is torch's HingeEmbeddingLoss (y for t = +1, max(0, 1 - y) for t = -1), a loss for "
        "distances between pairs, not the SVM hinge max(0, 1 - t y)."),
    "ww-includes-true-class": (
        "the sum runs over the wrong classes only. Including the true class adds its own term "
        "max(0, margin - y_true + y_true) = margin to every sample, i.e. margin / C to the loss (and "
        "-1/(N C) to the true class's gradient in the usual vectorised code); set that term to 0."),
    "ww-no-divide-by-C": (
        "torch's multi_margin_loss divides each sample's sum over classes by the number of classes C "
        "(scores.shape[1]); the textbook (CS231n) form does not. The exercise follows torch: divide by C."),
    "ww-margin-ignored": (
        "the margin argument is ignored (the result is the one for margin = 1): use `margin` in "
        "max(0, margin - y_true + y_j)."),
    "cs-max-includes-true-class": (
        "the max runs over the wrong classes only. With the true class included the max is at least "
        "y_true and every sample costs at least 1; mask the true class (e.g. set its score to -inf in a "
        "copy) before taking the max."),
    "cs-divided-by-C": (
        "the Crammer-Singer loss has no 1/C: only one wrong class (the best-scoring one) enters each "
        "sample's loss. The 1/C is torch's convention for the Weston-Watkins sum."),
    "cs-sums-every-wrong-class": (
        "that sums the hinge terms of every wrong class (the Weston-Watkins loss); Crammer-Singer takes "
        "only the best-scoring wrong class: max(0, 1 - y_true + max_{j != true} y_j)."),
    "l2-grad-missing-2": (
        "d/dy (y - t)^2 = 2 (y - t): the factor 2 is missing."),
    "smooth-l1-beta-ignored": (
        "the result is the one for beta = 1: use `beta` both as the threshold |r| < beta and in the "
        "branches 0.5 r^2 / beta and |r| - 0.5 beta."),
    "smooth-l1-not-divided-by-beta": (
        "the quadratic branch is 0.5 r^2 / beta (its derivative r / beta), not 0.5 r^2: only with the "
        "division do the two branches meet at |r| = beta."),
    "l1-subgradient-at-zero": (
        "where pred equals target, |r| has a kink; the course (like torch's autograd, np.sign) uses the "
        "subgradient 0 there, not +1 or -1."),
    "regression-mean-over-rows-only": (
        "torch's l1_loss, mse_loss and smooth_l1_loss average over every entry: for pred of shape (N, Q) "
        "divide by N * Q (pred.size, or use .mean()), not by N."),
}
