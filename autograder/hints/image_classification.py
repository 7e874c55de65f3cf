"""Hints for the mistakes of chapter 01: images as vectors, the scores of one FC layer, parameter
counts and top-k accuracy."""

HINTS: dict[str, str] = {
    "pixels-not-scaled": (
        "the pixels still run from 0 to 255: divide by 255 so that 0 maps to 0.0 and 255 to 1.0."),
    "divide-by-256": (
        "dividing by 256 maps the brightest pixel, 255, to 0.996 instead of 1.0: divide by 255, the "
        "largest value a uint8 can hold."),
    "scaled-by-batch-max": (
        "the pixels were divided by the largest value in the batch: divide by 255, the largest value a "
        "uint8 can hold, so that a dark image stays dark and every batch is scaled the same way."),
    "floor-division": (
        "// is floor (integer) division: 200 // 255 == 0. Convert to float and use / "
        "(images.astype(np.float64) / 255)."),
    "flatten-channels-first": (
        "the entries are in channel-first order (all red values, then all green, then all blue). The "
        "images are (N, H, W, 3): reshape them as they are, images.reshape(N, -1), so that the three "
        "channels of a pixel stay next to each other, as torch's reshape does."),
    "scores-transposed": (
        "the scores are transposed: with one sample per row, x (N, D) and W (C, D), the scores are "
        "x @ W.T + b, of shape (N, C), not W @ x.T (C, N)."),
    "weights-not-transposed": (
        "x @ W multiplies x by W's columns; W is (C, D) with one row per class, so the scores are "
        "x @ W.T + b. (x @ W only runs at all when D == C.)"),
    "bias-wrong-axis": (
        "the bias was added along the wrong axis: b has one entry per class, so it is added to every "
        "row of the (N, C) scores, x @ W.T + b (b broadcasts over rows), not b[:, None]."),
    "fc-count-no-bias": (
        "with bias=True the layer also has one bias per class: num_classes more parameters."),
    "fc-count-bias-flag-ignored": (
        "with bias=False the layer has no bias: count only the weights, height * width * channels * "
        "num_classes."),
    "fc-count-channels-forgotten": (
        "each pixel has `channels` numbers (3 for RGB), so the input has height * width * channels "
        "entries, and every class has a weight for each."),
    "fc-count-not-int": (
        "a parameter count is a whole number: compute it with integers (* and +, not / or floats) and "
        "return an int."),
    "fc-count-int32-overflow": (
        "the count overflowed a 32-bit integer (at most 2,147,483,647) and wrapped around. Python's int "
        "never overflows: multiply plain ints, without np.int32."),
    "top-k-lowest": (
        "these are the k LOWEST scores: np.argsort sorts in ascending order, so the k highest are "
        "np.argsort(scores, axis=1)[:, -k:] (or sort -scores)."),
    "top-k-off-by-one": (
        "the result is the top-(k+1) or top-(k-1) accuracy: take exactly k classes per row, e.g. "
        "[:, -k:] of an ascending argsort (note that [:, -0:] is the whole row)."),
    "top-k-ignored": (
        "the result is the top-1 accuracy for every k: a row counts when its label is among the k "
        "highest scores, not only when it is the argmax."),
    "hit-count-not-fraction": (
        "that is the number of rows whose label is in the top k; return the fraction, the count "
        "divided by the number of rows N."),
    "per-row-hits": (
        "the function returned one hit (True/False or 1/0) per row; return their mean, a single number."),
    "top-k-ties": (
        "with tied scores the answer depends on how ties are broken, and the exercise fixes the rule: "
        "a row counts only when at most k classes, the label included, score at least as much as the "
        "label (count them with >=), so that a classifier giving every class the same score is not "
        "rewarded. np.argsort breaks ties by position; counting only strictly higher scores (>) "
        "resolves every tie in the label's favour."),
}
