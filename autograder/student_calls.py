"""Call a student's function for a check: a missing implementation or a crash is reported as a failed
check (:class:`autograder.compare.CheckFailure`, with the student's own line that raised), inputs must
come back unchanged, and a function that uses torch or autograder, which are not there when graded, gets
a warning. One mistake, one penalty: :func:`run_with_reference_helpers` checks a function with the
reference's versions of the earlier functions it calls.
"""
from __future__ import annotations

import inspect
import sys
import sysconfig
import traceback
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from autograder.compare import CheckFailure, assert_unchanged, fail

# Packages a student's numpy code cannot import when graded: the grading sandbox has Python's standard
# library and numpy only (see autograder.grading.sandbox).
NOT_AVAILABLE_WHEN_GRADED = ("torch", "autograder")
_warned: set = set()  # (id of a function, IPython cell run) already warned about


def _package(value: Any) -> str:
    """The top-level package a module, function, class or object comes from ("" if unknown)."""
    name = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
    return name.split(".")[0] if isinstance(name, str) else ""


def uses_unavailable_packages(function: Callable) -> bool:
    """Whether a function of the student's own kernel uses torch or autograder, which are not available
    when graded: it is one of their functions, or its code (nested functions included) imports them
    or reads a global or closure variable bound to one of their modules, functions, classes or
    objects. Advice for the self-checks only; grading does not rely on it. The grader's own wrappers
    (proxies of a sandboxed function, :func:`with_helpers`) are looked through or left alone."""
    function = inspect.unwrap(function)
    module = getattr(function, "__module__", None) or ""
    if _package(function) == "torch" or module.startswith("autograder.reference"):
        return True
    code, namespace = getattr(function, "__code__", None), getattr(function, "__globals__", None)
    if module.startswith("autograder.") or not isinstance(code, types.CodeType) or not isinstance(namespace, dict):
        return False
    names, codes = set(), [code]
    while codes:
        code = codes.pop()
        names |= set(code.co_names)
        codes += [constant for constant in code.co_consts if isinstance(constant, types.CodeType)]
    values = [namespace[name] for name in names if name in namespace]
    for cell in getattr(function, "__closure__", None) or ():
        try:
            values.append(cell.cell_contents)
        except ValueError:  # a free variable not assigned yet
            continue
    return (any(name.split(".")[0] in NOT_AVAILABLE_WHEN_GRADED for name in names)
            or any(_package(value) in NOT_AVAILABLE_WHEN_GRADED for value in values))


def _warn_if_unavailable_when_graded(function: Callable) -> None:
    """Print one line, once per function and notebook cell run, when ``function`` uses torch or
    autograder (:func:`uses_unavailable_packages`). Advice only: an object it cannot look into
    gets no line."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    try:
        function = inspect.unwrap(function)
        key = (id(function), getattr(shell, "execution_count", None))
        if key in _warned or not uses_unavailable_packages(function):
            return
    except Exception:  # a student's object that breaks inspection (a __wrapped__ loop, ...)
        return
    _warned.add(key)
    print(f"{getattr(function, '__name__', 'your function')} uses torch/autograder, which is not available "
          "when graded: this will fail when graded.")


NOT_IMPLEMENTED = "is not implemented yet (it raised NotImplementedError)."


def call_student(function: Callable, what: str, *args: Any, **kwargs: Any) -> Any:
    """Call a student's function; a missing implementation or a crash is reported as a failed check.
    A function that uses torch or autograder gets a warning line: it would fail when graded."""
    if not callable(function):
        fail(what, f"expected a function, got {type(function).__name__}.", requirement="expected a function.")
    _warn_if_unavailable_when_graded(function)
    try:
        with np.errstate(all="ignore"):  # overflow warnings would hide the message; NaNs are checked
            return function(*args, **kwargs)
    except NotImplementedError:
        failure = CheckFailure(what, NOT_IMPLEMENTED, requirement=NOT_IMPLEMENTED)
    except CheckFailure:
        raise
    except Exception as error:
        # on one line: the student's text cannot pass for lines of the grader's own
        text = " ".join(str(error).split())
        failure = CheckFailure(
            what, f"raised {type(error).__name__}" + (f": {text}" if text else ".") + _where_raised(error),
            requirement="raised an exception (its type and message are shown on visible tests only).")
    raise failure from None  # the student's exception is in the message; its chain would only repeat it


# Where the course's own code, the installed packages and the standard library live: frames there are
# not the student's.
_NOT_STUDENT_CODE = tuple(str(Path(folder).resolve()) for folder in (
    Path(__file__).parent, Path(np.__file__).parent.parent, sysconfig.get_paths()["stdlib"]))


def _where_raised(error: BaseException) -> str:
    """The line of the student's own code (a notebook cell, not numpy's or the course's) that raised
    ``error``, as "\n  in softmax, line 3: return e / e.sum(axis=1)"; "" when there is none (e.g. a
    function that runs in the grading sandbox)."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if not frame.filename.startswith(_NOT_STUDENT_CODE) and not frame.filename.startswith("<frozen")]
    if not frames:
        return ""
    frame = frames[-1]
    line = " ".join((frame.line or "").split())
    return f"\n  in {frame.name}, line {frame.lineno}" + (f": {line}" if line else "")


