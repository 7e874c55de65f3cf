"""Attacks on the grader that exhaust its resources or end the student's process, against assignment
02-softmax-cross-entropy: fork and memory bombs, endless loops, floods of output and of disk, exits.
What every attack must get, and how it is graded: tests/test_attacks.py.
"""
from __future__ import annotations

from dataclasses import replace

import pytest

from attack_course import (
    FULL,
    LOOP_LIMITS,
    SOFTMAX,
    WALL,
    assert_changes_nothing,
    grade,
    last_cell,
    points,
    solution,
    with_attack,
)
from autograder.grading.verdict import NotebookVerdict

pytestmark = pytest.mark.usefixtures("processes_left_behind")

# --- exhausting resources ------------------------------------------------------------------------

def _one_hot_cell_error(verdict: NotebookVerdict) -> str:
    """The message of test_one_hot when the attack ended the one_hot cell before its def."""
    return next(t for t in verdict.tests if t.grade_id == "test_one_hot").message


def test_fork_bomb_is_contained(course):
    attack = '''
import os
while True:
    os.fork()
'''
    verdict = grade(course, "fork_bomb", solution(course, {"one_hot": attack}))
    # the process limit stops the fork loop with an error (the children exit); grading goes on
    assert verdict.status == "graded" and points(verdict)["test_softmax_hidden"] == 2
    assert "one_hot raised BlockingIOError: [Errno 11]" in _one_hot_cell_error(verdict)


def test_memory_bomb_is_contained(course):
    attack = '''
hoard = []
while True:
    hoard.append(bytearray(1 << 26))
'''
    verdict = grade(course, "memory_bomb", solution(course, {"one_hot": attack}))
    # the memory limit ends that cell with MemoryError; what it hoarded stays, the grading goes on
    assert verdict.status == "graded" and points(verdict)["test_softmax_hidden"] == 2
    assert "one_hot raised MemoryError" in _one_hot_cell_error(verdict)


def test_memory_bomb_in_a_function_fails_its_tests(course, honest_wrong):
    softmax = '''
def softmax(y):
    return np.ones((1 << 20, 1 << 20))
'''
    verdict = grade(course, "memory_bomb_call", solution(course, {"softmax": softmax}))
    assert points(verdict) == points(honest_wrong)
    assert "MemoryError" in verdict.tests[0].message


@pytest.mark.parametrize("ignore_interrupt", [False, True])
def test_infinite_loop_in_a_cell_skips_that_cell(course, honest_wrong, ignore_interrupt):
    attack = ("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n" if ignore_interrupt else "")
    attack += "while True:\n    pass\n"
    verdict = grade(course, f"loop_{ignore_interrupt}", with_attack(course, attack, softmax=SOFTMAX),
                    limits=LOOP_LIMITS)
    # the sandbox is killed after WALL seconds and started again without that cell: no softmax
    assert_changes_nothing(verdict, honest_wrong, [f"softmax was skipped: it did not finish within {WALL:g} s"])
    assert "softmax was skipped" in verdict.tests[0].message
    assert verdict.seconds < 2 * WALL + 10


def test_infinite_loop_when_called_fails_those_tests(course):
    numerical_gradient = '''
def numerical_gradient(f, x, h=1e-5):
    while True:
        pass
'''
    verdict = grade(course, "loop_called", solution(course, {"numerical_gradient": numerical_gradient}),
                    limits=LOOP_LIMITS)
    # the release's last cell calls numerical_gradient: it is skipped too
    assert verdict.status == "graded" and verdict.score == FULL - 3
    assert verdict.flags == [f"{last_cell(course)} was skipped: it did not finish within {WALL:g} s"]
    lost = [t for t in verdict.tests if not t.passed]
    assert [t.grade_id for t in lost] == ["test_numerical_gradient", "test_numerical_gradient_hidden"]
    # the endless function costs one test's time: the hidden test does not call it again
    assert lost[0].message == f"your code did not finish within {WALL:g} s"
    assert lost[1].message == (f"your code did not finish: numerical_gradient did not finish within {WALL:g} s "
                               "in an earlier test, and was not run again")
    assert verdict.seconds < 3 * WALL + 20


