"""The known implementations of assignment 07 (training on ImageNet): data for
tests/test_assignment_contracts.py, and the sources from which tests/test_checks_capstone.py,
test_attacks_capstone.py and the round trip (``ROUND_TRIP``) build a student's ``Momentum``, ``Adam`` and
``train_one_epoch``, right and wrong; the contract runs the solution's hidden checks with ``OTHER_SEEDS``
too.
"""
from known_implementations import RoundTripStudent

SEED = 123  # the hidden checks' seed for the wrong implementations of tests/test_checks_capstone.py
OTHER_SEEDS = [SEED]

# The classes as the release gives them, with the body of step() left to the student (8 spaces deep).
MOMENTUM_HEAD = '''
class Momentum(torch.optim.Optimizer):
    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params, defaults={"lr": lr, "momentum": momentum})

    @torch.no_grad()
    def step(self):
'''
ADAM_HEAD = '''
class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, defaults={"lr": lr, "betas": betas, "eps": eps})

    @torch.no_grad()
    def step(self):
'''
LOOP_HEAD = "\ndef train_one_epoch(model, optimizer, images, labels, batch_size):\n"
# The body of a right train_one_epoch (4 spaces deep).
LOOP_BODY = '''    model.train()
    total = 0.0
    for start in range(0, len(labels), batch_size):
        x, t = images[start:start + batch_size], labels[start:start + batch_size]
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), t)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(t)
    return total / len(labels)
'''

# Ruder's and CS231n's formulation: the learning rate inside the velocity (same parameters while the
# learning rate is constant, as in the self-check; the hidden schedule tells them apart).
MOMENTUM_LR_IN_VELOCITY = MOMENTUM_HEAD + '''        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                state.setdefault("velocity", torch.zeros_like(p))
                state["velocity"] = group["momentum"] * state["velocity"] + group["lr"] * p.grad
                p -= state["velocity"]
'''
# Gradients accumulate from batch to batch: no optimizer.zero_grad().
LOOP_WITHOUT_ZERO_GRAD = LOOP_HEAD + LOOP_BODY.replace("        optimizer.zero_grad()\n", "")
# The last, smaller batch is dropped: right whenever batch_size divides N, as in the self-check.
LOOP_DROPPING_LAST_BATCH = LOOP_HEAD + LOOP_BODY.replace("range(0, len(labels), batch_size)",
                                                         "range(0, len(labels) - batch_size + 1, batch_size)")
# The step count starts at 0 at the first step: the bias correction divides by zero.
ADAM_T_FROM_ZERO = ADAM_HEAD + '''        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(p, {})
                if not state:
                    state.update(t=0, m=torch.zeros_like(p), v=torch.zeros_like(p))
                t = state["t"]
                state["m"] = beta1 * state["m"] + (1 - beta1) * p.grad
                state["v"] = beta2 * state["v"] + (1 - beta2) * p.grad ** 2
                m_hat, v_hat = state["m"] / (1 - beta1 ** t), state["v"] / (1 - beta2 ** t)
                p -= group["lr"] * m_hat / (v_hat.sqrt() + group["eps"])
                state["t"] = t + 1
'''


# The nbgrader round trip (tests/round_trips.py) ===================================================
# Points follow effort: Momentum 1 + 1, Adam 2 + 2, the loop 1 + 2, the run 2.

ROUND_TRIP = [
    # passes the self-check (constant lr) and loses the hidden Momentum test
    RoundTripStudent("carol", 10.0, {"Momentum": MOMENTUM_LR_IN_VELOCITY}, cells={"test_Momentum_hidden": 0},
                     mistakes=("momentum-lr-in-velocity",)),
    # Adam divides by zero: both Adam tests and the training run lost
    RoundTripStudent("dave", 5.0, {"Adam": ADAM_T_FROM_ZERO},
                     cells={"test_Adam": 0, "test_Adam_hidden": 0, "test_training_run": 0},
                     mistakes=("adam-step-count-from-zero",)),
    # the loop accumulates gradients: both loop tests and the run lost
    RoundTripStudent("erin", 6.0, {"train_one_epoch": LOOP_WITHOUT_ZERO_GRAD},
                     cells={"test_train_one_epoch": 0, "test_train_one_epoch_hidden": 0, "test_training_run": 0},
                     mistakes=("gradients-not-zeroed",)),
    # loses only the hidden loop test: the run's 240 images in batches of 20 leave no partial batch
    RoundTripStudent("frank", 9.0, {"train_one_epoch": LOOP_DROPPING_LAST_BATCH},
                     cells={"test_train_one_epoch_hidden": 0}, mistakes=("last-batch-dropped",)),
]
