"""The processes of a run and the memory they take, from /proc: a session's live processes, and the
peak PSS and RSS of a process tree sampled while it runs (:class:`PeakMemory`)."""
from __future__ import annotations

import threading
from pathlib import Path

GIB = 1 << 30
SAMPLE_SECONDS = 0.2  # between two samples of a PeakMemory


def session_processes(session: int) -> list[str]:
    """Live (not zombie) processes of a session, from /proc: "<pid> <command line>"."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended meanwhile
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            found.append(f"{stat.parent.name} {command[:200]}")
    return found


def _parents() -> dict[int, int]:
    """pid -> parent pid of every live (not zombie) process, from /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except OSError:  # it ended meanwhile
            continue
        if state != "Z":
            parents[int(stat.parent.name)] = int(parent)
    return parents


def tree_memory(root: int) -> tuple[int, int]:
    """(PSS, RSS) in bytes, summed over process ``root`` and all its descendants, followed by parent pid
    (each sandbox runs in a session of its own). PSS, from /proc/<pid>/smaps_rollup, counts a page that
    n processes share as 1/n in each: the sum counts the workers' shared libraries once (and a little
    less where processes outside the tree share them too). RSS counts them in every process."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    pss = rss = 0
    tree = [root]
    while tree:
        pid = tree.pop()
        tree.extend(children.get(pid, ()))
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:  # it ended meanwhile, or a kernel thread
            continue
        fields = (line.partition(":") for line in rollup.splitlines()[1:])  # after the "[rollup]" line
        kib = {name: value.split()[0] for name, _, value in fields}
        pss, rss = pss + 1024 * int(kib.get("Pss", 0)), rss + 1024 * int(kib.get("Rss", 0))
    return pss, rss


class PeakMemory:
    """The largest :func:`tree_memory` of process ``pid``, sampled every ``interval`` seconds by a thread
    while the ``with`` block runs: ``peak_pss``, ``peak_rss`` (bytes, each its own largest sample)."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS):
        self.pid, self.interval = pid, interval
        self.peak_pss = self.peak_rss = self.samples = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.is_set():
            pss, rss = tree_memory(self.pid)
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            self.samples += 1
            self._done.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._done.set()
        self._thread.join()


def gib(n: int) -> str:
    return f"{n / GIB:.2f} GiB"
