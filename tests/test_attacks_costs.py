"""Attacks on what grading costs the grader: submissions (made here) whose messages, callbacks and texts
would hold or starve a grading worker, or stop the batch.

Each attack gets its verdict within seconds (the job timeout is 600 s), the honest submission of the
same batch is graded in full, and the gradebook rows and the export stay small. The limits on one
message are tried on the protocol alone first, both ends in this process.
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import struct
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.grading import rpc
from autograder.grading.course import Course
from autograder.grading.export import grade_rows, write_csv
from autograder.grading.jobs import MAX_TEXT_CHARS
from autograder.grading.pipeline import autograde
from autograder.grading.records import verdict_records
from autograder.grading.rpc import Channel, Endpoint, PeerTimeout, ProtocolError
from autograder.grading.sandbox import Limits
from autograder.grading.verdict import grade_notebook
from autograder.grading.workers import OUT_OF_MEMORY_REASON
from benchmarks.grading_batch import FORGE, forged_return
from benchmarks.grading_runs import released_course
from notebook_code import filled_release

ASSIGNMENT = "02-softmax-cross-entropy"
NOTEBOOK = "softmax_cross_entropy"
FULL = 21.0
LIMITS = Limits(wall_seconds=3, test_seconds=3, total_seconds=60, cpu_seconds=60)
SECONDS = 30  # what one attack may cost, against the default job timeout of 600 s
ROW_CHARS = 64_000  # the most a verdict's row may hold

# --- the limits on one message, both ends in this process ------------------------------------------------


def _frame(text: bytes, data: bytes = b"") -> bytes:
    return struct.pack("!QI", len(text) + len(data), len(text)) + text + data


def _received(text: bytes, data: bytes = b""):
    """What a grader's endpoint makes of the message ``text`` (and array bytes ``data``)."""
    to_grader, to_peer = os.pipe(), os.pipe()
    endpoint = Endpoint(Channel(to_grader[0], to_peer[1], 64 << 20))
    endpoint.deadline = time.monotonic() + 20
    writer = threading.Thread(target=_write_all, args=(to_grader[1], _frame(text, data)), daemon=True)
    writer.start()
    try:
        return endpoint.receive()
    finally:
        endpoint.channel.close()
        os.close(to_peer[0])
        writer.join(timeout=20)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except BrokenPipeError:  # the reader refused the message before its end
        pass
    finally:
        os.close(fd)


def _message(value: str) -> bytes:
    return b'{"op": "return", "value": ' + value.encode() + b"}"


def _complex_keys(n: int) -> tuple[str, bytes]:
    """A dict of ``n`` numpy complex keys that all hash alike (hash(complex(1000003 m, -m)) == 0)."""
    key = '{"$": "nd", "dtype": "<c16", "shape": [], "scalar": true}'
    data = b"".join(np.complex128(complex(1000003 * m, -m)).tobytes() for m in range(1, n + 1))
    return '{"$": "dict", "v": [' + ", ".join(f"[{key}, 0]" for _ in range(n)) + "]}", data


@pytest.mark.parametrize("value, words", [
    ("[" + "[]," * 1_200_000 + "[]]", "more than 1048576 values"),
    ("[" * 70 + "]" * 70, "nested more than 64 deep"),
    (str(1 << 1024), "an integer of more than 1024 bits"),
    (json.dumps("x" * ((1 << 20) + 1)), "a string of 1048577 characters"),
    ('{"$": "dict", "v": [[[1, 2], 0]]}', "a dict key of type list"),
    ('{"$": "dict", "v": [' + ", ".join(f"[{i}.5, 0]" for i in range(1001)) + "]}",
     "more than 1000 dict keys that are not strings"),
])
def test_a_message_past_a_limit_is_refused_quickly(value, words):
    # this process's CPU time, not the wall clock: other processes loading the machine do not count
    started = time.process_time()
    with pytest.raises(ProtocolError, match=words):
        _received(_message(value))
    assert time.process_time() - started < 5


def test_keys_that_all_collide_are_refused_before_the_dict_is_built():
    value, data = _complex_keys(50_000)  # built, the dict would take about 10^9 comparisons
    started = time.process_time()
    with pytest.raises(ProtocolError, match="a dict key of type complex128"):
        _received(_message(value), data)
    assert time.process_time() - started < 5


