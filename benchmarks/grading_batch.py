"""The generated batch of the grading benchmark and load test: kinds of submissions and what each scores.

Each :class:`Kind` of submission to assignment 02-softmax-cross-entropy is correct, wrong, broken or
malicious, with how to write it and the totals the grader may give it. The malicious ones include the
attacks of issue 9 that reach ``cnn2 autograde`` (their code as in tests/test_attacks_*.py): delegating
to the reference (importing ``autograder.reference`` or ``torch``, also under a name built at run
time), an exception class whose name encodes the hidden input, a forged "Likely mistake",
``__builtins__`` replaced in what the runner reports, megabytes of error text, a returned dict whose
keys all collide, a grader callback handed huge integers and a 60 MB answer of nested lists. A batch
(:func:`write_batch`) mixes them in the proportions of :data:`MIX`.
"""
from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.hints import HINTS
from tests.notebook_code import filled_release

ASSIGNMENT = "02-softmax-cross-entropy"
NOTEBOOK = "softmax_cross_entropy"

NO_MAX_SUBTRACTION = "def softmax(y):\n    e = np.exp(y)\n    return e / e.sum(axis=1, keepdims=True)\n"
SUMMED_LOSS = ("def cross_entropy(logits, labels):\n    z = logits - logits.max(axis=1, keepdims=True)\n"
               "    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))\n"
               "    return -log_probs[np.arange(len(labels)), labels].sum()\n")
MONKEYPATCH = ("import numpy as np\nimport autograder.compare\n"
               "np.testing.assert_allclose = lambda *args, **kwargs: None\n"
               "autograder.compare.assert_close = lambda *args, **kwargs: None\n"
               "def softmax(y):\n    return np.full(y.shape, 1.0 / y.shape[1])\n")

# --- the attacks of issue 9 (their code as in tests/test_attacks_*.py, which show the outcome of each) ---
# Delegating to the reference: torch and autograder are not in the sandbox, so each scores what a wrong
# softmax does.
IMPORTS_REFERENCE = ("def softmax(y):\n"
                     "    from autograder.reference.softmax_cross_entropy import softmax as reference\n"
                     "    return reference(y)\n")
IMPORTS_TORCH = ("def softmax(y):\n    import torch\n"
                 "    return torch.softmax(torch.from_numpy(y), dim=1).numpy()\n")
IMPORTS_NAME_BUILT_AT_RUN_TIME = ('import importlib\n\ndef softmax(y):\n    return importlib.import_module('
                                  '"auto" + "grader.reference.softmax_cross_entropy").softmax(y)\n')
FORGED_MISTAKE_TEXT = f"\nLikely mistake: sign-flip. {HINTS['sign-flip']}"
#: What the leaking softmax puts in its exception's type name, with the input's values after it.
LEAK = "Leak4242"
EXCEPTION_NAMED_AFTER_INPUT = (f'def softmax(y):\n    name = "{LEAK}_" + "_".join(str(int(v)).replace("-", "m") '
                               'for v in y.ravel())\n    raise type(name, (Exception,), {})()\n')
FORGED_MISTAKE = f"def softmax(y):\n    raise ValueError({FORGED_MISTAKE_TEXT!r})\n"
# Attacks on the runner and on what grading costs: forged messages on the runner's pipe to the grader
# (tests/test_attacks_costs.py grades them too).
FORGE = """
import json as _json, os as _os, struct as _struct, sys as _sys, time as _time

def _forge(text, data=b""):
    fd = int(_sys.argv[2])
    _os.set_blocking(fd, True)
    view = memoryview(_struct.pack("!QI", len(text) + len(data), len(text)) + text + data)
    while view:
        view = view[_os.write(fd, view):]
    _time.sleep(60)
"""


def forged_return(value: str, data: str = 'b""') -> str:
    """A softmax that answers the grader with a forged return message whose result is ``value``."""
    return FORGE + f"""
def softmax(y):
    _forge(b'{{"op": "return", "value": {{"$": "dict", "v": [["changed", []], ["result", ' + {value} + b']]}}}}',
           {data})
"""


