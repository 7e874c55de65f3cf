"""The plain-data protocol between the grader and the student's process (autograder.grading.rpc,
plain_data and wire), with both endpoints in this process: the "student" side is served by a thread.
"""
from __future__ import annotations

import json
import os
import struct
import threading
import time

import numpy as np
import pytest

from autograder.grading.rpc import (
    HIDDEN_MESSAGE,
    Channel,
    Endpoint,
    PeerClosed,
    PeerTimeout,
    ProtocolError,
)

# --- the protocol, both ends in this process ---------------------------------------------------------


class Pair:
    """A grader endpoint and a student endpoint on two pipes; the student side serves in a thread
    the functions handed to it, which the grader gets as RemoteFunctions in ``functions``."""

    def __init__(self, **functions):
        to_student, to_grader = os.pipe(), os.pipe()
        self.grader = Endpoint(Channel(to_grader[0], to_student[1], 1 << 20), export_objects=True,
                               forget_exports=True)
        self.student = Endpoint(Channel(to_student[0], to_grader[1], 1 << 20), catch=BaseException)
        self.student.send("ready", functions)
        self.grader.deadline = time.monotonic() + 10
        _, self.functions = self.grader.expect("ready")
        self.thread = threading.Thread(target=self.student.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.grader.channel.close()
        self.thread.join(timeout=5)
        self.student.channel.close()


@pytest.fixture
def pair():
    pairs = []

    def make(**functions):
        pairs.append(Pair(**functions))
        return pairs[-1].functions
    yield make
    for p in pairs:
        p.close()


def test_plain_data_crosses_with_dtypes_shapes_and_types_kept(pair):
    echo = pair(echo=lambda *args: args)["echo"]
    values = [None, True, 3, 2 ** 70, 1.5, float("inf"), "text", [1, [2.0]], (1, (2,)), {"a": 1, 2: (3,)},
              np.arange(6, dtype=np.int32).reshape(2, 3), np.ones((0, 3), dtype=np.float32),
              np.array([[1.0, 2.0], [3.0, 4.0]])[:, 0], np.asfortranarray(np.eye(3)), np.array(7.0),
              np.array([True, False]), np.array([1 + 2j]), np.array(["ab", "c"]),
              np.float32(1.5), np.int64(-3), np.bool_(True)]
    back = echo(*values)
    assert len(back) == len(values)
    for sent, got in zip(values, back):
        assert type(got) is type(sent)
        if isinstance(sent, (np.ndarray, np.generic)):
            assert got.dtype == sent.dtype and np.shape(got) == np.shape(sent)
            assert np.array_equal(got, sent)
        elif sent == sent:
            assert got == sent
    assert np.isnan(echo(float("nan"))[0])


def test_read_only_arrays_stay_read_only_and_aliases_stay_aliases(pair):
    inspect = pair(inspect=lambda a, b: (a is b, a.flags.writeable))["inspect"]
    x = np.arange(3.0)
    assert inspect(x, x) == (True, True)
    x.flags.writeable = False
    assert inspect(x, np.arange(3.0)) == (False, False)


def test_in_place_changes_are_copied_back(pair):
    def scale(x, params):
        x *= 2
        params["W"] -= 1
        return None
    scale = pair(scale=scale)["scale"]
    x, W, untouched = np.arange(3.0), np.ones((2, 2)), np.zeros(2)
    params = {"W": W, "b": untouched}
    assert scale(x, params) is None
    assert np.array_equal(x, [0.0, 2.0, 4.0]) and np.array_equal(W, np.zeros((2, 2)))
    assert params["W"] is W and np.array_equal(untouched, np.zeros(2))


def test_callbacks_run_on_the_calling_side_and_nest(pair):
    functions = pair(apply=lambda f, x: f(x) + 1, twice=lambda f, x: f(f(x)), inc=lambda v: v + 1)
    calls_here = []

    def double(v):
        calls_here.append(type(v))
        return v * 2
    assert functions["apply"](double, 5) == 11
    assert calls_here == [int]
    # the grader's callback calls the student's function again: three levels deep
    assert functions["twice"](lambda v: functions["inc"](v) * 10, 1) == 210
    # a student's function handed back to the student side is the student's own function again
    assert functions["apply"](functions["inc"], 1) == 3


class Velocity:
    """An object of the grader's that the student's code has no use for but to hand it back."""

    def __init__(self, value):
        self.value = value


def test_the_graders_own_objects_cross_as_handles_to_hand_back(pair):
    def minimize(step, x, num_steps):
        state = None
        for _ in range(num_steps):
            x, state = step(x, state)
        return x, repr(state["velocity"])

    def step(x, state):
        velocity = Velocity(0.0) if state is None else state["velocity"]
        assert type(velocity) is Velocity  # the grader's own object came back, not a copy
        velocity = Velocity(0.5 * velocity.value + x)
        return x - 0.1 * velocity.value, {"velocity": velocity}
    x, state_seen_by_student = pair(minimize=minimize)["minimize"](step, 1.0, 3)
    assert x == minimize(step, 1.0, 3)[0]  # as when called directly
    assert state_seen_by_student == "<remote Velocity object>"


def test_callbacks_are_forgotten_after_the_call(pair):
    kept = []

    def keep(f):
        kept.append(f)

    functions = pair(keep=keep, call_kept=lambda: kept[0](1))
    functions["keep"](lambda v: v)
    with pytest.raises(LookupError, match="no longer available"):
        functions["call_kept"]()


class MyError(Exception):
    pass


def _raise(error):
    raise error


def test_exceptions_cross_as_type_name_and_message(pair):
    errors = {"value": ValueError("bad value"), "mine": MyError("custom"), "exit": SystemExit(3),
              "interrupt": KeyboardInterrupt()}
    raise_ = pair(raise_=lambda kind: _raise(errors[kind]))["raise_"]
    with pytest.raises(ValueError, match="bad value"):
        raise_("value")
    with pytest.raises(Exception, match="custom") as info:
        raise_("mine")
    assert type(info.value).__name__ == "MyError" and type(info.value) is not MyError
    for kind, name in [("exit", "SystemExit"), ("interrupt", "KeyboardInterrupt")]:
        with pytest.raises(Exception) as info:  # an ordinary exception here: it cannot stop the grader
            raise_(kind)
        assert type(info.value).__name__ == name and isinstance(info.value, Exception)


def test_messages_are_hidden_on_request(pair):
    raise_ = pair(raise_=lambda: _raise(ValueError("the hidden input was 1234")))["raise_"]
    raise_._endpoint.hide_messages = True
    with pytest.raises(ValueError) as info:
        raise_()
    assert str(info.value) == HIDDEN_MESSAGE


class AlwaysEqual:
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("result, words", [
    (AlwaysEqual(), "an object of type AlwaysEqual"),
    (np.array([AlwaysEqual()]), "an array of dtype object"),
    ([1, {2: object()}], "an object of type object"),
])
def test_results_that_are_not_plain_data_are_refused(pair, result, words):
    give = pair(give=lambda: result)["give"]
    with pytest.raises(TypeError, match=words):
        give()


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)


