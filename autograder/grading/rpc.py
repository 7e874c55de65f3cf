"""Calls between the grader and the sandboxed student process, over a pipe that carries only plain data.

Both sides hold an :class:`Endpoint` on a pair of pipes (a :class:`~autograder.grading.wire.Channel`).
A message is a JSON object, framed by its length, followed by the raw bytes of the numpy arrays it
carries (see :mod:`autograder.grading.wire`). Only plain data crosses, decoded within limits on what
it may cost (see :mod:`autograder.grading.plain_data`): nothing is ever unpickled.

A callable crossing the pipe stays on the side that owns it; the other side gets a
:class:`RemoteFunction` that calls it through the pipe (and the grader may lend any object of its own
as an opaque :class:`RemoteObject`, which the student's code can only hand back). So the grader calls the student's
``softmax`` in the sandbox, and when a check passes a function of its own (the ``f`` of
``numerical_gradient(f, x)``), the student's code calls back into the grader, which runs ``f`` and
answers; calls nest to any depth. Arrays a function changed in place are copied back to the caller's
arrays, so a check still sees a student's function modify its input. A function of the grader's that
the student's code calls runs under the caller's deadline.

The protocol's errors and limits are importable from here too (see ``__all__``). In the sandbox this
file is a module of the runner's package (see :mod:`autograder.grading.sandbox`), so it imports only
the standard library, numpy and the package's other modules, relatively.
"""
from __future__ import annotations

import builtins
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .plain_data import MAX_NAME_CHARS, Decoder, Encoder, NotPlainData, changed_arrays, copy_back, snapshot
from .wire import MAX_JSON_BYTES, Channel, PeerClosed, PeerLost, PeerTimeout, ProtocolError

__all__ = [
    "HIDDEN_MESSAGE", "MAX_JSON_BYTES", "MAX_MESSAGE_CHARS", "Channel", "Endpoint", "NotPlainData",
    "OutOfMemory", "PeerClosed", "PeerLost", "PeerTimeout", "ProtocolError", "RemoteFunction", "RemoteObject",
]

MAX_MESSAGE_CHARS = 2000
HIDDEN_MESSAGE = "(its message is not shown for hidden tests)"


class OutOfMemory(BaseException):
    """This process ran out of memory during a call to the other side (decoding its answer, serving
    its calls). A BaseException, like PeerLost, so that a check's ``except Exception`` around a call of
    the student's function does not report it as the student's error: it is the grader's."""


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
        decoder = Decoder(data, self._borrowed)
        try:
            value = decoder.decode(header.get("value"))
        except RecursionError:
            raise ProtocolError("a message nested too deeply") from None
        decoder.check_all_read()
        return header, value, decoder.received


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
            copy_back(value.get("changed"), sent)
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
        before = snapshot(received)
        name = getattr(fn, "__name__", "the function")
        try:
            result = self._within_deadline(fn, value["args"], value["kwargs"])
        except PeerLost:
            raise
        except self.catch as error:
            self._answer_exception(error, received, before)
            return
        try:
            packed = self.pack({"result": result, "changed": changed_arrays(received, before)})
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
            changed = changed_arrays(received, before)
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
        encoder = Encoder(self._lent_handle)
        tree = encoder.encode(value)
        return tree, encoder.blobs, encoder.sent

    def _export(self, value: Any, tag: str) -> dict:
        """Lend ``value`` to the other side: it gets a handle (a function's handle can be called)."""
        self._next_id += 1
        self.exports[self._next_id] = value
        name = getattr(value, "__name__", None) if tag == "fn" else None
        name = name[:MAX_NAME_CHARS] if isinstance(name, str) else type(value).__name__[:MAX_NAME_CHARS]
        return {"$": tag, "id": self._next_id, "name": name}

    def _lent_handle(self, value: Any) -> dict:
        """The tree of ``value``, which is not plain data: the other side's own object given back, or a
        handle to ``value`` lent (a function, or any object with ``export_objects``)."""
        if isinstance(value, RemoteObject) and value._endpoint is self:
            return {"$": "yours", "id": value._id}
        if callable(value):
            return self._export(value, "fn")
        if self.export_objects:
            return self._export(value, "obj")
        raise NotPlainData(f"an object of type {type(value).__name__}; only numbers, strings, numpy arrays "
                           "and lists, tuples and dicts of them can be passed between the grader and "
                           "the student's code")

    def _borrowed(self, tree: dict) -> Any:
        """What a handle in the other side's message stands for: a function or object it lent, or one
        of this side's given back."""
        tag = tree.get("$")
        if tag in ("fn", "obj") and isinstance(tree.get("id"), int) and isinstance(tree.get("name"), str):
            kind = RemoteFunction if tag == "fn" else RemoteObject
            return kind(self, tree["id"], tree["name"][:MAX_NAME_CHARS])
        if tag == "yours" and tree.get("id") in self.exports:
            return self.exports[tree["id"]]
        raise ProtocolError("a value of an unknown kind")


def _shown(text: Any) -> str:
    """The other side's ``text`` quoted for a message, at most MAX_NAME_CHARS of it."""
    return repr(text[:MAX_NAME_CHARS] if isinstance(text, str) else text)