def test_code_that_keeps_timing_out_is_ungradable_timeout(course):
    loop = "while True:\n    pass\n"
    limits = replace(LOOP_LIMITS, total_seconds=2 * WALL)
    verdict = grade(course, "loops", solution(course, {"softmax": loop, "one_hot": loop}), limits=limits)
    assert verdict.status == "ungradable"
    assert verdict.reason == f"timeout: grading took longer than {2 * WALL:g} s"
    assert verdict.flags == [f"softmax was skipped: it did not finish within {WALL:g} s"]
    assert verdict.score == 0 and all(t.message == f"not graded: {verdict.reason}" for t in verdict.tests)


def test_flood_of_output_is_drained(course):
    attack = '''
for _ in range(100):
    print("flood " * 200_000)
'''
    verdict = grade(course, "flood", with_attack(course, attack, softmax=SOFTMAX))
    assert verdict.status == "graded" and verdict.score == FULL


def test_disk_flood_is_limited(course):
    attack = '''
for i in range(20):
    with open(f"/tmp/fill{i}", "wb") as f:
        f.write(b"x" * (1 << 20))
'''
    verdict = grade(course, "disk_flood", solution(course, {"one_hot": attack}))
    assert verdict.status == "graded" and points(verdict)["test_softmax_hidden"] == 2
    assert "one_hot raised OSError: [Errno 28] No space left on device" in _one_hot_cell_error(verdict)


# --- ending the process ----------------------------------------------------------------------------

@pytest.mark.parametrize("ending", ["import sys\nsys.exit(1)", "raise KeyboardInterrupt", "raise SystemExit"])
def test_exit_or_interrupt_in_a_cell_ends_that_cell_only(course, ending):
    verdict = grade(course, "exit_cell", with_attack(course, ending, softmax=SOFTMAX))
    assert verdict.status == "graded" and verdict.score == FULL  # as in Jupyter: the definitions stay


def test_os_exit_in_a_cell_skips_that_cell(course, honest_wrong):
    verdict = grade(course, "os_exit_cell", with_attack(course, "import os\nos._exit(3)", softmax=SOFTMAX))
    assert_changes_nothing(verdict, honest_wrong, ["softmax was skipped: it ended its process (exit status 3)"])


def test_exits_inside_a_function_fail_its_tests(course, honest_wrong):
    softmax = '''
import os, sys
def softmax(y):
    if y.shape == (4, 5):
        sys.exit(0)
    os._exit(0)
'''
    verdict = grade(course, "exit_call", solution(course, {"softmax": softmax}))
    assert_changes_nothing(verdict, honest_wrong,
                           [f"{last_cell(course)} was skipped: it ended its process (exit status 0)"])
    assert "raised SystemExit" in verdict.tests[0].message
    # the hidden test: not the exit status, which the code chose after seeing the hidden input
    assert verdict.tests[1].message == "your code ended its process"


def test_breaking_the_runner_after_the_cells_is_ungradable_crash(course):
    attack = "import __main__\n__main__.shared_names = None\n"
    verdict = grade(course, "break_runner", with_attack(course, attack, softmax=SOFTMAX))
    assert verdict.status == "ungradable"
    assert verdict.reason == "crashed: the student's code ended its process (exit status 1) after its cells ran"


def test_forged_protocol_messages_fail_that_test(course, honest_wrong):
    softmax = '''
import os, struct, sys
def softmax(y):
    forged = b'{"op": "return", "value": {"$": "pickle"}}'
    os.write(int(sys.argv[2]), struct.pack("!QI", len(forged), len(forged)) + forged)
    return np.full(y.shape, 1.0 / y.shape[1])
'''
    verdict = grade(course, "forger", solution(course, {"softmax": softmax}))
    assert points(verdict) == points(honest_wrong)
    assert verdict.tests[0].message == "your code sent the grader an invalid answer (a value of an unknown kind)"
