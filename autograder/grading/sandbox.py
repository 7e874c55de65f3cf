"""The sandbox a student's code runs in: bubblewrap, an unprivileged uid, no network, resource limits.

:class:`Sandbox` starts :mod:`autograder.grading.student_runner` under bubblewrap (``bwrap``), with the
base Python interpreter (not the virtual environment's), in its own mount, PID, network, IPC and UTS
namespaces:

- files: an empty root with, read-only, ``/usr`` and the system library folders, and the base
  Python installation (its interpreter and standard library) with every site-packages folder of it
  hidden under an empty tmpfs; the virtual environment is not mounted. Its own site folder,
  ``/opt/cnn2/site`` (on ``PYTHONPATH``), holds numpy (with its compiled libraries, ``numpy.libs``) and
  ``cnn2_runner``: the runner and the protocol's modules, the grader's own files
  (``student_runner.py``, ``rpc.py``, ``plain_data.py`` and ``wire.py``). So ``torch``,
  ``autograder``, the grader's other packages and their files are not there at all: a student's code
  cannot import them, by any name, nor load their libraries by path. The grader refuses to start
  when torch or the package would be visible, as when a mounted folder would contain the notebooks.
- torch, for an assignment whose own code uses it (the capstone, ``with_torch``): the site folder also
  holds torch (and :data:`TORCH_PACKAGES`, which it imports), except torch's optimizers: its
  ``torch/optim`` holds only the base class ``Optimizer`` and ``lr_scheduler`` (see
  :mod:`autograder.grading.sandbox_torch_optim`), and the runner package gains
  :mod:`autograder.grading.torch_driver`, which runs the student's classes for the grader. The
  ``autograder`` package is never there. A fresh, size-limited tmpfs at ``/tmp`` is
  its working directory and the only place it can write; ``solutions/``, the gradebook, submissions
  and the rest of the course do not exist in there.
- user: ``setpriv`` switches to a uid/gid of its own (:data:`UID_BASE` + a slot no other live sandbox
  holds), with no groups, no capabilities and no way to gain privileges. A uid per sandbox matters:
  the process limit (RLIMIT_NPROC) counts all processes of a uid, so a fork bomb in one sandbox
  cannot starve the others; and root is exempt from it, which is also why bwrap's own user
  namespace (``--unshare-user --uid``) is not used: its processes would still be root to the kernel.
- network: a network namespace with only a loopback device that is down: no connection anywhere.
- limits (:class:`Limits`): the runner sets CPU time, address space, processes, file size and open
  files for itself before any student code runs; the grader enforces wall time on every answer it
  waits for, kills the whole PID namespace when it gives up, and keeps only the last
  ``output_bytes`` of what the sandbox prints (the rest is read and dropped).

Requires Linux, root, ``bwrap`` (Debian package ``bubblewrap``) and ``setpriv`` (util-linux).
"""
from __future__ import annotations

import importlib.util
import json
import os
import select
import shutil
import signal
import site
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy

from autograder.grading import plain_data, rpc, student_runner, wire
from autograder.grading.rpc import Channel, Endpoint, PeerLost, ProtocolError, RemoteFunction

