"""Checks for assignment ``07-training-on-imagenet``: students' torch optimizers and training loop.

- ``check_momentum(Momentum)``, ``check_adam(Adam)``: the student's optimizer and torch's
  (``torch.optim.SGD(momentum=...)``, ``torch.optim.Adam``) each train a copy of the same tiny float64
  network on the CPU, from the same initial weights, on the same batches, for K steps; the parameters
  after every step must agree to a relative error of 1e-10 (of the largest parameter). The hidden
  versions add two parameter groups with their own hyperparameters, a learning rate changed between
  steps (a schedule, as ``torch.optim.lr_scheduler`` does), a parameter without gradient (skipped, as
  torch skips it), a layer frozen on some steps (its ``.grad`` None then: torch neither moves it nor
  advances its state on those steps) and the default hyperparameters.
- ``check_train_one_epoch(train_one_epoch)``: one epoch of the student's loop and of the reference loop
  (:mod:`autograder.reference.capstone`), both with torch's optimizer, from the same weights: the
  parameters and the returned loss must agree to 1e-10. The network has batch normalisation and is
  handed over in evaluation mode. Hidden: a last batch smaller than the others, Adam.
- ``check_training_run(train_one_epoch, Adam)``: a short float32 run of the student's loop and Adam on
  four classes of the synthetic stand-in at 16 px must reach the validation accuracy of the reference
  loop with ``torch.optim.Adam`` within ``ACCURACY_MARGIN``.

Where the student's code runs: :mod:`autograder.grading.torch_driver` runs the student's classes and
loop on models and tensors it builds from plain data, and hands back plain data (parameters after every
step, a model's state after an epoch). In a self-check in Jupyter it runs in the student's process;
when the notebook is graded the student's ``Momentum`` arrives here as a handle of the sandbox's, and
the same functions run in the sandbox (:func:`.driver.driver_for`), where torch has no optimizers of its own.
Either way the gradients come from this side (the optimizer checks), torch's own optimizer runs on this
side (the loop checks: :class:`~autograder.grading.torch_driver.StepTakenElsewhere`), and the reference
and the accuracy are computed here from what came back.

Everything runs on one CPU thread: torch's second thread only slows operations this small.

One module per part: :mod:`.driver` (where the student's code runs, what comes back),
:mod:`.optimizer_runs` (the tiny network an optimizer class trains), :mod:`.optimizer_classes`
(``Momentum``, ``Adam``), :mod:`.training_loop` (``train_one_epoch``), :mod:`.training_run`.
"""
from autograder.checks.capstone.driver import RTOL
from autograder.checks.capstone.optimizer_classes import (
    MOMENTUM_DEFAULTS,
    check_adam,
    check_adam_edge_cases,
    check_momentum,
    check_momentum_edge_cases,
)
from autograder.checks.capstone.optimizer_runs import FROZEN_STEPS, HIDDEN_STEPS, ROWS, VISIBLE_STEPS, OptimizerCase
from autograder.checks.capstone.training_loop import LOOP_MODEL, check_train_one_epoch, check_train_one_epoch_edge_cases
from autograder.checks.capstone.training_run import (
    ACCURACY_MARGIN,
    check_training_run,
    run_data,
    run_model,
    training_run,
)

__all__ = [
    "ACCURACY_MARGIN", "FROZEN_STEPS", "HIDDEN_STEPS", "LOOP_MODEL", "MOMENTUM_DEFAULTS", "ROWS", "RTOL",
    "VISIBLE_STEPS", "OptimizerCase",
    "check_adam", "check_adam_edge_cases", "check_momentum", "check_momentum_edge_cases",
    "check_train_one_epoch", "check_train_one_epoch_edge_cases", "check_training_run",
    "run_data", "run_model", "training_run",
]
