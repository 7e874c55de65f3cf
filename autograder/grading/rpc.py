"""The wire protocol between the grader and the sandboxed student process: plain data and calls.

Both sides hold an :class:`Endpoint` on a pair of pipes. A message is a JSON object, framed by its
length, followed by the raw bytes of the numpy arrays it carries. Only plain data crosses: ``None``,
bools, ints, floats, strings, numpy arrays and scalars of numbers or strings, and lists, tuples and
dicts of those. Nothing is ever unpickled, so whatever the student's process sends, the grader gets
ordinary Python and numpy values: an object whose ``__eq__`` always returns True or an array subclass
that lies cannot cross, only the numbers in it.

A callable crossing the pipe stays on the side that owns it; the other side gets a
:class:`RemoteFunction` that calls it through the pipe (and the grader may lend any object of its own
as an opaque :class:`RemoteObject`, which the student's code can only hand back). So the grader calls the student's
``softmax`` in the sandbox, and when a check passes a function of its own (the ``f`` of
``numerical_gradient(f, x)``), the student's code calls back into the grader, which runs ``f`` and
answers; calls nest to any depth. Arrays a function changed in place are copied back to the caller's
arrays, so a check still sees a student's function modify its input.

Whatever the student's process sends costs the grader a bounded amount of work: a message is decoded
only within the limits below (its size, nesting, number of values, integers, strings, dict keys), and
a function of the grader's that the student's code calls runs under the caller's deadline. The side
that encodes refuses the same values (:class:`NotPlainData`), so an honest runner never sends what
the grader would refuse.

Dict keys must be strings, ints, floats, bools or None, and at most :data:`MAX_OTHER_KEYS` of them
per message may be other than strings: the hash of a string is randomised per process, but numbers,
tuples and numpy scalars can be chosen so that all keys collide, which makes building the dict take
time quadratic in its size.
"""
from __future__ import annotations

import builtins
import gc
import json
import os
import select
import signal
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

# Array dtypes that may cross: bool, signed and unsigned ints, floats, complex, bytes and str.
PLAIN_DTYPE_KINDS = "biufcSU"
HEADER = struct.Struct("!QI")  # frame length (JSON + array bytes), JSON length
MAX_NAME_CHARS = 100
MAX_MESSAGE_CHARS = 2000
# Limits on one message (see the module docstring); its arrays' bytes are limited by the Channel.
MAX_JSON_BYTES = 16 << 20   # the JSON part: decoding it takes up to about 25 bytes of memory per byte
MAX_DEPTH = 64              # lists, tuples and dicts nested in each other
MAX_VALUES = 1 << 20        # values (containers, numbers, strings, arrays, functions)
MAX_STRING_CHARS = 1 << 20  # one string
MAX_INT_BITS = 1024         # one int (about the range of a float: arithmetic on it stays cheap)
MAX_OTHER_KEYS = 1000       # dict keys that are not strings
KEY_TYPES = (str, int, float, bool, type(None))
HIDDEN_MESSAGE = "(its message is not shown for hidden tests)"


class PeerLost(BaseException):
    """The other side stopped answering properly: it ended, ran out of time or broke the protocol.

    A BaseException, like KeyboardInterrupt, so that a check's ``except Exception`` around a call of
    the student's function cannot swallow it: the grader must see it to stop that test.
    """


class PeerTimeout(PeerLost):
    """No complete answer before the deadline."""


class PeerClosed(PeerLost):
    """The other side closed its end of the pipe (its process ended)."""


class ProtocolError(PeerLost):
    """The other side sent something that is not a valid message."""


class OutOfMemory(BaseException):
    """This process ran out of memory during a call to the other side (decoding its answer, serving
    its calls). A BaseException, like PeerLost, so that a check's ``except Exception`` around a call of
    the student's function does not report it as the student's error: it is the grader's."""