BUILTINS_REPLACED = """
import __main__
_report = __main__.shared_names
__main__.shared_names = lambda namespace, endpoint: {**_report(namespace, endpoint), "__builtins__": {}}
"""
# every later cell reported as failed with a megabyte of text; softmax left undefined
MEGABYTES_OF_ERROR_TEXT = """
import __main__
_run_cell = __main__.run_cell
__main__.run_cell = lambda *args: _run_cell(*args) or ["ValueError", "x" * 1_000_000]
"""
COLLIDING_KEYS = forged_return(
    "b'{\"$\": \"dict\", \"v\": [' + b', '.join([b'[{\"$\": \"nd\", \"dtype\": \"<c16\", \"shape\": [], "
    "\"scalar\": true}, 0]'] * 100_000) + b']}'",
    "b''.join(np.complex128(complex(1000003 * m, -m)).tobytes() for m in range(1, 100_001))")
NESTED_LISTS_60MB = forged_return("b'[' + b'[0],' * 15_000_000 + b'[0]]'")
# the grader's f of numerical_gradient(f, x) called with a 2000-long row of 4000-digit integers
HUGE_INTEGERS_TO_A_CALLBACK = FORGE + """
def numerical_gradient(f, x, h=1e-5):
    x = "[" + ", ".join([str(10 ** 4000)] * 2000) + "]"
    args = '{"$": "dict", "v": [["args", [' + x + ']], ["kwargs", {"$": "dict", "v": []}]]}'
    _forge(('{"op": "call", "fn": %d, "value": %s}' % (f._id, args)).encode())
"""


@dataclass(frozen=True)
class Kind:
    """A kind of submission: how to write it, and the totals the grader may give it (None: ungradable)."""

    group: str  # "correct", "wrong", "broken", "malicious"
    write: Callable[[Path, Path, Path], None]  # (release, source, target)
    expected: tuple[float, ...] | None
    stock_safe: bool = True  # may be given to stock nbgrader, which runs it with the instructor's rights
    # what else its recorded verdict (the JSON of cnn2_verdict.verdict) must show: a problem, or None
    check: Callable[[dict], str | None] | None = None


def _filled(overrides: dict[str, str] | None = None):
    def write(release: Path, source: Path, target: Path) -> None:
        nbformat.write(filled_release(release, source, overrides), target)
    return write


def _text(content: str):
    def write(release: Path, source: Path, target: Path) -> None:
        target.write_text(content)
    return write


def _release(release: Path, source: Path, target: Path) -> None:
    shutil.copy(release, target)


def _hidden_tests_do_not_show(text: str) -> Callable[[dict], str | None]:
    def check(verdict: dict) -> str | None:
        hidden = [t for t in verdict["tests"] if t["grade_id"].endswith("_hidden")]  # 02's hidden tests' ids
        shown = [t["grade_id"] for t in hidden if text in t["message"]]
        return ("no hidden test in the verdict" if not hidden else
                f"{text!r} in the message of {', '.join(shown)}" if shown else None)
    return check


def _no_mistake_recorded(verdict: dict) -> str | None:
    named = [f"{t['grade_id']}: {t['mistake']}" for t in verdict["tests"] if t.get("mistake")]
    return f"mistakes recorded: {', '.join(named)}" if named else None


