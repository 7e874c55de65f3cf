"""The contract every assignment of the registry (``autograder.assignments``) keeps, tested once for all.

- the registry entry matches its solution notebook, release and chapter;
- every exercise has a visible check (the self-check) and a hidden one, and both pass on the solution
  (the hidden one with the notebook's seed and other seeds) and on other correct implementations;
- every known-wrong implementation fails as declared, naming its mistake, for every seed too; the
  self-check catches each; every exercise has at least two; every hint of the topic is named by one;
- functions broken in ways that have nothing to do with the maths, and things that are not functions,
  fail without a named mistake.

The known implementations are data in ``tests/known_implementations/<topic>.py``, by convention:
``WRONG`` (``case(...)`` params), ``CORRECT_VARIANTS`` (``(exercise, function or tuple of functions)``
params), optionally ``OTHER_SEEDS`` (default ``check_harness.OTHER_SEEDS``), ``BROKEN`` (default
``check_harness.BROKEN``; ``says`` a string or a tuple of alternatives), ``OWN_BROKEN_TESTS`` (exercises
whose broken-function tests the topic writes itself) and ``every_seed_speedup`` (a context manager the
every-seed sweep runs in). An assignment whose module has no ``WRONG`` (06's answers, 07's optimizer
classes) keeps only the parts that apply: the registry, the checks' coverage and the solution passing.
"""
from __future__ import annotations

import contextlib
import functools
import re
from types import SimpleNamespace

import nbformat
import numpy as np
import pytest
import yaml

from autograder.assignments import ASSIGNMENTS, ROOT, Assignment
from check_harness import (
    BROKEN,
    OTHER_SEEDS,
    Expect,
    TopicChecks,
    assert_fails_as,
    assert_fails_for_every_seed,
    assert_outcome,
    failure_message,
    visible_passes,
)
from known_implementations import of as known
from notebook_code import solution_functions


@functools.cache
def solution(assignment: Assignment) -> SimpleNamespace:
    return solution_functions(assignment.solution_path)


@functools.cache
def topic_checks(assignment: Assignment) -> TopicChecks:
    return TopicChecks(assignment)


def as_tuple(functions) -> tuple:
    return functions if isinstance(functions, tuple) else (functions,)


def other_seeds(assignment: Assignment) -> tuple[int, ...]:
    return tuple(getattr(known(assignment), "OTHER_SEEDS", OTHER_SEEDS))


WITH_EXERCISES = [a for a in ASSIGNMENTS if a.exercises]
WITH_WRONG = [a for a in WITH_EXERCISES if hasattr(known(a), "WRONG")]


def per_assignment(assignments):
    return [pytest.param(a, id=a.slug) for a in assignments]


def per_exercise(assignments):
    return [pytest.param(a, name, id=f"{a.slug}-{name}") for a in assignments for name in a.exercises]


def per_seed(assignments):
    return [pytest.param(a, name, seed, id=f"{a.slug}-{name}-{'notebook-seed' if seed is None else f'seed-{seed}'}")
            for a in assignments for name in a.exercises for seed in (None, *other_seeds(a))]


def per_case(data_name: str):
    """The known implementations ``data_name`` of every topic, as (assignment, *values) params."""
    return [pytest.param(a, *case.values, id=f"{a.slug}-{case.id}")
            for a in WITH_WRONG for case in getattr(known(a), data_name, [])]


def per_broken():
    params = []
    for a in WITH_WRONG:
        own_tests = getattr(known(a), "OWN_BROKEN_TESTS", ())
        for name in a.exercises:
            if len(a.exercise(name).functions) == 1 and name not in own_tests:
                params += [pytest.param(a, name, *broken.values, kind, id=f"{a.slug}-{name}-{broken.id}-{kind}")
                           for broken in getattr(known(a), "BROKEN", BROKEN) for kind in ("visible", "hidden")]
    return params


# === the registry matches the notebook, its release and the book =====================================

