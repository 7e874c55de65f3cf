"""Hints for mistakes that several topics share: the softmax's numerics, signs, means, shapes, biases
and in-place edits."""

HINTS: dict[str, str] = {
    "no-max-subtraction": (
        "exp() of large logits overflows to inf, and inf / inf is NaN. Subtract each row's maximum "
        "from the logits before exponentiating: softmax(y - c) = softmax(y) for any constant c."),
    "global-max-subtraction": (
        "the logits were shifted by one maximum for the whole batch (y.max()) instead of each row's own. "
        "A row far below the largest one then underflows: every exp() in it is 0, and 0 / 0 is NaN. "
        "Subtract each row's maximum: y - y.max(axis=1, keepdims=True)."),
    "log-of-softmax": (
        "log(softmax(y)) takes the log of a probability that underflowed to 0, giving inf. Compute "
        "log-probabilities directly with log-sum-exp: log sigma(y)_i = y_i - max(y) - log sum_j exp(y_j - max(y))."),
    "sum-instead-of-mean": (
        "the result is N times too large: the loss is the mean over the batch, so divide the sum "
        "(and its gradient) by the batch size N."),
    "sign-flip": (
        "the result has the wrong sign. dL/dy = sigma(y) - t (probabilities minus one-hot targets), and "
        "the loss -sum t log sigma is positive."),
    "transposed-gradient": (
        "the gradient is transposed. A gradient has the shape of what it differentiates: dW has W's "
        "shape (out, in), and for out = x W^T + b it is dW = dout^T x (for softmax scores, "
        "dout = (sigma - t) / N)."),
    "per-sample-loss": (
        "the function returned one loss per sample; return their mean, a single number."),
    "integer-output": (
        "the array holds integers; build it with a floating dtype (e.g. np.zeros(..., dtype=float))."),
    "modified-input": (
        "the function changed an array it was given (e.g. `y -= y.max()`, `param -= lr * grad`, "
        "`velocity *= momentum`, or `x[i] += h` without restoring it). Work on a copy, or restore the "
        "saved value."),
    "no-bias": (
        "the bias b is missing from the scores: scores = x W^T + b."),
}