def test_array_subclasses_arrive_as_plain_arrays(pair):
    give = pair(give=lambda: np.arange(1.0, 4.0).view(LyingArray))["give"]
    result = give()
    assert type(result) is np.ndarray and not (result == np.zeros(3)).any()


# --- what the grader accepts from the pipe ------------------------------------------------------------

@pytest.fixture
def raw():
    """A grader endpoint and the raw write end of the pipe it reads from."""
    to_grader, to_peer = os.pipe(), os.pipe()
    endpoint = Endpoint(Channel(to_grader[0], to_peer[1], 1 << 16))
    endpoint.deadline = time.monotonic() + 5
    yield endpoint, to_grader[1]
    endpoint.channel.close()
    for fd in (to_grader[1], to_peer[0]):
        os.close(fd)


def _frame(header: dict | bytes, data: bytes = b"") -> bytes:
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("!QI", len(text) + len(data), len(text)) + text + data


@pytest.mark.parametrize("frame, words", [
    (struct.pack("!QI", 1 << 40, 10), "more than the limit"),
    (_frame(b"{not json"), "not valid JSON"),
    (_frame(b"[1, 2]"), "not a JSON object"),
    (_frame({"op": "x", "value": {"$": "nd", "dtype": "|O", "shape": [1]}}, b"\0" * 8), "not plain data"),
    (_frame({"op": "x", "value": {"$": "nd", "dtype": "<f8", "shape": [1000]}}, b"\0" * 8), "fewer bytes"),
    (_frame({"op": "x", "value": {"$": "nd", "dtype": "<f8", "shape": [1]}}, b"\0" * 16), "left over"),
    (_frame({"op": "x", "value": {"$": "pickle", "data": "gASVAAAAAAAAAACMCGJ1aWx0aW5zlIwEZXZhbJSTlC4="}}),
     "unknown kind"),
    (_frame({"op": "x", "value": {"$": "yours", "id": 99}}), "unknown kind"),
    (_frame(b'{"op": "x", "value": ' + b"[" * 30_000 + b"]" * 30_000 + b"}"), "not valid JSON"),
])
def test_invalid_messages_are_refused(raw, frame, words):
    endpoint, write_fd = raw
    os.write(write_fd, frame)
    with pytest.raises(ProtocolError, match=words):
        endpoint.receive()


def test_silence_and_half_messages_time_out(raw):
    endpoint, write_fd = raw
    endpoint.deadline = time.monotonic() + 0.2
    started = time.monotonic()
    with pytest.raises(PeerTimeout):
        endpoint.receive()
    assert time.monotonic() - started < 2
    os.write(write_fd, _frame({"op": "x"})[:15])
    endpoint.deadline = time.monotonic() + 0.2
    with pytest.raises(PeerTimeout):
        endpoint.receive()


def test_closed_pipe_is_noticed():
    to_grader, to_peer = os.pipe(), os.pipe()
    endpoint = Endpoint(Channel(to_grader[0], to_peer[1], 1 << 16))
    endpoint.deadline = time.monotonic() + 5
    os.close(to_grader[1])
    with pytest.raises(PeerClosed):
        endpoint.receive()
    endpoint.channel.close()
    os.close(to_peer[0])