class NotPlainData(TypeError):
    """A value that cannot cross the pipe (an arbitrary object, an object array, ...)."""


class Channel:
    """Framed messages over a pair of pipe file descriptors, with deadlines and a size limit.

    read_fd, write_fd: the pipe ends; max_bytes: the largest frame accepted.
    exit_if_forked: in the sandbox, a process forked by the student's code must never speak for the
        runner (its messages would interleave with the runner's), so it exits when it tries.
    """

    def __init__(self, read_fd: int, write_fd: int, max_bytes: int, exit_if_forked: bool = False):
        self.read_fd, self.write_fd, self.max_bytes = read_fd, write_fd, max_bytes
        self.owner_pid = os.getpid() if exit_if_forked else None
        os.set_blocking(read_fd, False)
        os.set_blocking(write_fd, False)

    def send(self, header: dict, blobs: list[bytes], deadline: float | None) -> None:
        if self.owner_pid is not None and os.getpid() != self.owner_pid:
            os._exit(0)
        text = json.dumps(header).encode()
        frame = HEADER.pack(len(text) + sum(len(b) for b in blobs), len(text))
        self._write_all(memoryview(b"".join([frame, text, *blobs])), deadline)

    def receive(self, deadline: float | None) -> tuple[dict, memoryview]:
        """The next message's JSON header and the array bytes that follow it."""
        total, text_length = HEADER.unpack(self._read_exactly(HEADER.size, deadline))
        if total > self.max_bytes or text_length > total:
            raise ProtocolError(f"a message of {total} bytes, more than the limit of {self.max_bytes}")
        if text_length > MAX_JSON_BYTES:
            raise ProtocolError(f"a message whose JSON part has {text_length} bytes, more than the limit "
                                f"of {MAX_JSON_BYTES}")
        body = self._read_exactly(total, deadline)
        collecting = gc.isenabled()
        gc.disable()  # JSON makes no reference cycles; collections over millions of new objects take seconds
        try:
            header = json.loads(body[:text_length].tobytes())
        except (ValueError, RecursionError) as error:
            raise ProtocolError(f"a message that is not valid JSON ({error})") from None
        finally:
            if collecting:
                gc.enable()
        if not isinstance(header, dict):
            raise ProtocolError("a message that is not a JSON object")
        return header, body[text_length:]

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass

    def _wait(self, fd: int, for_writing: bool, deadline: float | None) -> None:
        timeout = None if deadline is None else deadline - time.monotonic()
        if timeout is not None and timeout <= 0:
            raise PeerTimeout("no answer before the deadline")
        poller = select.poll()
        poller.register(fd, select.POLLOUT if for_writing else select.POLLIN)
        if not poller.poll(None if timeout is None else max(1, int(timeout * 1000))):
            raise PeerTimeout("no answer before the deadline")

    def _write_all(self, data: memoryview, deadline: float | None) -> None:
        while data:
            try:
                data = data[os.write(self.write_fd, data):]
            except BlockingIOError:
                self._wait(self.write_fd, True, deadline)
                continue
            except OSError as error:  # EPIPE: the reader is gone
                raise PeerClosed(f"the pipe is closed ({error.strerror})") from None

    def _read_exactly(self, size: int, deadline: float | None) -> memoryview:
        buffer = bytearray(size)
        view, got = memoryview(buffer), 0
        while got < size:
            try:
                n = os.readv(self.read_fd, [view[got:]])
            except BlockingIOError:
                self._wait(self.read_fd, False, deadline)
                continue
            if n == 0:
                raise PeerClosed("the pipe is closed")
            got += n
        return view


