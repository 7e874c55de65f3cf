"""Hints for the mistakes of the capstone exercise: torch optimizers written by hand and the training loop."""

HINTS: dict[str, str] = {
    "optimizer-state-not-kept": (
        "the optimizer forgot its state between steps, so every step started from a zero velocity (or "
        "zero moments and step count): plain SGD. Keep the state of each parameter in self.state[p] and "
        "update the tensors stored there (assigning to a local variable does not change the stored one): "
        "state['velocity'] = momentum * state['velocity'] + g, or in place, v.mul_(momentum).add_(g)."),
    "parameters-not-updated-in-place": (
        "the parameters never changed. `p = p - lr * v` only rebinds the local name p; update the "
        "tensor itself, in place and under torch.no_grad(): p.sub_(lr * v), or p -= lr * v."),
    "group-hyperparameters-ignored": (
        "the step used the optimizer's defaults (self.defaults, or the numbers given to __init__) instead "
        "of each parameter group's own values. Read them from the group at every step: group['lr'], "
        "group['momentum'], group['betas'], group['eps']; a learning-rate schedule and per-group "
        "settings change them there."),
    "grad-none-not-skipped": (
        "a parameter whose .grad is None (frozen, or not used by the loss) must be skipped, as torch's "
        "optimizers do: `if p.grad is None: continue`."),
    "grad-none-as-zero": (
        "a parameter whose .grad was None on a step (a frozen layer) was updated as if its gradient were "
        "zero: its velocity (or m and v) decayed and it moved. torch leaves it and its state untouched on "
        "that step: `if p.grad is None: continue` before reading or changing self.state[p]."),
    "adam-step-count-global": (
        "the step count t also advanced on steps where the parameter had no gradient (one count for the "
        'whole optimizer, e.g. self.t += 1 in every step(), or state["t"] += 1 before the None check). '
        'torch counts the steps on which that parameter had a gradient: increment self.state[p]["t"] '
        "after `if p.grad is None: continue`."),
    "adam-step-count-from-zero": (
        "the step count t in the bias correction must be 1 at the first step: with t = 0, 1 - beta1**0 "
        'is 0 and the step divides by zero. Increment state["t"] before computing '
        "m_hat = m / (1 - beta1**t) and v_hat = v / (1 - beta2**t)."),
    "adam-step-count-shared": (
        "one step count was shared by all parameters (e.g. self.t, incremented for each parameter), so "
        "the bias correction saw t grow by the number of parameters at every step. Count per parameter, "
        'in self.state[p]["t"], once per step() in which p has a gradient (torch keeps it per parameter '
        "too)."),
    "gradients-not-zeroed": (
        "the gradients were not reset before backward(): PyTorch adds each new gradient to p.grad, so "
        "every step used the sum of all gradients so far. Call optimizer.zero_grad() before "
        "loss.backward() in every iteration."),
    "optimizer-step-missing": (
        "the parameters did not change: the loop never called optimizer.step() after loss.backward() (or "
        "zeroed the gradients between backward() and step())."),
    "model-not-in-train-mode": (
        "the model was left in evaluation mode: batch normalisation then uses its running statistics "
        "and dropout is off. Call model.train() at the start of the epoch (evaluation switches to "
        "model.eval())."),
    "last-batch-dropped": (
        "the last, smaller batch was left out: with N not divisible by batch_size it holds the last "
        "N % batch_size images. Go over range(0, N, batch_size) and slice images[start:start + batch_size]."),
    "epoch-loss-unweighted": (
        "the returned loss averaged the batches' losses as if they all had the same size; the last batch "
        "is smaller. Weight each batch's mean loss by its size and divide by N: "
        "total += loss.item() * len(x), return total / N."),
    "epoch-loss-last-batch": (
        "the returned loss is that of the last batch only; return the mean loss per image over the whole "
        "epoch (each batch's mean loss times its size, summed, divided by N)."),
    "loss-not-float": (
        "return a Python float, not a tensor: loss.item() gives the number of a one-element tensor (and "
        "detaches it, so the epoch's graphs are not kept alive)."),
}
