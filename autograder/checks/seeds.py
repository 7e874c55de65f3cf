"""Which inputs a check draws, alike in every topic.

The self-check draws its random inputs from ``VISIBLE_SEED`` and, for its requirement cases, from
``VISIBLE_REQUIREMENTS_SEED``; the hidden test draws them from the student's seed. A requirement case
with fixed inputs has two variants: ``VISIBLE`` for the self-check and ``HIDDEN`` for the hidden test.
"""
from __future__ import annotations

VISIBLE_SEED = 0
VISIBLE_REQUIREMENTS_SEED = 1
VISIBLE, HIDDEN = "visible", "hidden"