def call_unchanged(function: Callable, what: str, *args: Any, **kwargs: Any) -> Any:
    """Call a student's function like :func:`call_student`, and fail if it modified any ndarray
    among ``args`` in place."""
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    before = [a.copy() for a in arrays]
    result = call_student(function, what, *args, **kwargs)
    for original, after in zip(before, arrays):
        assert_unchanged(original, after, what)
    return result


# --- one mistake, one penalty: a function checked with the reference's versions of what it calls -----

@contextmanager
def names_bound(namespace: dict, names: Mapping[str, Any]) -> Iterator[None]:
    """Bind ``names`` in ``namespace`` (the globals of a student's notebook) while the block runs, then
    put back what was there before (and remove the names that were not)."""
    saved = {name: namespace[name] for name in names if name in namespace}
    namespace.update(names)
    try:
        yield
    finally:
        for name in names:
            namespace.pop(name, None)
        namespace.update(saved)


def with_helpers(function: Callable, helpers: Mapping[str, Callable]) -> Callable:
    """``function`` as called with ``helpers`` (name -> the reference's version) in place of the
    student's functions of those names, e.g. the reference ``cross_entropy`` for a student's
    ``linear_softmax_loss_and_grads`` that calls ``cross_entropy``.

    A function of the notebook's kernel gets the helpers bound in its globals during each call; a
    student's function in the grading sandbox (a proxy with ``with_names``) gets them bound there.
    Anything else is returned as it is.
    """
    if hasattr(function, "with_names"):
        return function.with_names(dict(helpers))
    namespace = getattr(function, "__globals__", None)
    if not callable(function) or not isinstance(namespace, dict):
        return function

    def call(*args: Any, **kwargs: Any) -> Any:
        with names_bound(namespace, helpers):
            return function(*args, **kwargs)
    call.__wrapped__ = function  # the student's function, for uses_unavailable_packages
    return call


def run_with_reference_helpers(check: Callable, function: Callable, helpers: Mapping[str, Callable],
                               *args: Any) -> None:
    """Run ``check(function, *args)`` so that a mistake in another function costs only that function's
    own tests: ``function`` is first called with the reference's ``helpers`` in place of the student's
    functions of those names (see :func:`with_helpers`). Should that fail, the check runs again with the
    student's own functions (a function that relies on its own helpers' internals, such as the layout
    of a cache, is right too) and passes if that passes; otherwise the first failure is raised, which
    is about ``function`` itself."""
    try:
        check(with_helpers(function, helpers), *args)
    except CheckFailure as with_reference:
        try:
            check(function, *args)
        except CheckFailure:
            raise with_reference from None
