"""Hints for the mistakes of the softmax and cross-entropy exercise (02) that no other topic shares."""

HINTS: dict[str, str] = {
    "softmax-wrong-axis": (
        "the exponentials were normalised over the wrong axis: each column (one class across the batch) "
        "sums to 1 instead of each row (one sample's classes). Take the maximum and the sum over the "
        "classes, axis=1 with keepdims=True: e / e.sum(axis=1, keepdims=True)."),
    "num-classes-ignored": (
        "the number of columns must be num_classes, not labels.max() + 1: a batch need not contain "
        "the highest class."),
    "jacobian-diagonal-only": (
        "only the diagonal sigma_i is there: dsigma_i/dy_j = sigma_i (delta_ij - sigma_j) also has the "
        "off-diagonal terms -sigma_i sigma_j, i.e. J = diag(sigma) - sigma sigma^T."),
    "forward-difference": (
        "(f(x + h) - f(x)) / h is a forward difference with error O(h); the centred difference "
        "(f(x + h) - f(x - h)) / (2h) has error O(h^2)."),
}
