"""Which values may cross the pipe, how they are encoded, and what decoding them may cost.

Only plain data crosses: ``None``, bools, ints, floats, strings, numpy arrays and scalars of numbers
or strings, and lists, tuples and dicts of those. A message's value is a JSON tree whose arrays are
tags (dtype, shape) for raw bytes that follow the JSON (see :mod:`autograder.grading.wire`). Nothing
is ever unpickled, so whatever the student's process sends, the grader gets ordinary Python and numpy
values: an object whose ``__eq__`` always returns True or an array subclass that lies cannot cross,
only the numbers in it. What is not plain data (a function, an object the grader lends) is left to
the endpoint (see :mod:`autograder.grading.rpc`), which sends a handle for it.

Whatever the student's process sends costs the grader a bounded amount of work: a message is decoded
only within the limits below (its size, nesting, number of values, integers, strings, dict keys). The
side that encodes refuses the same values (:class:`NotPlainData`), so an honest runner never sends
what the grader would refuse.

Dict keys must be strings, ints, floats, bools or None, and at most :data:`MAX_OTHER_KEYS` of them
per message may be other than strings: the hash of a string is randomised per process, but numbers,
tuples and numpy scalars can be chosen so that all keys collide, which makes building the dict take
time quadratic in its size.

A function may change the arrays it was called with: the side that ran it compares them with their
:func:`snapshot` and sends back the :func:`changed_arrays`, which the caller applies to its own arrays
(:func:`copy_back`).

In the sandbox this file is a module of the runner's package (see :mod:`autograder.grading.sandbox`),
so it imports only the standard library, numpy and the package's other modules, relatively.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .wire import ProtocolError

# Array dtypes that may cross: bool, signed and unsigned ints, floats, complex, bytes and str.
PLAIN_DTYPE_KINDS = "biufcSU"
MAX_NAME_CHARS = 100
# Limits on one message (see the module docstring); its arrays' bytes and its JSON part's size are
# limited by the Channel.
MAX_DEPTH = 64              # lists, tuples and dicts nested in each other
MAX_VALUES = 1 << 20        # values (containers, numbers, strings, arrays, functions)
MAX_STRING_CHARS = 1 << 20  # one string
MAX_INT_BITS = 1024         # one int (about the range of a float: arithmetic on it stays cheap)
MAX_OTHER_KEYS = 1000       # dict keys that are not strings
KEY_TYPES = (str, int, float, bool, type(None))


class NotPlainData(TypeError):
    """A value that cannot cross the pipe (an arbitrary object, an object array, ...)."""


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


class Encoder:
    """One message's value as a JSON tree, with the bytes of its arrays in ``blobs`` and the arrays
    themselves in ``sent``, in the order the other side numbers them (an array that appears twice is
    sent once).

    handle: the tree of a value that is not plain data (a handle the other side can call or give
        back), or raises :class:`NotPlainData`.
    """

    def __init__(self, handle: Callable[[Any], Any]):
        self.blobs: list[bytes] = []
        self.sent: list[np.ndarray] = []
        self._seen: dict[int, int] = {}  # id of an array sent -> its number
        self._tally = _Tally(NotPlainData)
        self._handle = handle

    def encode(self, value: Any, depth: int = 0) -> Any:
        if value is None or type(value) in (bool, int, float, str):
            self._tally.scalar(value, depth)
            return value
        if isinstance(value, np.generic):  # before float: np.float64 is a float subclass
            self._tally.value(depth)
            array = np.asarray(value)
            tag = _array_tag(array)
            self.blobs.append(array.tobytes())
            return {**tag, "scalar": True}
        # subclasses of the JSON types (a str or float that lies about itself) become the plain type
        if isinstance(value, (int, float, str)):
            plain = (int.__int__(value) if isinstance(value, int) else
                     float.__float__(value) if isinstance(value, float) else str.__str__(value))
            return self.encode(plain, depth)
        self._tally.value(depth)
        if isinstance(value, np.ndarray):
            if id(value) in self._seen:
                return {"$": "nd", "same": self._seen[id(value)]}
            self._seen[id(value)] = len(self.sent)
            self.sent.append(value)
            array = value.view(np.ndarray)
            tag = _array_tag(array)
            self.blobs.append(array.tobytes(order="C"))
            return {**tag, "ro": not value.flags.writeable}
        if isinstance(value, list):
            return [self.encode(v, depth + 1) for v in value]
        if isinstance(value, tuple):
            return {"$": "tuple", "v": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, dict):
            pairs = []
            for k, v in value.items():
                self._tally.key(k)
                pairs.append([self.encode(k, depth + 1), self.encode(v, depth + 1)])
            return {"$": "dict", "v": pairs}
        return self._handle(value)


class Decoder:
    """The values of one message from its JSON tree and its array bytes ``data``; the arrays decoded
    are appended to ``received``, numbered as the sender numbered them.

    handle: the value a tagged dict that is not plain data stands for (a handle the other side sent),
        or raises :class:`ProtocolError`.
    """

    def __init__(self, data: memoryview, handle: Callable[[dict], Any]):
        self.received: list[np.ndarray] = []
        self._data = data
        self._offset = 0  # where the next array's bytes start in data
        self._tally = _Tally(ProtocolError)
        self._handle = handle

    def decode(self, tree: Any, depth: int = 0) -> Any:
        if tree is None or isinstance(tree, (bool, int, float, str)):
            self._tally.scalar(tree, depth)
            return tree
        self._tally.value(depth)
        if isinstance(tree, list):
            return [self.decode(v, depth + 1) for v in tree]
        if not isinstance(tree, dict):
            raise ProtocolError("a value of an unknown kind")
        tag = tree.get("$")
        if tag == "tuple" and isinstance(tree.get("v"), list):
            return tuple(self.decode(v, depth + 1) for v in tree["v"])
        if tag == "dict" and isinstance(tree.get("v"), list):
            pairs = []
            for pair in tree["v"]:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise ProtocolError("a dict with an invalid entry")
                key = self.decode(pair[0], depth + 1)
                self._tally.key(key)
                pairs.append((key, self.decode(pair[1], depth + 1)))
            return dict(pairs)
        if tag == "nd" and "same" in tree:
            index = tree["same"]
            if not isinstance(index, int) or not 0 <= index < len(self.received):
                raise ProtocolError("a reference to an unknown array")
            return self.received[index]
        if tag == "nd":
            array = self._array(tree)
            if tree.get("scalar") is True:
                return array[()]
            array.flags.writeable = tree.get("ro") is not True
            self.received.append(array)
            return array
        return self._handle(tree)

    def check_all_read(self) -> None:
        """Fail unless the values decoded used all of the message's array bytes."""
        if self._offset != len(self._data):
            raise ProtocolError("a message with array bytes left over")

    def _array(self, tree: dict) -> np.ndarray:
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
        start, end = self._offset, self._offset + count * dtype.itemsize
        if end > len(self._data):
            raise ProtocolError("an array with fewer bytes than its shape needs")
        self._offset = end
        return np.frombuffer(self._data[start:end], dtype=dtype, count=count).reshape(shape).copy()


def _array_tag(array: np.ndarray) -> dict:
    if array.dtype.kind not in PLAIN_DTYPE_KINDS or array.dtype.fields is not None:
        raise NotPlainData(f"an array of dtype {array.dtype}; only arrays of numbers or strings can "
                           "be passed between the grader and the student's code")
    return {"$": "nd", "dtype": array.dtype.str, "shape": list(array.shape)}


def snapshot(arrays: list[np.ndarray]) -> list[tuple[tuple, bytes]]:
    """Each array's shape and bytes, to find later which ones a call changed in place."""
    return [(array.shape, array.tobytes()) for array in arrays]


def changed_arrays(received: list[np.ndarray], before: list[tuple[tuple, bytes]]) -> list:
    """[index, array] for each received array whose shape or bytes the call changed in place."""
    return [[i, array] for i, (array, (shape, data)) in enumerate(zip(received, before))
            if array.shape != shape or array.tobytes() != data]


def copy_back(changed: Any, sent: list[np.ndarray]) -> None:
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
