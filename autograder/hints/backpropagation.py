"""Hints for the mistakes of back-propagation through layers: the chain rule, bias gradients, activation
functions, convolution and pooling."""

HINTS: dict[str, str] = {
    "upstream-gradient-ignored": (
        "the backward pass returned the local gradient alone. By the chain rule the gradient that flows "
        "back is the upstream gradient times the local one: multiply by dout (e.g. relu: dx = dout * (x > 0))."),
    "bias-gradient-not-summed": (
        "db must have b's shape. The bias is added to every sample (and, in a convolution, at every output "
        "position), so its gradient sums dout over all of them: db = dout.sum(axis=0) for a linear layer, "
        "dout.sum(axis=(0, 2, 3)) for a convolution."),
    "relu-gradient-not-masked": (
        "the gradient passed through where the ReLU's input was negative. ReLU's output is constant 0 there, "
        "so its gradient is 0: dx = dout * (x > 0)."),
    "relu-subgradient-at-zero": (
        "at x == 0 the gradient must be 0, as in PyTorch (the subgradient it uses): mask with x > 0, not x >= 0."),
    "sigmoid-overflow": (
        "exp() of a large argument overflows to inf, and inf / inf is NaN. Use a form that only exponentiates "
        "non-positive numbers: sigmoid(x) = 1 / (1 + exp(-x)) for x >= 0 and exp(x) / (1 + exp(x)) for x < 0, "
        "and write the derivative with the output: sigmoid'(x) = sigmoid(x) (1 - sigmoid(x))."),
    "tanh-overflow": (
        "(exp(x) - exp(-x)) / (exp(x) + exp(-x)) is inf / inf = NaN once |x| > 710. Use np.tanh (or "
        "1 - 2 / (exp(2x) + 1)), and the derivative 1 - tanh(x)**2 written with the output."),
    "derivative-at-input": (
        "the derivative was written with the input x where the output belongs: sigmoid'(x) = s (1 - s) and "
        "tanh'(x) = 1 - out**2 with s = sigmoid(x), out = tanh(x). Keep the forward output in the cache."),
    "conv-as-convolution": (
        "the kernel was flipped. torch.nn.functional.conv2d computes a cross-correlation, without a flip: "
        "out[n, f, i, j] = b[f] + sum over k, p, q of x[n, k, i*s + p, j*s + q] * w[f, k, p, q] (x zero-padded)."),
    "conv-dx-not-flipped": (
        "dx is a full convolution of dout with w, i.e. a correlation of the zero-padded dout with w flipped "
        "in both spatial directions (w[..., ::-1, ::-1]). Simplest without flips: for every output position "
        "add dout[n, f, i, j] * w[f] into the window of dx it was computed from."),
    "conv-dw-flipped": (
        "dw is the correlation of the (padded) input with dout, with no flip: dw[f, k, p, q] = sum over "
        "n, i, j of dout[n, f, i, j] * x[n, k, i*s + p, j*s + q]."),
    "conv-dx-padding": (
        "dx must have x's shape (N, K, H, V): compute the gradient of the zero-padded input, then cut the "
        "padding off with dx_pad[:, :, pad:pad + H, pad:pad + V]. (dx_pad[:, :, pad:-pad] is empty when pad == 0.)"),
    "max-pool-gradient-spread": (
        "the gradient went to every entry of a window. The maximum depends on one entry only, the one that "
        "won: route dout to that argmax and give the others 0."),
    "max-pool-ties": (
        "a window with several equal maxima sent the gradient to all of them (a mask window == window.max()). "
        "PyTorch routes it to the first maximum in row-major order only, which is what np.argmax of the "
        "flattened window returns."),
    "pool-gradient-overwritten": (
        "when stride < kernel_size the windows overlap and an input entry gets gradient from several windows: "
        "add each window's gradient into dx (+=) instead of assigning it (=), or the last window wins."),
    "max-pool-argmax-overwritten": (
        "dx[argmax position] = dout assigns the gradient: where windows overlap (stride < kernel_size) one "
        "entry can be the maximum of several windows, and then only the last window's gradient is kept. "
        "It must get the sum of them all: dx[argmax position] += dout."),
    "avg-pool-not-divided": (
        "average pooling divides by the window size: out = window.sum() / kernel_size**2, so each entry of "
        "a window gets dout / kernel_size**2 of its gradient."),
}