@pytest.mark.parametrize("assignment", per_assignment(ASSIGNMENTS))
def test_the_registry_matches_the_notebook(assignment):
    checked = tuple(f for name in assignment.exercises for f in assignment.exercise(name).functions)
    assert checked == assignment.solution_definitions  # every function the student writes is checked, in order
    for name in assignment.exercises:
        exercise = assignment.exercise(name)
        assert exercise.visible.functions == exercise.functions and exercise.visible.seed is None
        assert isinstance(exercise.seed, int)
    assert assignment.reference is not None or not assignment.exercises  # a topic with exercises has references
    seeds = [exercise.seed for exercise in map(assignment.exercise, assignment.exercises)]
    assert len(set(seeds)) == len(seeds), seeds  # each hidden test draws its own inputs


@pytest.mark.parametrize("assignment", per_assignment(ASSIGNMENTS))
def test_the_chapter_and_the_release_exist(assignment):
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = {chapter["file"] for part in toc["parts"] for chapter in part["chapters"]}
    assert assignment.chapter_path.is_file() and assignment.chapter in files
    assert f"exercises/{assignment.slug}/{assignment.release_path.stem}" in files
    release = nbformat.read(assignment.release_path, as_version=4).cells
    release_points = {cell.metadata["nbgrader"]["grade_id"]: float(cell.metadata["nbgrader"]["points"])
                      for cell in release if cell.metadata.get("nbgrader", {}).get("grade")}
    assert release_points == assignment.graded_points


@pytest.mark.parametrize("assignment", per_assignment(ASSIGNMENTS))
def test_the_checks_cover_every_exercise_and_the_notebook_calls_every_check(assignment):
    defined = {name for name in dir(assignment.checks) if name.startswith("check_")}
    for name in assignment.exercises:
        assert {f"check_{name}", f"check_{name}_edge_cases"} <= defined
    code = "\n".join(cell.source for cell in nbformat.read(assignment.solution_path, as_version=4).cells
                     if cell.cell_type == "code")
    assert set(re.findall(r"\b(check_\w+)\(", code)) == defined


SOLUTION_OR_HIDDEN_TESTS = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(?P<secret>.*?)### END \1", re.S)


@pytest.mark.parametrize("assignment", per_assignment(ASSIGNMENTS))
def test_the_release_has_stubs_and_no_solutions_or_hidden_tests(assignment):
    # the committed release is what nbgrader generates (tests/test_release_up_to_date.py)
    source = nbformat.read(assignment.solution_path, as_version=4).cells
    release = {cell.id: cell for cell in nbformat.read(assignment.release_path, as_version=4).cells}
    for cell in source:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            stub = "raise NotImplementedError()" if cell.cell_type == "code" else "YOUR ANSWER HERE"
            assert stub in release[cell.id].source, cell.id
        for secret in (match["secret"] for match in SOLUTION_OR_HIDDEN_TESTS.finditer(cell.source)):
            for line in (line.strip() for line in secret.splitlines() if len(line.strip()) >= 10):
                assert line not in release[cell.id].source, (cell.id, line)
    assert "### BEGIN" not in assignment.release_path.read_text()


@pytest.mark.parametrize("assignment", per_assignment(ASSIGNMENTS))
def test_the_release_keeps_the_provided_code(assignment):
    # what lies outside the solution and hidden-test regions (a class's given __init__, the provided step
    # rules) reaches the student as written; a solution cell without regions is a stub as a whole
    release = {cell.id: cell for cell in nbformat.read(assignment.release_path, as_version=4).cells}
    for cell in nbformat.read(assignment.solution_path, as_version=4).cells:
        provided = SOLUTION_OR_HIDDEN_TESTS.sub("", cell.source)
        if cell.metadata.get("nbgrader", {}).get("solution") and provided == cell.source:
            continue
        for line in (line for line in provided.splitlines() if line.strip()):
            assert line in release[cell.id].source, (cell.id, line)


# === the solution and other correct implementations pass ============================================

@pytest.mark.parametrize("assignment, name", per_exercise(WITH_EXERCISES))
def test_visible_check_passes_on_solution(assignment, name):
    functions = [getattr(solution(assignment), f) for f in assignment.exercise(name).functions]
    topic_checks(assignment).visible(name)(*functions)


