"""What runs inside the sandbox: the student's code cells, then the student's functions on request.

Started by :mod:`autograder.grading.sandbox` as ``python -m cnn2_runner.student_runner READ_FD WRITE_FD
LIMITS_JSON``: inside the sandbox this file and the protocol's three (:mod:`autograder.grading.rpc`,
``plain_data`` and ``wire``) are all there is of the course's code (a package ``cnn2_runner`` of these four
files, beside numpy), so it imports nothing else of ``autograder``. Nor can the student's code: ``torch``
and ``autograder`` are not there, and importing them fails with a message saying so (:data:`NOT_AVAILABLE`).
In the capstone's sandbox (``"torch"`` in its limits) torch is there, without its optimizers, and the
package holds :mod:`autograder.grading.torch_driver` too, which the runner prepares before any student code
runs. It lowers its own resource limits, says ``hello``, receives the code cells to run (``run``), runs them
one by one as a notebook would (an exception ends that cell, not the run, and is reported), reports after
each cell (``cell``), then reports the names the cells defined (``ready``) and lends the grader functions of
its own (``lent``: ``call_with_names``, and the torch driver's), and answers calls of the student's
functions until the grader closes the pipe. Through ``call_with_names`` the grader calls a student's
function with the reference's versions of other functions bound in the notebook's namespace (a check of
``linear_softmax_loss_and_grads`` lends the reference ``cross_entropy``), so that a mistake in one function
costs only that function's tests.

Nothing here is trusted by the grader: the student's code runs in this process and may change
anything in it; what comes out is only plain data (see :mod:`autograder.grading.rpc`). The grader turns
IPython syntax into Python (:func:`python_source`) before it sends the cells: IPython is not in the
sandbox either.
"""
from __future__ import annotations

import ast
import builtins
import json
import resource
import sys
import types

from .rpc import Channel, Endpoint, NotPlainData

MAX_SHARED_BYTES = 1 << 20  # a global variable larger than this is not sent to the grader
# Set aside at start and freed when a cell runs out of memory: a cell that keeps what it hoarded
# (a global list) would otherwise leave the runner no memory to report and answer calls with.
MEMORY_RESERVE_BYTES = 32 << 20
MAX_ERROR_CHARS = 500
# Cell magics whose body is still Python that the student meant to run (%%time, ...).
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
# What the student's code cannot import when graded; importing it fails saying so.
UNAVAILABLE_PACKAGES = ("torch", "autograder")
NOT_AVAILABLE = ("torch and autograder are not available when graded "
                 "(only Python's standard library and numpy are)")
NOT_AVAILABLE_WITH_TORCH = ("autograder and torch's optimizers are not available when graded "
                            "(Python's standard library, numpy and the rest of torch are)")


def unavailable_packages(with_torch: bool) -> tuple[str, ...]:
    """The packages the student's code cannot import in a sandbox with or without torch."""
    return tuple(name for name in UNAVAILABLE_PACKAGES if not (with_torch and name == "torch"))


def python_source(code: str) -> str:
    """The Python a notebook cell's code means: IPython syntax (``%magic``, ``!shell``) turned into
    calls of ``get_ipython()``, as IPython itself does, the body of a cell magic that runs Python
    (``%%time``) included; plain Python is returned unchanged. Runs in the grader, where IPython is."""
    try:
        compile(code, "<cell>", "exec")
        return code
    except SyntaxError:
        if not any(line.lstrip().startswith(("%", "!")) for line in code.splitlines()):
            return code
    from IPython.core.inputtransformer2 import TransformerManager  # only here: it takes 0.1 s to import
    source = TransformerManager().transform_cell(code)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    bodies = [call.args[2] for call in ast.walk(tree)
              if isinstance(call, ast.Call) and getattr(call.func, "attr", None) == "run_cell_magic"
              and len(call.args) == 3 and all(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                              for a in call.args) and call.args[0].value in PYTHON_CELL_MAGICS]
    for body in bodies:
        body.value = python_source(body.value)
    return ast.unparse(tree) if bodies else source


class NoShell:
    """``get_ipython()`` for transformed cells: there is no IPython shell in the sandbox, so line
    magics and shell commands do nothing; the body of a timing or capturing cell magic still runs
    (already plain Python: see :func:`python_source`)."""

    def __init__(self, namespace: dict):
        self.namespace = namespace

    def run_line_magic(self, name: str, line: str, _stack_depth: int = 1) -> None:
        return None

    def run_cell_magic(self, name: str, line: str, cell: str) -> None:
        if name in PYTHON_CELL_MAGICS:
            exec(compile(cell, f"<%%{name} cell>", "exec"), self.namespace)

    def system(self, command: str) -> None:
        return None

    def getoutput(self, command: str) -> list:
        return []