def test_a_json_part_over_its_limit_is_refused_from_the_header():
    with pytest.raises(ProtocolError, match=f"more than the limit of {rpc.MAX_JSON_BYTES}"):
        _received(_message("[" + "0," * (rpc.MAX_JSON_BYTES // 2) + "0]"))


def test_the_sender_refuses_what_the_receiver_would():
    endpoint = Endpoint(Channel(*os.pipe(), 1 << 20))
    try:
        for value, words in [({np.float64(1.0): 0}, "dict key of type float64"), (1 << 1024, "more than 1024 bits"),
                             ({i: 0 for i in range(1001)}, "more than 1000 dict keys")]:
            with pytest.raises(rpc.NotPlainData, match=words):
                endpoint.pack(value)
        assert endpoint.pack({"a": [1, 2.5, None], 3: (True, "b")})[0] == {
            "$": "dict", "v": [["a", [1, 2.5, None]], [3, {"$": "tuple", "v": [True, "b"]}]]}
    finally:
        endpoint.channel.close()


def test_a_callback_of_the_grader_stops_at_the_deadline():
    """The student's function calls back a slow function of the grader's: the call ends at the test's
    deadline, not when the function is done."""
    to_student, to_grader = os.pipe(), os.pipe()
    grader = Endpoint(Channel(to_grader[0], to_student[1], 1 << 20), export_objects=True, forget_exports=True)
    student = Endpoint(Channel(to_student[0], to_grader[1], 1 << 20), catch=BaseException)
    student.send("ready", {"calls_back": lambda f: f()})
    grader.deadline = time.monotonic() + 10
    _, functions = grader.expect("ready")
    thread = threading.Thread(target=student.serve_forever, daemon=True)
    thread.start()

    def slow():
        while True:
            sum(range(1000))
    grader.deadline = time.monotonic() + 1
    started = time.monotonic()
    try:
        with pytest.raises(PeerTimeout, match="ran past the deadline"):
            functions["calls_back"](slow)
        assert time.monotonic() - started < 3
    finally:
        grader.channel.close()
        thread.join(timeout=5)
        student.channel.close()


# --- attacks graded in one batch (FORGE and forged_return are the load test's) -------------------------

ATTACKS = {
    # what the runner reports binds __builtins__ in the test cells' namespace
    "builtins_replaced": {"softmax": '''
import __main__
_report = __main__.shared_names
__main__.shared_names = lambda namespace, endpoint: {**_report(namespace, endpoint), "__builtins__": {}}
'''},
    # a cell's report quoting megabytes of text, for every later cell; softmax left undefined
    "huge_cell_errors": {"softmax": '''
import __main__
_run_cell = __main__.run_cell
__main__.run_cell = lambda *args: _run_cell(*args) or ["ValueError", "x" * 1_000_000]
'''},
    # a message whose operation is megabytes long, while the cells run
    "huge_operation": {"one_hot": FORGE + '\n_forge(_json.dumps({"op": "x" * 8_000_000}).encode())\n'},
    "colliding_keys": {"softmax": forged_return(
        "b'{\"$\": \"dict\", \"v\": [' + b', '.join([b'[{\"$\": \"nd\", \"dtype\": \"<c16\", \"shape\": [], "
        "\"scalar\": true}, 0]'] * 100_000) + b']}'",
        "b''.join(np.complex128(complex(1000003 * m, -m)).tobytes() for m in range(1, 100_001))")},
    "nested_lists": {"softmax": forged_return("b'[' + b'[],' * 5_000_000 + b'[]]'")},
    "nested_lists_60mb": {"softmax": forged_return("b'[' + b'[0],' * 15_000_000 + b'[0]]'")},
    # the grader's f of numerical_gradient(f, x) called with ints of 4000 digits
    "huge_integers_to_a_callback": {"numerical_gradient": FORGE + '''
def numerical_gradient(f, x, h=1e-5):
    x = "[" + ", ".join([str(10 ** 4000)] * 2000) + "]"
    args = '{"$": "dict", "v": [["args", [' + x + ']], ["kwargs", {"$": "dict", "v": []}]]}'
    _forge(('{"op": "call", "fn": %d, "value": %s}' % (f._id, args)).encode())
'''},
    # the grader's f called over and over
    "callback_loop": {"numerical_gradient": '''
def numerical_gradient(f, x, h=1e-5):
    while True:
        f(x)
'''},
}


def _submit(course: Path, student: str, overrides: dict[str, str] | None) -> None:
    release = course / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    source = course / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    path = course / "submitted" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(filled_release(release, source, overrides), path)


def _grade(course: Path, submissions: dict[str, dict | None], limits: Limits = LIMITS,
           **kwargs) -> tuple[dict, float]:
    """Autograde ``submissions`` (student -> solution overrides) with two workers under ``limits``; the
    recorded verdicts by student, and the seconds the run took."""
    for student, overrides in submissions.items():
        _submit(course, student, overrides)
    started = time.monotonic()
    run = autograde(Course.load(course), [ASSIGNMENT], grade=functools.partial(grade_notebook, limits=limits),
                    processes=2, progress=False, **kwargs)
    seconds = time.monotonic() - started
    assert not run.interrupted and run.errors == []
    with Course.load(course).gradebook() as gradebook:
        records = {r.student: (r.status, r.reason, r.verdict) for r in verdict_records(gradebook, ASSIGNMENT)}
    return records, seconds


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[Path, dict, float]:
    course = released_course(tmp_path_factory.mktemp("costs") / "course")
    records, seconds = _grade(course, {"honest": None, **ATTACKS})
    return course, records, seconds


def _details(records: dict, student: str) -> dict:
    verdict = records[student][2]
    assert len(verdict) < ROW_CHARS
    return json.loads(verdict)


def _messages(details: dict) -> dict[str, str]:
    return {test["grade_id"]: test["message"] for test in details["tests"]}


def test_every_submission_is_recorded_and_the_honest_one_graded_in_full(batch):
    course, records, seconds = batch
    assert set(records) == {"honest", *ATTACKS}
    honest = _details(records, "honest")
    assert honest["status"] == "graded" and honest["score"] == FULL
    assert all(_details(records, student)["seconds"] < SECONDS for student in records)


def test_the_export_stays_small(batch, tmp_path):
    course, _, _ = batch
    with Course.load(course).gradebook() as gradebook:
        rows = grade_rows(Course.load(course), gradebook, [ASSIGNMENT])
    write_csv(rows, tmp_path / "grades.csv")
    assert len(rows) == 14 * (1 + len(ATTACKS))
    assert (tmp_path / "grades.csv").stat().st_size < 200_000
    assert max(len(value) for row in rows for value in map(str, row.values())) <= MAX_TEXT_CHARS


def test_replacing_builtins_in_the_report_is_ungradable_with_the_reason(batch):
    _, records, _ = batch
    status, reason, _ = records["builtins_replaced"]
    assert status == "ungradable"
    assert reason == "grader error on this submission: ImportError: __import__ not found"


def test_megabytes_of_error_text_are_cut(batch):
    _, records, _ = batch
    details = _details(records, "huge_cell_errors")
    message = _messages(details)["test_softmax"]
    assert details["status"] == "graded" and details["score"] < FULL
    assert message.startswith("name 'softmax' is not defined: the submission's code does not define it")
    assert len(message) == MAX_TEXT_CHARS and message.endswith("xxx...")


def test_a_megabytes_long_operation_is_quoted_short_in_the_flag(batch):
    _, records, _ = batch
    details = _details(records, "huge_operation")
    assert details["status"] == "graded"
    [flag] = details["flags"]
    assert flag.startswith("one_hot was skipped: it sent the grader an invalid answer (a 'xxx")
    assert flag.endswith("message where 'cell' was expected)") and len(flag) < 300


@pytest.mark.parametrize("student, words", [
    ("colliding_keys", "a dict key of type complex128"),
    ("nested_lists", "more than 1048576 values in one message"),
    ("nested_lists_60mb", f"more than the limit of {rpc.MAX_JSON_BYTES}"),
])
def test_a_forged_answer_past_a_limit_fails_its_test(batch, student, words):
    _, records, _ = batch
    details = _details(records, student)
    message = _messages(details)["test_softmax"]
    assert details["status"] == "graded"
    assert message.startswith("your code sent the grader an invalid answer (") and words in message
    assert _messages(details)["test_softmax_hidden"] == "your code sent the grader an invalid answer"


@pytest.mark.parametrize("student, words", [
    ("huge_integers_to_a_callback", "sent the grader an invalid answer (an integer of more than 1024 bits)"),
    ("callback_loop", f"did not finish within {LIMITS.test_seconds:g} s"),
])
def test_a_callback_attack_fails_its_tests_in_the_tests_time(batch, student, words):
    _, records, _ = batch
    details = _details(records, student)
    messages = _messages(details)
    assert details["status"] == "graded" and details["score"] == FULL - 3
    assert words in messages["test_numerical_gradient"]
    assert messages["test_numerical_gradient_hidden"].startswith("your code ")


def test_running_the_grader_out_of_memory_is_ungradable_and_the_batch_goes_on(batch, tmp_path):
    """With a worker's memory capped at 300 MiB, decoding 14 MB of nested lists (about 400 MB) fails.

    Graded by a fresh process, as by ``cnn2 autograde``: the cap limits how far a worker's address space
    may grow, and workers forked from a process that has run many tests inherit free heap they could
    fill without growing at all."""
    course = tmp_path / "course"
    shutil.copytree(batch[0], course)  # its submissions are graded already: only the new ones are graded
    for student, overrides in {"capped_honest": None, "capped_nested_lists": ATTACKS["nested_lists"]}.items():
        _submit(course, student, overrides)
    # time enough to reach the memory cap on a busy machine: the cap, not the test's time, must stop it
    limits = replace(LIMITS, test_seconds=60)
    script = (f"import functools\n"
              f"from pathlib import Path\n"
              f"from autograder.grading.course import Course\n"
              f"from autograder.grading.pipeline import autograde\n"
              f"from autograder.grading.sandbox import Limits\n"
              f"from autograder.grading.verdict import grade_notebook\n"
              f"run = autograde(Course.load(Path({str(course)!r})), [{ASSIGNMENT!r}], processes=2, progress=False,\n"
              f"                grade=functools.partial(grade_notebook, limits={limits!r}),\n"
              f"                worker_memory_bytes=300 << 20)\n"
              f"assert not run.interrupted and run.errors == [], run.errors\n")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-2000:]
    with Course.load(course).gradebook() as gradebook:
        records = {r.student: (r.status, r.reason, r.verdict) for r in verdict_records(gradebook, ASSIGNMENT)}
    assert records["capped_nested_lists"][:2] == ("ungradable", OUT_OF_MEMORY_REASON)
    assert _details(records, "capped_honest")["score"] == FULL
    assert seconds < SECONDS