INTERPRETER = Path(sys.base_exec_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
UID_BASE = 1_900_000_000  # sandbox uids are UID_BASE + slot; no real account should use this range
UID_SLOTS = 4096
SITE = "/opt/cnn2/site"  # the sandbox's only folder of packages: numpy and the runner
RUNNER_PACKAGE = "cnn2_runner"  # the runner's files appear as this package inside
START_SECONDS = 60.0  # from launch to the runner's hello (no student code runs before it)
OPEN_FILES = 256
# Address space torch's libraries take before any student code runs; a sandbox with torch gets it on
# top of Limits.memory_bytes.
TORCH_ADDRESS_SPACE = 1536 << 20
# What torch imports beyond the standard library, for `import torch` and a first Optimizer (torch._dynamo)
TORCH_PACKAGES = ("torch", "torchgen", "typing_extensions", "sympy", "mpmath")
SANDBOX_ENV = {
    "HOME": "/tmp", "PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONPATH": SITE,
    "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
    # one thread per BLAS/OpenMP pool: threads count against the process limit
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
}


@dataclass(frozen=True)
class Limits:
    """Resource limits for grading one notebook (defaults for real grading; tests use smaller ones)."""
    wall_seconds: float = 60.0      # each of the student's cells (nbgrader's cell timeout)
    # each test cell's calls of the student's code (honest code takes well under a second on the tests'
    # small inputs; the capstone's training run a few seconds)
    test_seconds: float = 30.0
    total_seconds: float = 600.0    # the whole notebook, restarts of the sandbox included
    cpu_seconds: int = 600          # CPU time per sandboxed process (RLIMIT_CPU)
    memory_bytes: int = 1 << 30     # address space per process (RLIMIT_AS)
    processes: int = 4              # processes and threads of the sandbox's uid (RLIMIT_NPROC)
    file_bytes: int = 16 << 20      # the largest file the student's code may write (RLIMIT_FSIZE)
    tmp_bytes: int = 64 << 20       # size of its /tmp (a tmpfs: all it can write)
    output_bytes: int = 64 << 10    # of what it prints, the last output_bytes are kept
    message_bytes: int = 64 << 20   # the largest message the grader accepts from it
    notebook_bytes: int = 32 << 20  # the largest submission file the grader reads


@dataclass
class CellsRun:
    """What running the student's code cells left: the names the test cells may use, and more."""
    values: dict = field(default_factory=dict)   # name -> RemoteFunction (a student's function) or plain data
    errors: dict = field(default_factory=dict)   # cell label -> (exception type, message)


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run on this machine (missing tool, not root, unsafe layout): no student
    code was run, and no verdict can be given until the set-up is fixed."""


def check_available() -> None:
    """Raise :class:`SandboxUnavailable`, saying what to do, unless a sandbox can start here."""
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable("the grading sandbox needs Linux (bubblewrap and namespaces)")
    if shutil.which("bwrap") is None:
        raise SandboxUnavailable("bubblewrap is not installed (`apt-get install -y bubblewrap`): "
                                 "students' code runs only inside its sandbox")
    if shutil.which("setpriv") is None:
        raise SandboxUnavailable("setpriv is not installed (Debian package util-linux)")
    if not INTERPRETER.is_file():
        raise SandboxUnavailable(f"the base Python interpreter {INTERPRETER} is missing: the sandbox runs it")
    if os.geteuid() != 0:
        raise SandboxUnavailable("grading must run as root: the sandbox switches the student's code "
                                 "to a uid of its own (e.g. run the grader in a container)")


class Sandbox:
    """One sandboxed student process, and the :class:`Endpoint` to talk to it (``endpoint``).

    private_paths: files the sandbox must not see (the source notebook, the submission); the sandbox
        refuses to start when a folder it mounts contains one of them.
    with_torch: torch is available to the student's code (without its optimizers), and the runner
        lends the grader :mod:`autograder.grading.torch_driver`'s functions.
    Use as a context manager, or call :meth:`close`: it kills every process of the sandbox.
    """

    def __init__(self, limits: Limits, private_paths: tuple[Path, ...] = (), with_torch: bool = False):
        check_available()
        self.limits, self.with_torch = limits, with_torch
        mounts = _mounts(with_torch)
        for private in private_paths:
            if _visible(Path(private), mounts):
                raise SandboxUnavailable(f"{private} would be visible inside the sandbox: keep course files "
                                         "outside /usr and the Python installation")
        for name in student_runner.unavailable_packages(with_torch):
            spec = importlib.util.find_spec(name)
            for location in (spec.submodule_search_locations or [spec.origin]) if spec else []:
                if _visible(Path(location), mounts):
                    raise SandboxUnavailable(f"{name} ({location}) would be visible inside the sandbox: install "
                                             "it outside /usr and the Python installation (a virtual environment)")
        self.uid, self._uid_claim = _claim_uid()
        self._output = bytearray()
        self._pidfd: int | None = None
        self.running: int | None = None
        to_runner, from_runner, info = os.pipe(), os.pipe(), os.pipe()
        command = self._command(mounts, to_runner[0], from_runner[1], info[1])
        try:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                            stderr=subprocess.STDOUT,
                                            pass_fds=(to_runner[0], from_runner[1], info[1]))
        finally:
            for fd in (to_runner[0], from_runner[1], info[1]):
                os.close(fd)
        self._drain = threading.Thread(target=self._keep_output_tail, daemon=True)
        self._drain.start()
        self.endpoint = Endpoint(Channel(from_runner[0], to_runner[1], limits.message_bytes),
                                 export_objects=True, forget_exports=True)
        try:
            self._pidfd = os.pidfd_open(_read_child_pid(info[0], time.monotonic() + START_SECONDS))
            self.endpoint.deadline = time.monotonic() + START_SECONDS
            self.endpoint.expect("hello")
        except (OSError, ValueError, PeerLost) as error:  # no student code has run yet
            self.close()
            raise SandboxUnavailable(f"the sandbox did not start ({error}); its output:\n"
                                     f"{self.output_tail()}") from None
        finally:
            os.close(info[0])

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def run_cells(self, cells: list[tuple[str, str]], cell_seconds: float, deadline: float) -> CellsRun:
        """Run the student's code cells, (label, code) in order, in one namespace, as a notebook
        does: each within ``cell_seconds``, all by ``deadline`` (time.monotonic()). Raises
        :class:`PeerLost` when the sandbox does not get through them; ``running`` is then the
        position in ``cells`` of the cell it was in (None: after the cells)."""
        def next_deadline():
            return min(time.monotonic() + cell_seconds, deadline)
        self.endpoint.deadline = next_deadline()
        self.endpoint.send("run", {"cells": [[label, student_runner.python_source(code)] for label, code in cells]})
        run = CellsRun()
        for position, (label, _) in enumerate(cells):
            self.running = position
            self.endpoint.deadline = next_deadline()
            _, report = self.endpoint.expect("cell")
            error = report.get("error") if isinstance(report, dict) else "?"
            if error is not None:
                if not (isinstance(error, list) and len(error) == 2 and all(isinstance(e, str) for e in error)):
                    raise ProtocolError("an invalid report of a cell")
                run.errors[label] = tuple(error)
        self.running = None
        self.endpoint.deadline = next_deadline()
        _, ready = self.endpoint.expect("ready")
        if not (isinstance(ready, dict) and isinstance(ready.get("values"), dict)
                and all(isinstance(k, str) for k in ready["values"])):
            raise ProtocolError("an invalid list of the names the cells defined")
        lent = ready.get("lent")
        expected = {"call_with_names", *(_torch_driver().FUNCTIONS if self.with_torch else ())}
        if not (isinstance(lent, dict) and set(lent) == expected
                and all(isinstance(f, RemoteFunction) for f in lent.values())):
            raise ProtocolError("the runner did not lend its functions")
        run.values = ready["values"]
        self.endpoint.lent = lent
        return run

    def output_tail(self) -> str:
        """The last ``output_bytes`` the sandbox printed (stdout and stderr)."""
        return self._output.decode(errors="replace")

    def how_it_ended(self) -> str:
        """After the pipe closed: how the student's process ended ("exit status 3", "killed by ...")."""
        try:
            status = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "it stopped answering"
        if status > 128 and status - 128 in signal.valid_signals():
            name = signal.Signals(status - 128).name
            why = {"SIGKILL": f" (its CPU-time limit is {self.limits.cpu_seconds} s)",
                   "SIGXFSZ": f" (it wrote a file larger than {self.limits.file_bytes} bytes)",
                   "SIGSEGV": " (a segmentation fault)"}.get(name, "")
            return f"killed by {name}{why}"
        return f"exit status {status}"

    def close(self) -> None:
        """Kill the sandbox's PID namespace (all its processes), wait until they are gone, and give
        its uid back."""
        if self._pidfd is not None:
            try:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass
            # readable once the namespace's first process has exited, i.e. after all the others
            select.select([self._pidfd], [], [], 10)
            os.close(self._pidfd)
            self._pidfd = None
        if self.process.poll() is None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._drain.join(timeout=5)
        self.endpoint.channel.close()
        self._uid_claim.close()

    def _keep_output_tail(self) -> None:
        keep = self.limits.output_bytes
        while chunk := self.process.stdout.read1(1 << 16):
            self._output += chunk
            del self._output[:-keep]
        self.process.stdout.close()

    def _command(self, mounts: list[list[str]], read_fd: int, write_fd: int,
                 info_fd: int) -> list[str]:
        memory = self.limits.memory_bytes + (TORCH_ADDRESS_SPACE if self.with_torch else 0)
        limits = {"cpu_seconds": self.limits.cpu_seconds, "memory_bytes": memory, "torch": self.with_torch,
                  "processes": self.limits.processes, "file_bytes": self.limits.file_bytes,
                  "open_files": OPEN_FILES, "message_bytes": self.limits.message_bytes}
        command = [shutil.which("bwrap"), "--unshare-ipc", "--unshare-pid", "--unshare-net",
                   "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session",
                   "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",  # for setpriv, which drops all
                   "--info-fd", str(info_fd), "--clearenv"]
        for name, value in SANDBOX_ENV.items():
            command += ["--setenv", name, value]
        # /tmp first: the mounts below may lie under /tmp (a virtual environment in a clone there)
        command += ["--proc", "/proc", "--dev", "/dev",
                    "--perms", "1777", "--size", str(self.limits.tmp_bytes), "--tmpfs", "/tmp"]
        # bwrap would create the folders above a mount point readable by root only
        parents = sorted({str(parent) for mount in mounts if mount[0] != "--tmpfs"
                          for parent in Path(mount[-1]).parents} - {"/"})
        for folder in parents:
            command += ["--perms", "0755", "--dir", folder]
        for mount in mounts:
            command += mount
        command += ["--chdir", "/tmp", "--", shutil.which("setpriv"), f"--reuid={self.uid}", f"--regid={self.uid}",
                    "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
                    str(INTERPRETER), "-s", "-m", f"{RUNNER_PACKAGE}.student_runner",
                    str(read_fd), str(write_fd), json.dumps(limits)]
        return command


def _mounts(with_torch: bool = False) -> list[list[str]]:
    """bwrap's options, in order, for what the sandbox sees of the machine, all read-only: /usr and the
    root's library and binary folders (or their /usr symlinks), the loader's cache, the base Python
    installation with its folders of packages hidden (:func:`_package_folders`), and :data:`SITE`
    (with torch but its optimizers when ``with_torch``)."""
    mounts = []
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            mounts.append(["--symlink", os.readlink(top), top])
        elif os.path.isdir(top):
            mounts.append(["--ro-bind", top, top])
    folders: list[Path] = [Path("/usr")]
    for prefix in {sys.base_prefix, sys.base_exec_prefix}:
        for path in (Path(prefix), Path(prefix).resolve()):
            if not any(path.is_relative_to(folder) for folder in folders):
                folders = [f for f in folders if not f.is_relative_to(path)] + [path]
    mounts += [["--ro-bind", str(folder), str(folder)] for folder in sorted(folders)]
    for name in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d"):
        if os.path.exists(name):
            mounts.append(["--ro-bind", name, name])
    mounts += [["--tmpfs", str(folder)] for folder in _package_folders(folders)]
    numpy_folder = Path(numpy.__file__).resolve().parent
    for folder in (numpy_folder, numpy_folder.with_name("numpy.libs")):
        if folder.is_dir():
            mounts.append(["--ro-bind", str(folder), f"{SITE}/{folder.name}"])
    runner_modules = [student_runner, rpc, plain_data, wire]
    if with_torch:
        mounts += _torch_mounts()
        runner_modules.append(_torch_driver())
    for module in runner_modules:
        file = Path(module.__file__).resolve()
        mounts.append(["--ro-bind", str(file), f"{SITE}/{RUNNER_PACKAGE}/{file.name}"])
    return mounts


def _torch_driver():
    """:mod:`autograder.grading.torch_driver`, imported only for a sandbox with torch: it imports torch,
    which every other ``cnn2`` command (collect, status, export, ...) should start without."""
    from autograder.grading import torch_driver
    return torch_driver


def _torch_mounts() -> list[list[str]]:
    """torch and what ``import torch`` imports (:data:`TORCH_PACKAGES`) in :data:`SITE`, with
    ``torch/optim`` replaced by the base class and the learning-rate schedulers under
    :mod:`autograder.grading.sandbox_torch_optim`."""
    from autograder.grading import sandbox_torch_optim  # imports torch: only for a sandbox with torch

    mounts = []
    for name in TORCH_PACKAGES:
        spec = importlib.util.find_spec(name)
        location = Path(spec.submodule_search_locations[0] if spec.submodule_search_locations else spec.origin)
        mounts.append(["--ro-bind", str(location.resolve()), f"{SITE}/{location.name}"])
    torch_folder = Path(importlib.util.find_spec("torch").origin).resolve().parent
    optim = f"{SITE}/torch/optim"
    mounts += [["--tmpfs", optim],
              ["--ro-bind", str(Path(sandbox_torch_optim.__file__).resolve()), f"{optim}/__init__.py"]]
    mounts += [["--ro-bind", str(torch_folder / "optim" / name), f"{optim}/{name}"]
               for name in sandbox_torch_optim.FILES]
    return mounts


def _package_folders(mounted: list[Path]) -> list[Path]:
    """The folders of installed packages (site-packages, dist-packages, and the grader's other
    ``sys.path`` folders beyond the standard library) that lie in a ``mounted`` folder."""
    stdlib = [Path(sysconfig.get_path(name)).resolve() for name in ("stdlib", "platstdlib")]
    candidates = [*site.getsitepackages([sys.base_prefix, sys.base_exec_prefix]), site.getusersitepackages(),
                  *sys.path]
    found = set()
    for candidate in filter(None, candidates):
        for path in (Path(candidate).absolute(), Path(candidate).resolve()):
            if (path.is_dir() and path not in stdlib and path.name != "lib-dynload"
                    and not any(folder.is_relative_to(path) for folder in stdlib)
                    and any(path.is_relative_to(folder) for folder in mounted)):
                found.add(path)
    return sorted(found)


def _visible(path: Path, mounts: list[list[str]]) -> bool:
    """Whether ``path`` of the grader's machine appears inside the sandbox (at any path)."""
    path = path.resolve()
    hidden = [Path(mount[1]) for mount in mounts if mount[0] == "--tmpfs"]
    return (any(path.is_relative_to(mount[1]) for mount in mounts if mount[0] == "--ro-bind")
            and not any(path.is_relative_to(folder) or path.is_relative_to(folder.resolve()) for folder in hidden))


def _claim_uid() -> tuple[int, socket.socket]:
    """A uid no other live sandbox on this machine uses, and the claim to close when done: an
    abstract Unix socket named after the slot, which the kernel frees when its process ends."""
    for slot in range(UID_SLOTS):
        claim = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            claim.bind(f"\0cnn2-grading-sandbox-uid-{slot}")
        except OSError:
            claim.close()
            continue
        return UID_BASE + slot, claim
    raise SandboxUnavailable(f"all {UID_SLOTS} sandbox uids are in use")


def _read_child_pid(fd: int, deadline: float) -> int:
    """bwrap's --info-fd JSON: the PID (in the grader's namespace) of the sandbox's first process."""
    data = b""
    while True:
        timeout = deadline - time.monotonic()
        if timeout <= 0 or not select.select([fd], [], [], timeout)[0]:
            raise ValueError("bwrap did not report its process id")
        chunk = os.read(fd, 4096)
        if not chunk:
            raise ValueError("bwrap ended before reporting its process id")
        data += chunk
        try:
            return int(json.loads(data)["child-pid"])
        except ValueError:
            continue
