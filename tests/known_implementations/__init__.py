"""Each assignment's known implementations, one module per topic (``known_implementations.<topic>``),
data for tests/test_assignment_contracts.py, which finds them through the registry's topic.

``CORRECT_VARIANTS``: other correct ways of writing an exercise, ``(exercise, function)`` params (a tuple
of functions where the check takes several) that the checks must pass. ``WRONG``: wrong implementations a
student could plausibly write, ``case(exercise, function, visible, hidden, id)``: how the self-check and
the hidden test must fail and which mistake (a key of ``HINTS``) they must name. Optional:
``OTHER_SEEDS`` (hidden-test seeds tried besides the notebook's; default ``check_harness.OTHER_SEEDS``),
``BROKEN``, ``OWN_BROKEN_TESTS`` and ``every_seed_speedup`` (see the contract test's docstring). A topic
without a module (06's answers) keeps only the contract's other parts.

``ROUND_TRIP`` (optional): the students of the topic's nbgrader round trip and what each must score
(:class:`RoundTripStudent`, graded by tests/round_trips.py).
"""
from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass, field
from types import ModuleType, SimpleNamespace

from autograder.assignments import Assignment


@functools.cache
def of(assignment: Assignment) -> ModuleType | SimpleNamespace:
    """The known implementations of ``assignment``'s topic; an empty namespace for a topic without a module."""
    try:
        return importlib.import_module(f"known_implementations.{assignment.topic}")
    except ModuleNotFoundError as error:
        if error.name != f"known_implementations.{assignment.topic}":
            raise
        return SimpleNamespace()


@dataclass(frozen=True)
class RoundTripStudent:
    """One submission of a round trip and what nbgrader must make of it.

    ``replaced`` maps the grade id of a solution cell to the student's source for it, the other
    solution cells are the instructor's; ``deleted_cells`` are grade ids of test cells the student
    deleted (nbgrader must restore and run them). ``text`` instead is the whole notebook file as the
    student's raw text (e.g. corrupt JSON), which cannot be graded. ``cells`` gives the points of every
    test cell that does not earn its full points and ``score`` the total; the student's feedback must
    name each of ``mistakes`` (keys of ``autograder.hints.HINTS``) and show each of ``messages``.
    """
    name: str
    score: float
    replaced: dict[str, str] = field(default_factory=dict)
    cells: dict[str, float] = field(default_factory=dict)
    mistakes: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()
    deleted_cells: tuple[str, ...] = ()
    text: str | None = None