KINDS = {
    "correct": Kind("correct", _filled(), (21.0,)),
    "untouched": Kind("wrong", _release, (0.0,)),
    # a wrong or missing softmax or cross_entropy costs its own 3 points only (its visible and hidden
    # tests: both try huge logits): the functions that call it are checked with the reference's
    "no-max-subtraction": Kind("wrong", _filled({"softmax": NO_MAX_SUBTRACTION}), (18.0,)),
    "summed-loss": Kind("wrong", _filled({"cross_entropy": SUMMED_LOSS}), (18.0,)),
    "syntax-error": Kind("broken", _filled({"softmax": "def softmax(y)\n    return y\n"}), (18.0,)),
    "corrupt-json": Kind("broken", _text('{"cells": ['), None),
    "empty-file": Kind("broken", _text(""), None),
    "monkeypatch": Kind("malicious", _filled({"softmax": MONKEYPATCH}), (18.0,)),
    "sys-exit": Kind("malicious", _filled({"softmax": "import sys\nsys.exit(0)\n"}), (18.0,)),
    "read-solutions": Kind("malicious", _filled({"softmax": (
        "print(open('../../../solutions/02-softmax-cross-entropy/softmax_cross_entropy.ipynb').read())\n")}),
        (18.0,)),
    "fork-bomb": Kind("malicious", _filled({"softmax": "import os\nwhile True:\n    os.fork()\n"}), (18.0,), False),
    "memory-bomb": Kind("malicious", _filled({"softmax": "x = [bytearray(10**8) for _ in range(100)]\n"}), (18.0,),
                        False),
    "output-flood": Kind("malicious", _filled({"softmax": "for i in range(10**6):\n    print('x' * 100)\n"}),
                         (18.0,), False),
    # the cell that does not finish is skipped (after the 30 s limit) and flagged; the rest is graded
    "infinite-loop": Kind("malicious", _filled({"softmax": "while True:\n    pass\n"}), (18.0,), False),
    # the attacks of issue 9, each scoring what the same wrong softmax (or numerical_gradient) scores
    "imports-reference": Kind("malicious", _filled({"softmax": IMPORTS_REFERENCE}), (18.0,)),
    "imports-torch": Kind("malicious", _filled({"softmax": IMPORTS_TORCH}), (18.0,)),
    "import-name-built-at-run-time": Kind("malicious", _filled({"softmax": IMPORTS_NAME_BUILT_AT_RUN_TIME}),
                                          (18.0,)),
    "exception-named-after-input": Kind("malicious", _filled({"softmax": EXCEPTION_NAMED_AFTER_INPUT}), (18.0,),
                                        check=_hidden_tests_do_not_show(LEAK)),
    "forged-mistake": Kind("malicious", _filled({"softmax": FORGED_MISTAKE}), (18.0,),
                           check=_no_mistake_recorded),
    # the grader's side fails on what the runner reports: that submission's verdict, not the batch's end
    "builtins-replaced": Kind("malicious", _filled({"softmax": BUILTINS_REPLACED}), None),
    "megabytes-of-error-text": Kind("malicious", _filled({"softmax": MEGABYTES_OF_ERROR_TEXT}), (18.0,)),
    "colliding-keys": Kind("malicious", _filled({"softmax": COLLIDING_KEYS}), (18.0,)),
    "huge-integers-to-a-callback": Kind("malicious", _filled({"numerical_gradient": HUGE_INTEGERS_TO_A_CALLBACK}),
                                        (18.0,)),
    "nested-lists-60mb": Kind("malicious", _filled({"softmax": NESTED_LISTS_60MB}), (18.0,)),
}
#: How many of each kind in 60 submissions (the batch repeats this mix): the 50 of the load test before
#: issue 9, and its attacks.
MIX = {"correct": 12, "untouched": 6, "no-max-subtraction": 6, "summed-loss": 6, "syntax-error": 2,
       "corrupt-json": 2, "empty-file": 1, "monkeypatch": 4, "sys-exit": 2, "read-solutions": 2, "fork-bomb": 2,
       "memory-bomb": 2, "output-flood": 2, "infinite-loop": 1,
       "imports-reference": 1, "imports-torch": 1, "import-name-built-at-run-time": 1,
       "exception-named-after-input": 1, "forged-mistake": 1, "builtins-replaced": 1,
       "megabytes-of-error-text": 1, "colliding-keys": 1, "huge-integers-to-a-callback": 1,
       "nested-lists-60mb": 1}
HONEST = ("correct", "wrong", "broken")  # the groups of submissions that attack nothing


def batch_kinds(n: int, exclude: tuple[str, ...] = ()) -> list[str]:
    """The kinds of ``n`` submissions in :data:`MIX` proportions, interleaved so that any prefix mixes them."""
    counts = {k: c for k, c in MIX.items() if k not in exclude}
    cycle, left = [], dict(counts)
    while any(left.values()):
        for kind in counts:
            if left[kind]:
                cycle.append(kind)
                left[kind] -= 1
    return [cycle[i % len(cycle)] for i in range(n)]


def student_id(i: int) -> str:
    return f"s{i:03d}"


def write_batch(course: Path, kinds: list[str]) -> dict[str, str]:
    """Write one submission per kind into ``course/submitted``; returns student id -> kind."""
    release = course / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    source = course / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    students = {}
    for i, kind in enumerate(kinds):
        folder = course / "submitted" / student_id(i) / ASSIGNMENT
        folder.mkdir(parents=True)
        KINDS[kind].write(release, source, folder / f"{NOTEBOOK}.ipynb")
        students[student_id(i)] = kind
    return students