@pytest.mark.parametrize("assignment, name, seed", per_seed(WITH_EXERCISES))
def test_hidden_check_passes_on_solution(assignment, name, seed):
    functions = [getattr(solution(assignment), f) for f in assignment.exercise(name).functions]
    topic_checks(assignment).hidden(name, seed)(*functions)


@pytest.mark.parametrize("assignment, name, functions", per_case("CORRECT_VARIANTS"))
def test_checks_pass_on_other_correct_implementations(assignment, name, functions):
    checks = topic_checks(assignment)
    checks.visible(name)(*as_tuple(functions))
    for seed in (None, *other_seeds(assignment)):
        checks.hidden(name, seed)(*as_tuple(functions))


# === known-wrong implementations fail, naming their mistake ==========================================

@pytest.mark.parametrize("assignment, name, wrong, visible, hidden", per_case("WRONG"))
def test_visible_check_on_wrong_implementation(assignment, name, wrong, visible, hidden):
    assert_outcome(topic_checks(assignment).visible(name), visible, *as_tuple(wrong))


@pytest.mark.parametrize("assignment, name, wrong, visible, hidden", per_case("WRONG"))
def test_hidden_check_on_wrong_implementation(assignment, name, wrong, visible, hidden):
    assert_fails_as(topic_checks(assignment).hidden(name), hidden, *as_tuple(wrong))


@pytest.mark.parametrize("assignment", per_assignment(WITH_WRONG))
def test_the_self_check_catches_every_wrong_implementation(assignment):
    # every requirement the exercise states is exercised by the visible check on its own inputs: no
    # wrong implementation passes the self-check to fail only when graded
    assert visible_passes(known(assignment).WRONG) == []


@pytest.mark.parametrize("assignment", per_assignment(WITH_WRONG))
def test_every_exercise_has_at_least_two_wrong_implementations(assignment):
    counts = {name: sum(case.values[0] == name for case in known(assignment).WRONG) for name in assignment.exercises}
    assert min(counts.values()) >= 2, counts


@pytest.mark.parametrize("assignment", per_assignment(WITH_WRONG))
def test_every_hint_of_the_topic_is_named_by_some_wrong_implementation(assignment):
    named = {expect.mistake for case in known(assignment).WRONG for expect in case.values[2:]
             if isinstance(expect, Expect)}
    assert set(assignment.hints) <= named, set(assignment.hints) - named


# === broken in ways that have nothing to do with the maths ===========================================

@pytest.mark.parametrize("assignment, name, broken, says, kind", per_broken())
def test_checks_fail_on_broken_function(assignment, name, broken, says, kind):
    checks = topic_checks(assignment)
    check = checks.visible(name) if kind == "visible" else checks.hidden(name)
    message = failure_message(check, broken)
    assert any(text in message for text in ((says,) if isinstance(says, str) else says)), message
    assert "Likely mistake" not in message, message


@pytest.mark.parametrize("assignment, name", per_exercise(WITH_WRONG))
def test_checks_fail_on_something_not_callable(assignment, name):
    not_functions = (np.zeros(3),) * len(assignment.exercise(name).functions)
    message = failure_message(topic_checks(assignment).visible(name), *not_functions)
    assert "expected a function, got ndarray" in message, message


# === every seed (slow; last in this module: a topic's speed-up stays on until the module ends) =========

@pytest.fixture(scope="module")
def every_seed_speedup():
    """``enter(assignment)`` starts the topic's ``every_seed_speedup`` once, for the rest of the module."""
    with contextlib.ExitStack() as stack:
        entered = set()

        def enter(assignment):
            speedup = getattr(known(assignment), "every_seed_speedup", None)
            if speedup and assignment.slug not in entered:
                entered.add(assignment.slug)
                stack.enter_context(speedup())
        yield enter


@pytest.mark.parametrize("assignment, name, wrong, visible, hidden", per_case("WRONG"))
def test_hidden_check_fails_on_wrong_implementation_for_every_seed(every_seed_speedup, assignment, name, wrong,
                                                                  visible, hidden):
    every_seed_speedup(assignment)
    checks = topic_checks(assignment)
    assert_fails_for_every_seed(lambda seed: checks.hidden(name, seed), hidden, *as_tuple(wrong))
