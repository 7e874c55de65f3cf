"""The bubblewrap sandbox: real sandboxes started and looked at from inside, through the values the
student's cells leave behind (``CellsRun.values``). The protocol they speak: tests/test_rpc.py.
"""
from __future__ import annotations

import errno
import importlib.machinery
import sys
import time
from pathlib import Path

import pytest

from autograder.grading import sandbox as sandbox_module
from autograder.grading.rpc import (
    PeerClosed,
    RemoteFunction,
)
from autograder.grading.sandbox import UID_BASE, UID_SLOTS, Limits, Sandbox, SandboxUnavailable
from autograder.grading.student_runner import python_source
from notebook_code import ROOT

# --- the sandbox ---------------------------------------------------------------------------------------

def processes_of(uid: int) -> set[tuple[str, str]]:
    """(pid, start time) of the processes running as ``uid``."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.parent.stat().st_uid == uid:
                found.add((stat.parent.name, stat.read_text().rsplit(")", 1)[1].split()[19]))
        except (OSError, IndexError):
            continue
    return found


LIMITS = Limits(wall_seconds=20, cpu_seconds=20, memory_bytes=1 << 30, processes=4, file_bytes=1 << 20,
                tmp_bytes=4 << 20, output_bytes=1000)


def inside(code: str, limits: Limits = LIMITS) -> dict:
    """The plain-data globals a cell of ``code`` leaves in a fresh sandbox."""
    with Sandbox(limits) as box:
        run = box.run_cells([("probe", code)], limits.wall_seconds, time.monotonic() + 60)
    assert run.errors == {}, run.errors
    return run.values


def test_runs_as_its_own_unprivileged_user():
    seen = inside('''
import os
uid, gid, groups = os.getuid(), os.getgid(), os.getgroups()
status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
caps, no_new_privs = status["CapEff"].strip(), status["NoNewPrivs"].strip()
try:
    os.setuid(0)
    became_root = True
except PermissionError:
    became_root = False
''')
    assert UID_BASE <= seen["uid"] < UID_BASE + UID_SLOTS and seen["gid"] == seen["uid"]
    assert seen["groups"] == [] and int(seen["caps"], 16) == 0 and seen["no_new_privs"] == "1"
    assert seen["became_root"] is False


def test_sees_only_python_numpy_and_the_runner_read_only():
    seen = inside(f'''
import os, site, sys
cwd, root = os.getcwd(), sorted(os.listdir("/"))
course_visible = os.path.exists({str(ROOT / "solutions")!r}) or os.path.exists({str(ROOT / "tests")!r})
venv_visible = os.path.exists({sys.prefix!r})
beside_python = os.listdir(os.path.dirname(sys.prefix))
site_packages = {{path: os.listdir(path) for path in site.getsitepackages() if os.path.isdir(path)}}
own_site, runner = sorted(os.listdir("/opt/cnn2/site")), sorted(os.listdir("/opt/cnn2/site/cnn2_runner"))
outcomes = {{}}
for path in ["/opt/cnn2/site/x", "/opt/cnn2/site/cnn2_runner/rpc.py", "/opt/cnn2/site/numpy/x",
             *[p + "/x" for p in site_packages], sys.prefix + "/x", "/usr/x", "/x", "/tmp/x", "/dev/shm/x"]:
    try:
        open(path, "a").close()
        outcomes[path] = "written"
    except OSError as error:
        outcomes[path] = error.errno
''')
    assert seen["cwd"] == "/tmp" and seen["course_visible"] is False and seen["venv_visible"] is False
    assert seen["beside_python"] == [Path(sys.base_prefix).name]
    assert seen["site_packages"] and all(listing == [] for listing in seen["site_packages"].values())
    assert set(seen["own_site"]) - {"numpy.libs"} == {"cnn2_runner", "numpy"}
    assert seen["runner"] == ["plain_data.py", "rpc.py", "student_runner.py", "wire.py"]
    outcomes = seen["outcomes"]
    assert outcomes.pop("/tmp/x") == "written"
    assert set(outcomes.values()) <= {errno.EROFS, errno.EACCES}


def test_imports_nothing_but_the_standard_library_numpy_and_the_runner():
    seen = inside('''
import os, pkgutil, sys, sysconfig
stdlib = {sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib")}
beyond_stdlib = [path for path in sys.path if path not in stdlib and os.path.dirname(path) not in stdlib
                 or path.endswith("-packages")]
reachable = sorted(module.name for module in pkgutil.iter_modules(beyond_stdlib))
errors = {}
for name in ["torch", "autograder", "autograder.reference", "IPython", "scipy"]:
    try:
        __import__(name)
    except ImportError as error:
        errors[name] = str(error)
''')
    assert seen["reachable"] == ["numpy"]  # cnn2_runner, a namespace package, is not listed
    assert any(path.endswith("site-packages") for path in seen["beyond_stdlib"])
    assert set(seen["errors"]) == {"torch", "autograder", "autograder.reference", "IPython", "scipy"}
    assert "torch and autograder are not available when graded" in seen["errors"]["autograder.reference"]
    assert seen["errors"]["scipy"] == "No module named 'scipy'"


def test_cell_magics_arrive_as_plain_python():
    cell = "%%time\n%timeit 1\nx = 1"
    source = python_source(cell)
    compile(source, "<cell>", "exec")
    assert "%" not in source.replace("%%time", "") and "run_line_magic('timeit', '1')" in source
    with Sandbox(LIMITS) as box:
        run = box.run_cells([("magic", cell)], 20, time.monotonic() + 30)
    assert run.errors == {} and run.values["x"] == 1


def test_has_no_network():
    seen = inside('''
import socket
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2)
    outcome = "connected"
except OSError as error:
    outcome = error.errno
interfaces = [name for _, name in socket.if_nameindex()]
''')
    assert seen["outcome"] == errno.ENETUNREACH and seen["interfaces"] == ["lo"]


def test_resource_limits_hold():
    seen = inside('''
import os, resource, time
limits = {name: resource.getrlimit(getattr(resource, name))
          for name in ["RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_FSIZE"]}
children, fork_error = [], None
for _ in range(10):
    try:
        pid = os.fork()
    except OSError as error:
        fork_error = error.errno
        break
    if pid == 0:
        time.sleep(30)
    children.append(pid)
try:
    hoard = bytearray(2 << 30)
    memory_error = False
except MemoryError:
    memory_error = True
try:
    with open("big", "wb") as f:
        f.write(b"x" * (2 << 20))
    file_error = None
except OSError as error:
    file_error = error.errno
disk_error = None
for i in range(8):
    try:
        with open(f"part{i}", "wb") as f:
            f.write(b"x" * (900 << 10))
    except OSError as error:
        disk_error = error.errno
        break
''')
    assert seen["limits"] == {"RLIMIT_CPU": (20, 20), "RLIMIT_AS": (1 << 30, 1 << 30),
                              "RLIMIT_NPROC": (4, 4), "RLIMIT_FSIZE": (1 << 20, 1 << 20)}
    assert seen["fork_error"] == errno.EAGAIN and len(seen["children"]) == 3  # 4 processes in all
    assert seen["memory_error"] is True
    assert seen["file_error"] == errno.EFBIG and seen["disk_error"] == errno.ENOSPC


def test_cpu_time_limit_kills_and_says_so():
    with Sandbox(Limits(wall_seconds=20, cpu_seconds=1)) as box:
        with pytest.raises(PeerClosed):
            box.run_cells([("spin", "while True:\n    pass")], 20, time.monotonic() + 30)
        assert box.running == 0
        assert box.how_it_ended() == "killed by SIGKILL (its CPU-time limit is 1 s)"


def test_keeps_only_the_tail_of_the_output():
    with Sandbox(LIMITS) as box:
        box.run_cells([("flood", "import sys\nfor i in range(2000):\n    print('x' * 10_000)\n"
                                 "print('the end', flush=True)")], 20, time.monotonic() + 30)
        time.sleep(0.5)
        tail = box.output_tail()
    assert len(tail) <= LIMITS.output_bytes and tail.rstrip().endswith("the end")


def test_close_kills_every_process_of_the_sandbox():
    with Sandbox(LIMITS) as box:
        daemon = "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(600)\nready = True"
        box.run_cells([("daemon", daemon)], 20, time.monotonic() + 30)
        running = processes_of(box.uid)
    assert len(running) == 2  # the runner and its daemon child (bwrap's first process runs as root)
    assert not running & processes_of(box.uid)


def test_a_forked_child_cannot_speak_for_the_runner():
    with Sandbox(LIMITS) as box:
        run = box.run_cells([("fork", "import os\npid = os.fork()"), ("after", "def f(x):\n    return x + 1")],
                            20, time.monotonic() + 30)
        box.endpoint.deadline = time.monotonic() + 10
        assert run.values["pid"] != 0 and run.values["f"](1) == 2


def test_sandboxes_at_the_same_time_get_different_uids():
    with Sandbox(LIMITS) as first, Sandbox(LIMITS) as second:
        assert first.uid != second.uid


def test_refuses_to_mount_a_folder_holding_course_files():
    with pytest.raises(SandboxUnavailable, match="would be visible inside the sandbox"):
        Sandbox(LIMITS, private_paths=(Path(sys.base_prefix) / "solutions" / "notebook.ipynb",))


def test_refuses_to_start_where_torch_would_be_visible(monkeypatch):
    """torch installed in a folder the sandbox mounts and does not hide (/usr/lib/python3/dist-packages
    is hidden only when it is a site folder of the grader's Python)."""
    folder = "/usr/share/cnn2-test/torch"
    in_usr = importlib.machinery.ModuleSpec("torch", None, origin=f"{folder}/__init__.py", is_package=True)
    in_usr.submodule_search_locations = [folder]
    real_find_spec = sandbox_module.importlib.util.find_spec
    monkeypatch.setattr(sandbox_module.importlib.util, "find_spec",
                        lambda name, *args: in_usr if name == "torch" else real_find_spec(name, *args))
    with pytest.raises(SandboxUnavailable, match=f"^torch \\({folder}\\) would be visible inside the sandbox"):
        Sandbox(LIMITS)


def test_says_what_is_missing(monkeypatch):
    real_which = sandbox_module.shutil.which
    monkeypatch.setattr(sandbox_module.shutil, "which", lambda name: None if name == "bwrap" else real_which(name))
    with pytest.raises(SandboxUnavailable, match="apt-get install -y bubblewrap"):
        Sandbox(LIMITS)
    monkeypatch.undo()
    monkeypatch.setattr(sandbox_module.os, "geteuid", lambda: 1000)
    with pytest.raises(SandboxUnavailable, match="must run as root"):
        Sandbox(LIMITS)


def test_remote_functions_say_where_they_live():
    with Sandbox(LIMITS) as box:
        run = box.run_cells([("f", "def softmax(y):\n    return y")], 20, time.monotonic() + 30)
    assert isinstance(run.values["softmax"], RemoteFunction) and run.values["softmax"].__name__ == "softmax"