class _Tally:
    """What one message has used of its limits; raises ``error`` (NotPlainData when encoding,
    ProtocolError when decoding) at the first limit passed."""

    def __init__(self, error: type[Exception]):
        self.error = error
        self.values = 0
        self.other_keys = 0

    def value(self, depth: int) -> None:
        self.values += 1
        if self.values > MAX_VALUES:
            raise self.error(f"more than {MAX_VALUES} values in one message")
        if depth > MAX_DEPTH:
            raise self.error(f"values nested more than {MAX_DEPTH} deep")

    def scalar(self, value: Any, depth: int) -> None:
        """Count a JSON scalar (None, bool, int, float or str) and check its size."""
        self.value(depth)
        if type(value) is int and value.bit_length() > MAX_INT_BITS:
            raise self.error(f"an integer of more than {MAX_INT_BITS} bits")
        if type(value) is str and len(value) > MAX_STRING_CHARS:
            raise self.error(f"a string of {len(value)} characters, more than the limit of {MAX_STRING_CHARS}")

    def key(self, key: Any) -> None:
        if type(key) is str:
            return
        if type(key) not in KEY_TYPES:
            raise self.error(f"a dict key of type {type(key).__name__[:MAX_NAME_CHARS]} (keys must be "
                             "strings, ints, floats, bools or None)")
        self.other_keys += 1
        if self.other_keys > MAX_OTHER_KEYS:
            raise self.error(f"more than {MAX_OTHER_KEYS} dict keys that are not strings in one message")


class RemoteObject:
    """An object living on the other side of an endpoint: this side can only hand it back."""

    def __init__(self, endpoint: Endpoint, object_id: int, name: str):
        self._endpoint, self._id, self.__name__ = endpoint, object_id, name

    def __repr__(self) -> str:
        return f"<remote {self.__name__} object>"

    def lent(self, name: str) -> RemoteFunction | None:
        """The function the other side (this object's owner) lent this side under ``name`` when it
        started (see :mod:`autograder.grading.student_runner`), or None."""
        return self._endpoint.lent.get(name)


class RemoteFunction(RemoteObject):
    """A function living on the other side of an endpoint; calling it calls it there."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.call_as(self.__name__, args, kwargs)

    def call_as(self, name: str, args: tuple, kwargs: dict) -> Any:
        """Call it; a :class:`PeerTimeout` says in ``function`` which function did not finish: the
        innermost call's ``name``."""
        try:
            return self._endpoint.call(self._id, args, kwargs)
        except PeerTimeout as timeout:
            if getattr(timeout, "function", None) is None:
                timeout.function = name
            raise

    def with_names(self, names: dict[str, Callable]) -> Callable:
        """This function as called with ``names`` (this side's functions, e.g. the reference's
        ``cross_entropy``) bound in the other side's namespace during each call, through the
        ``call_with_names`` function the other side lent (see :mod:`autograder.grading.student_runner`).
        Without one, calling it is calling this function."""
        call_with_names = self.lent("call_with_names")
        if call_with_names is None:
            return self

        def call(*args: Any, **kwargs: Any) -> Any:
            return call_with_names.call_as(self.__name__, (names, self, list(args), kwargs), {})
        call.__name__ = self.__name__
        return call

    def __repr__(self) -> str:
        return f"<remote function {self.__name__}>"


