"""Checks for assignment ``05-optimizers``: students' numpy step rules against ``torch.optim``.

A step rule is checked by running it, as an optimizer runs, for 100 steps or more on a random quadratic
(its gradient feeding back into the next step) and comparing the whole trajectory of the parameters and
of the returned state (velocity; RMSprop's square_avg; Adam's m and v) with ``torch.optim.SGD`` /
``torch.optim.RMSprop`` / ``torch.optim.Adam`` in
float64, to a relative error of 1e-10. Every call must leave its input arrays unchanged.
``check_<function>`` is the visible self-check; ``check_<function>_edge_cases`` the hidden test. Both run
every requirement case (learning rates that change between steps, matrix-shaped parameters, other
hyper-parameters, tiny gradients, the defaults; for ``minimize``: a state that is not an array, zero
steps, an integer x0), each on its own inputs: the self-check after its first run, on quadratics drawn
from VISIBLE_REQUIREMENTS_SEED (and its own integer x0); the hidden test from the student's seed.

One module per function checked (:mod:`.sgd`, :mod:`.momentum`, :mod:`.rmsprop`, :mod:`.adam`,
:mod:`.minimize`); the problems and shared settings are in :mod:`.problems`, the step rules' runs and
the known mistakes' rules in :mod:`.step_rules`.
"""
from autograder.checks.optimizers.adam import ADAM_DEFAULTS, check_adam_step, check_adam_step_edge_cases
from autograder.checks.optimizers.minimize import check_minimize, check_minimize_edge_cases
from autograder.checks.optimizers.momentum import check_momentum_step, check_momentum_step_edge_cases
from autograder.checks.optimizers.problems import HIDDEN_STEPS, ROWS, RTOL, VISIBLE_STEPS
from autograder.checks.optimizers.rmsprop import RMSPROP_DEFAULTS, check_rmsprop_step, check_rmsprop_step_edge_cases
from autograder.checks.optimizers.sgd import check_sgd_step, check_sgd_step_edge_cases
from autograder.checks.optimizers.step_rules import ADAM_MISTAKES, RMSPROP_MISTAKES
from autograder.checks.seeds import HIDDEN, VISIBLE, VISIBLE_REQUIREMENTS_SEED, VISIBLE_SEED

__all__ = [
    "ADAM_DEFAULTS", "ADAM_MISTAKES", "HIDDEN", "HIDDEN_STEPS", "RMSPROP_DEFAULTS", "RMSPROP_MISTAKES", "ROWS", "RTOL",
    "VISIBLE", "VISIBLE_REQUIREMENTS_SEED", "VISIBLE_SEED", "VISIBLE_STEPS",
    "check_adam_step", "check_adam_step_edge_cases", "check_minimize", "check_minimize_edge_cases",
    "check_momentum_step", "check_momentum_step_edge_cases", "check_rmsprop_step", "check_rmsprop_step_edge_cases",
    "check_sgd_step", "check_sgd_step_edge_cases",
]
