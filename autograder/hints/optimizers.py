"""Hints for the mistakes of the optimizer step rules (SGD, momentum, Nesterov, RMSProp, Adam) and ``minimize``."""

HINTS: dict[str, str] = {
    "gradient-ascent": (
        "the parameters move uphill, along the gradient: a descent step subtracts it, "
        "x <- x - gamma * g (and with momentum x <- x - gamma * v)."),
    "momentum-lr-in-velocity": (
        "this is the formulation of Ruder's overview and CS231n, v <- mu v + gamma g, x <- x - v "
        "(CS231n stores -v and adds it). PyTorch keeps the learning rate out of the velocity: "
        "v <- mu v + g, x <- x - gamma v. Both give the same parameters while gamma is constant, but "
        "the velocity differs by the factor gamma, and the parameters differ as soon as gamma changes "
        "between steps (a learning-rate schedule)."),
    "nesterov-ignored": (
        "with nesterov=True the result is plain momentum. PyTorch's Nesterov step looks ahead along "
        "the new velocity: v <- mu v + g, then x <- x - gamma (g + mu v)."),
    "momentum-dampened": (
        "the velocity is an average, v <- mu v + (1 - mu) g, as Adam's first moment is. PyTorch's SGD "
        "(dampening 0) adds the whole gradient: v <- mu v + g."),
    "velocity-updated-after-step": (
        "the parameters moved with the previous step's velocity. Update the velocity first, "
        "v <- mu v + g, then move with the new one, x <- x - gamma v."),
    "rmsprop-eps-inside-sqrt": (
        "eps was added inside the square root. torch.optim.RMSprop adds it to the root: "
        "x <- x - gamma * g / (sqrt(square_avg) + eps), which matters when the gradients are small."),
    "rmsprop-alpha-swapped": (
        "alpha and 1 - alpha are swapped. alpha is the weight of the old average, close to 1: "
        "square_avg <- alpha * square_avg + (1 - alpha) * g**2, so that it changes slowly."),
    "rmsprop-no-average": (
        "the squared gradient of this step alone was used, square_avg <- g**2, so every weight moves by "
        "about gamma in the direction of -sign(g). Keep the moving average from step to step: "
        "square_avg <- alpha * square_avg + (1 - alpha) * g**2, starting from the square_avg you are given."),
    "adam-no-bias-correction": (
        "m and v start at zero, so for small t they are too small by the factors (1 - beta1^t) and "
        "(1 - beta2^t). Divide them out: m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t), and "
        "step with gamma * m_hat / (sqrt(v_hat) + eps)."),
    "adam-t-from-zero": (
        "the bias correction used the wrong step count. t counts from 1: the first call has t = 1 and "
        "m_hat = m / (1 - beta1**1). Use t as given; do not add 1 to it."),
    "adam-eps-inside-sqrt": (
        "eps was added inside the square root. PyTorch adds it to the root: "
        "gamma * m_hat / (sqrt(v_hat) + eps), which matters when the gradients are small."),
    "adam-returns-corrected-moments": (
        "the function returned the bias-corrected m_hat and v_hat as the new state. Return the raw "
        "moving averages m and v: the correction is applied afresh at every step, from t."),
    "minimize-missing-x0": (
        "the trajectory has num_steps rows; it must have num_steps + 1: row 0 is the starting point x0, "
        "row k the parameters after k steps."),
    "minimize-state-reset": (
        "the step rule's state was not carried from one step to the next. Start with state = None and "
        "pass back in what each call returned: x, state = step(x, grad_fn(x), state)."),
}
