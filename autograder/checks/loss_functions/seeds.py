"""Which inputs the checks of ``04-loss-functions`` draw: the self-check's seeds, and which variant of
a requirement case's fixed inputs a check uses (the self-check's VISIBLE ones or the hidden test's
HIDDEN ones). The hidden test draws its random inputs from the student's seed."""
from __future__ import annotations

VISIBLE_SEED = 0
VISIBLE_REQUIREMENTS_SEED = 1  # the self-check's random inputs for the requirement cases
# Which fixed inputs a requirement case uses: the self-check's or the hidden test's.
VISIBLE, HIDDEN = "visible", "hidden"