class Endpoint:
    """One side of the conversation: sends calls, serves the other side's calls, encodes plain data.

    catch: the exceptions a served call reports back instead of letting them propagate: BaseException
        in the sandbox (a student's SystemExit is an answer too), Exception in the grader.
    export_objects: send a value that is not plain data as a handle the other side can only give
        back, instead of refusing it (set in the grader, whose values are trusted: a check's step
        rule keeps its state in torch tensors, which the student's code just passes on).
    forget_exports: the functions and objects this side lent are valid during one outermost call
        only (set in the grader, where checks pass throw-away lambdas).
    deadline: the time.monotonic() by which every answer must have arrived (None: wait forever), and
        by which a call this side serves must be done: in the main thread, SIGALRM stops it then with
        :class:`PeerTimeout` (in code that lets Python handle signals: a single numpy or torch
        operation runs to its end, which the limits on a message's size keep short).
    hide_messages: replace the message of every exception the other side reports, and the name of
        its type unless a built-in's (hidden tests).
    lent: the functions the other side lent by name when it started (the sandbox lends
        ``call_with_names(names, function, args, kwargs)``, which calls its ``function`` with ``names``
        bound in its namespace, and in the capstone the torch driver's functions).
    """

    def __init__(self, channel: Channel, *, catch: type[BaseException] = Exception,
                 export_objects: bool = False, forget_exports: bool = False):
        self.channel, self.catch = channel, catch
        self.export_objects, self.forget_exports = export_objects, forget_exports
        self.exports: dict[int, Callable] = {}
        self.deadline: float | None = None
        self.hide_messages = False
        self.lent: dict[str, RemoteFunction] = {}
        self._next_id = 0
        self._depth = 0
        self._serving = 0  # calls of the other side's being served, nested

    # --- messages -----------------------------------------------------------------------------------

    def send(self, op: str, value: Any = None, **fields: Any) -> list[np.ndarray]:
        """Send a message ``op`` with plain-data ``value`` and JSON ``fields``; returns the arrays
        sent, in the order the other side numbers them (for copying back in-place changes)."""
        tree, blobs, sent = self.pack(value)
        self.channel.send({"op": op, "value": tree, **fields}, blobs, self.deadline)
        return sent

    def receive(self) -> tuple[dict, Any, list[np.ndarray]]:
        """The next message: its JSON header, its decoded value, and the arrays decoded in it."""
        header, data = self.channel.receive(self.deadline)
        if not isinstance(header.get("op"), str):
            raise ProtocolError("a message without an operation")
        received: list[np.ndarray] = []
        offset = [0]
        try:
            value = self._decode(header.get("value"), data, offset, received, _Tally(ProtocolError), 0)
        except RecursionError:
            raise ProtocolError("a message nested too deeply") from None
        if offset[0] != len(data):
            raise ProtocolError("a message with array bytes left over")
        return header, value, received

    def expect(self, op: str) -> tuple[dict, Any]:
        """Receive the next message and fail unless it is ``op``."""
        header, value, _ = self.receive()
        if header["op"] != op:
            raise ProtocolError(f"a {_shown(header['op'])} message where {op!r} was expected")
        return header, value

    # --- calls -------------------------------------------------------------------------------------

    def call(self, fn_id: int, args: tuple, kwargs: dict) -> Any:
        """Call the other side's function ``fn_id``, serving its calls back until it answers."""
        self._depth += 1
        try:
            return self._call(fn_id, args, kwargs)
        except MemoryError:
            raise OutOfMemory("out of memory during a call to the other side") from None
        finally:
            self._depth -= 1
            if self._depth == 0 and self.forget_exports:
                self.exports.clear()

    def _call(self, fn_id: int, args: tuple, kwargs: dict) -> Any:
        sent = self.send("call", {"args": list(args), "kwargs": kwargs}, fn=fn_id)
        while True:
            header, value, received = self.receive()
            if header["op"] == "call":
                self.serve(header, value, received)
                continue
            if header["op"] not in ("return", "raise") or not isinstance(value, dict):
                raise ProtocolError(f"a {_shown(header['op'])} message while waiting for an answer")
            _copy_back(value.get("changed"), sent)
            if header["op"] == "return":
                return value.get("result")
            raise self._remote_exception(header.get("type"), header.get("message"))

    def serve(self, header: dict, value: Any, received: list[np.ndarray]) -> None:
        """Run one call the other side asked for and send back its result or exception.

        received: the arrays decoded in the call, numbered as the caller numbered them; those the
        function changes in place are sent back with the answer.
        """
        fn = self.exports.get(header.get("fn")) if isinstance(header.get("fn"), int) else None
        if fn is None:
            self.send("raise", {"changed": []}, type="LookupError",
                      message="that function is no longer available")
            return
        if not (isinstance(value, dict) and isinstance(value.get("args"), list)
                and isinstance(value.get("kwargs"), dict)):
            raise ProtocolError("a call without its arguments")
        before = _snapshot(received)
        name = getattr(fn, "__name__", "the function")
        try:
            result = self._within_deadline(fn, value["args"], value["kwargs"])
        except PeerLost:
            raise
        except self.catch as error:
            self._answer_exception(error, received, before)
            return
        try:
            packed = self.pack({"result": result, "changed": _changed_arrays(received, before)})
        except PeerLost:
            raise
        except NotPlainData as error:
            self._answer_exception(TypeError(f"{name} returned {error}"), received, before)
            return
        except self.catch as error:
            self._answer_exception(TypeError(f"{name} returned a value that could not be sent "
                                             f"({type(error).__name__})"), received, before)
            return
        tree, blobs, _ = packed
        self.channel.send({"op": "return", "value": tree}, blobs, self.deadline)

    def _within_deadline(self, fn: Callable, args: list, kwargs: dict) -> Any:
        """``fn(*args, **kwargs)``, stopped with PeerTimeout at ``deadline`` (see the class docstring).
        Nested calls run under the alarm the outermost one set."""
        if self.deadline is None or self._serving or threading.current_thread() is not threading.main_thread():
            return fn(*args, **kwargs)
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise PeerTimeout("no time left before the deadline to run the call")

        def stop(signum, frame):
            raise PeerTimeout("a call served for the other side ran past the deadline")
        previous = signal.signal(signal.SIGALRM, stop)
        signal.setitimer(signal.ITIMER_REAL, remaining)
        self._serving += 1
        try:
            return fn(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            self._serving -= 1

    def serve_forever(self) -> None:
        """Answer the other side's calls until it closes the pipe."""
        try:
            while True:
                header, value, received = self.receive()
                if header["op"] != "call":
                    raise ProtocolError(f"a {_shown(header['op'])} message where a call was expected")
                self.serve(header, value, received)
        except PeerClosed:
            return

    def _answer_exception(self, error: BaseException, received: list[np.ndarray], before: list) -> None:
        try:
            message = str(error)[:MAX_MESSAGE_CHARS]
        except Exception:  # a student's exception whose __str__ fails
            message = ""
        try:
            changed = _changed_arrays(received, before)
            self.pack(changed)
        except NotPlainData:
            changed = []
        self.send("raise", {"changed": changed}, type=type(error).__name__, message=message)

    def _remote_exception(self, type_name: Any, message: Any) -> Exception:
        """The other side's exception as a local one: built-in types keep their class (a check may
        expect a ValueError), others become an Exception subclass of the same name, or plain
        Exception with ``hide_messages`` (a name the student chose could spell out a hidden input).
        A SystemExit or KeyboardInterrupt from the student's code is thus an ordinary exception here."""
        name = type_name if isinstance(type_name, str) and type_name.isidentifier() else "Exception"
        name = name[:MAX_NAME_CHARS]
        text = HIDDEN_MESSAGE if self.hide_messages else str(message)[:MAX_MESSAGE_CHARS]
        cls = getattr(builtins, name, None)
        # not MemoryError itself: here that means that this process ran out of memory
        if isinstance(cls, type) and issubclass(cls, Exception) and not issubclass(cls, MemoryError):
            try:
                return cls(text)
            except Exception:  # built-ins whose constructor takes other arguments
                pass
        return Exception(text) if self.hide_messages else type(name, (Exception,), {})(text)

    # --- plain data ----------------------------------------------------------------------------------

    def pack(self, value: Any) -> tuple[Any, list[bytes], list[np.ndarray]]:
        """``value`` as a JSON tree, the bytes of its arrays, and the arrays in the order numbered."""
        blobs: list[bytes] = []
        sent: list[np.ndarray] = []
        return self._encode(value, blobs, sent, {}, _Tally(NotPlainData), 0), blobs, sent

    def _export(self, value: Any, tag: str) -> dict:
        """Lend ``value`` to the other side: it gets a handle (a function's handle can be called)."""
        self._next_id += 1
        self.exports[self._next_id] = value
        name = getattr(value, "__name__", None) if tag == "fn" else None
        name = name[:MAX_NAME_CHARS] if isinstance(name, str) else type(value).__name__[:MAX_NAME_CHARS]
        return {"$": tag, "id": self._next_id, "name": name}

    def _encode(self, value: Any, blobs: list[bytes], sent: list[np.ndarray], seen: dict, tally: _Tally,
                depth: int) -> Any:
        if value is None or type(value) in (bool, int, float, str):
            tally.scalar(value, depth)
            return value
        if isinstance(value, np.generic):  # before float: np.float64 is a float subclass
            tally.value(depth)
            array = np.asarray(value)
            tag = _array_tag(array)
            blobs.append(array.tobytes())
            return {**tag, "scalar": True}
        # subclasses of the JSON types (a str or float that lies about itself) become the plain type
        if isinstance(value, (int, float, str)):
            plain = (int.__int__(value) if isinstance(value, int) else
                     float.__float__(value) if isinstance(value, float) else str.__str__(value))
            return self._encode(plain, blobs, sent, seen, tally, depth)
        tally.value(depth)
        if isinstance(value, np.ndarray):
            if id(value) in seen:
                return {"$": "nd", "same": seen[id(value)]}
            seen[id(value)] = len(sent)
            sent.append(value)
            array = value.view(np.ndarray)
            tag = _array_tag(array)
            blobs.append(array.tobytes(order="C"))
            return {**tag, "ro": not value.flags.writeable}
        if isinstance(value, list):
            return [self._encode(v, blobs, sent, seen, tally, depth + 1) for v in value]
        if isinstance(value, tuple):
            return {"$": "tuple", "v": [self._encode(v, blobs, sent, seen, tally, depth + 1) for v in value]}
        if isinstance(value, dict):
            pairs = []
            for k, v in value.items():
                tally.key(k)
                pairs.append([self._encode(k, blobs, sent, seen, tally, depth + 1),
                              self._encode(v, blobs, sent, seen, tally, depth + 1)])
            return {"$": "dict", "v": pairs}
        if isinstance(value, RemoteObject) and value._endpoint is self:
            return {"$": "yours", "id": value._id}
        if callable(value):
            return self._export(value, "fn")
        if self.export_objects:
            return self._export(value, "obj")
        raise NotPlainData(f"an object of type {type(value).__name__}; only numbers, strings, numpy arrays "
                           "and lists, tuples and dicts of them can be passed between the grader and "
                           "the student's code")

    def _decode(self, tree: Any, data: memoryview, offset: list[int], received: list[np.ndarray],
                tally: _Tally, depth: int) -> Any:
        if tree is None or isinstance(tree, (bool, int, float, str)):
            tally.scalar(tree, depth)
            return tree
        tally.value(depth)
        if isinstance(tree, list):
            return [self._decode(v, data, offset, received, tally, depth + 1) for v in tree]
        if not isinstance(tree, dict):
            raise ProtocolError("a value of an unknown kind")
        tag = tree.get("$")
        if tag == "tuple" and isinstance(tree.get("v"), list):
            return tuple(self._decode(v, data, offset, received, tally, depth + 1) for v in tree["v"])
        if tag == "dict" and isinstance(tree.get("v"), list):
            pairs = []
            for pair in tree["v"]:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise ProtocolError("a dict with an invalid entry")
                key = self._decode(pair[0], data, offset, received, tally, depth + 1)
                tally.key(key)
                pairs.append((key, self._decode(pair[1], data, offset, received, tally, depth + 1)))
            return dict(pairs)
        if tag == "nd" and "same" in tree:
            index = tree["same"]
            if not isinstance(index, int) or not 0 <= index < len(received):
                raise ProtocolError("a reference to an unknown array")
            return received[index]
        if tag == "nd":
            array = _decode_array(tree, data, offset)
            if tree.get("scalar") is True:
                return array[()]
            array.flags.writeable = tree.get("ro") is not True
            received.append(array)
            return array
        if tag in ("fn", "obj") and isinstance(tree.get("id"), int) and isinstance(tree.get("name"), str):
            kind = RemoteFunction if tag == "fn" else RemoteObject
            return kind(self, tree["id"], tree["name"][:MAX_NAME_CHARS])
        if tag == "yours" and tree.get("id") in self.exports:
            return self.exports[tree["id"]]
        raise ProtocolError("a value of an unknown kind")


def _shown(text: Any) -> str:
    """The other side's ``text`` quoted for a message, at most MAX_NAME_CHARS of it."""
    return repr(text[:MAX_NAME_CHARS] if isinstance(text, str) else text)


def _array_tag(array: np.ndarray) -> dict:
    if array.dtype.kind not in PLAIN_DTYPE_KINDS or array.dtype.fields is not None:
        raise NotPlainData(f"an array of dtype {array.dtype}; only arrays of numbers or strings can "
                           "be passed between the grader and the student's code")
    return {"$": "nd", "dtype": array.dtype.str, "shape": list(array.shape)}


def _decode_array(tree: dict, data: memoryview, offset: list[int]) -> np.ndarray:
    """An array from its tag and the next bytes of ``data``; checks the sizes before allocating."""
    dtype_text, shape = tree.get("dtype"), tree.get("shape")
    if not (isinstance(dtype_text, str) and len(dtype_text) <= 16 and isinstance(shape, list)
            and len(shape) <= 32 and all(isinstance(n, int) and n >= 0 for n in shape)):
        raise ProtocolError("an array with an invalid dtype or shape")
    try:
        dtype = np.dtype(dtype_text)
    except TypeError:
        raise ProtocolError(f"an array of unknown dtype {dtype_text!r}") from None
    if dtype.kind not in PLAIN_DTYPE_KINDS or dtype.fields is not None or dtype.itemsize == 0:
        raise ProtocolError(f"an array of dtype {dtype}, which is not plain data")
    count = 1
    for n in shape:
        count *= n
    start, end = offset[0], offset[0] + count * dtype.itemsize
    if end > len(data):
        raise ProtocolError("an array with fewer bytes than its shape needs")
    offset[0] = end
    return np.frombuffer(data[start:end], dtype=dtype, count=count).reshape(shape).copy()


def _snapshot(arrays: list[np.ndarray]) -> list[tuple[tuple, bytes]]:
    return [(array.shape, array.tobytes()) for array in arrays]


def _changed_arrays(received: list[np.ndarray], before: list[tuple[tuple, bytes]]) -> list:
    """[index, array] for each received array whose shape or bytes the call changed in place."""
    return [[i, array] for i, (array, (shape, data)) in enumerate(zip(received, before))
            if array.shape != shape or array.tobytes() != data]


def _copy_back(changed: Any, sent: list[np.ndarray]) -> None:
    """Apply the other side's in-place changes to the arrays this side sent."""
    if not isinstance(changed, list):
        raise ProtocolError("an answer without its list of changed arrays")
    for item in changed:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], int)
                and 0 <= item[0] < len(sent) and isinstance(item[1], np.ndarray)):
            raise ProtocolError("an invalid changed-array entry")
        target, new = sent[item[0]], item[1]
        if not target.flags.writeable:
            continue
        if target.shape != new.shape and target.size == new.size:
            try:
                target.shape = new.shape
            except AttributeError:  # not contiguous: leave the shape
                continue
        if target.shape == new.shape:
            np.copyto(target, new, casting="unsafe")