def limit_resources(limits: dict) -> None:
    """Lower this process's limits (soft = hard, so the student's code cannot raise them again)."""
    for name, value in [("RLIMIT_CPU", limits["cpu_seconds"]), ("RLIMIT_AS", limits["memory_bytes"]),
                        ("RLIMIT_NPROC", limits["processes"]), ("RLIMIT_FSIZE", limits["file_bytes"]),
                        ("RLIMIT_NOFILE", limits["open_files"]), ("RLIMIT_CORE", 0)]:
        resource.setrlimit(getattr(resource, name), (value, value))


def run_cell(code: str, label: str, namespace: dict) -> list[str] | None:
    """Run one cell in ``namespace``; None, or [exception type, message] if it raised."""
    try:
        exec(compile(code, f"<{label}>", "exec"), namespace)
    except BaseException as error:  # SystemExit and KeyboardInterrupt end the cell, as in Jupyter
        try:
            return [type(error).__name__, str(error)[:MAX_ERROR_CHARS]]
        except Exception:  # an exception whose __str__ fails
            return [type(error).__name__, ""]
    return None


def shared_names(namespace: dict, endpoint: Endpoint) -> dict:
    """What the grader may bind for the test cells: public names bound to functions (sent as
    callable handles) or to plain data of at most MAX_SHARED_BYTES."""
    values = {}
    for name, value in list(namespace.items()):
        if name.startswith("_") or name == "get_ipython" or isinstance(value, types.ModuleType):
            continue
        if not callable(value):
            try:
                _, blobs, _ = endpoint.pack(value)
            except (NotPlainData, RecursionError, ValueError):
                continue
            if sum(len(b) for b in blobs) > MAX_SHARED_BYTES:
                continue
        values[name] = value
    return values


def calling_with_names(namespace: dict):
    """``call_with_names(names, function, args, kwargs)``: call ``function(*args, **kwargs)`` with
    ``names`` (name -> the grader's function) bound in ``namespace`` meanwhile, then restored."""
    def call_with_names(names: dict, function, args: list, kwargs: dict):
        saved = {name: namespace[name] for name in names if name in namespace}
        namespace.update(names)
        try:
            return function(*args, **kwargs)
        finally:
            for name in names:
                namespace.pop(name, None)
            namespace.update(saved)
    return call_with_names


class NotAvailableWhenGraded:
    """The last finder of ``sys.meta_path``: an import of torch or autograder (or, with torch, of one of
    torch's optimizer modules) that no other finder could satisfy (their files are not in the sandbox)
    fails saying why."""

    def __init__(self, with_torch: bool):
        self.packages = unavailable_packages(with_torch)
        self.message = NOT_AVAILABLE_WITH_TORCH if with_torch else NOT_AVAILABLE
        self.with_torch = with_torch

    def find_spec(self, name: str, path=None, target=None):
        if name.split(".")[0] in self.packages or (self.with_torch and name.startswith("torch.optim.")):
            raise ModuleNotFoundError(f"No module named {name!r}: {self.message}", name=name)
        return None


def main(argv: list[str]) -> None:
    read_fd, write_fd, limits = int(argv[1]), int(argv[2]), json.loads(argv[3])
    limit_resources(limits)
    sys.meta_path.append(NotAvailableWhenGraded(limits["torch"]))
    lent = {}
    if limits["torch"]:
        from . import torch_driver  # imports torch: only in the capstone's sandbox
        torch_driver.prepare_sandbox()
        lent.update(torch_driver.FUNCTIONS)
    endpoint = Endpoint(Channel(read_fd, write_fd, limits["message_bytes"], exit_if_forked=True),
                        catch=BaseException)
    endpoint.send("hello")
    _, request = endpoint.expect("run")
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    shell = NoShell(namespace)
    namespace["get_ipython"] = lambda: shell
    reserve = [bytearray(MEMORY_RESERVE_BYTES)]
    for label, code in request["cells"]:
        error = run_cell(code, label, namespace)
        if error and error[0] == "MemoryError":
            reserve.clear()
        endpoint.send("cell", {"label": label, "error": error})
    lent["call_with_names"] = calling_with_names(namespace)
    endpoint.send("ready", {"values": shared_names(namespace, endpoint), "lent": lent})
    endpoint.serve_forever()


if __name__ == "__main__":
    main(sys.argv)
