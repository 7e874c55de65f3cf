"""Benchmark and load test: submissions per minute of ``cnn2 autograde`` and of stock ``nbgrader
autograde``, the peak memory of the whole ``cnn2 autograde``, and a run killed midway and resumed.

Builds a throw-away course (assignment 02-softmax-cross-entropy released by ``cnn2 release``) and a
generated batch of N submissions (default 300) mixing correct, wrong, broken and malicious notebooks
(:data:`KINDS`, in the proportions of :data:`MIX`). The malicious ones include the attacks of issue 9
that reach ``cnn2 autograde`` (their code as in tests/test_attacks_*.py): delegating to the reference
(importing ``autograder.reference`` or ``torch``, also under a name built at run time), an exception
class whose name encodes the hidden input, a forged "Likely mistake", ``__builtins__`` replaced in what
the runner reports, megabytes of error text, a returned dict whose keys all collide, a grader callback
handed huge integers and a 60 MB answer of nested lists. The attacks on ``cnn2 collect`` (symbolic
links, crafted LMS file names, zip paths, student ids) never reach autograde: they are in
tests/test_attacks_collect.py only. Then:

1. grades the batch with ``cnn2 autograde`` (as many worker processes as cores), uninterrupted, while
   the PSS and RSS of its whole process tree (main process, workers, sandboxes) are sampled every
   0.2 s: the peak is printed against the target of 2 GiB, with each run's exit status (0 or 1:
   done, README "exit status");
2. grades a copy with ``cnn2 autograde`` killed with SIGKILL halfway, then run again: checks that every
   submission was graded exactly once and that the totals equal those of run 1 and the expected score
   of each kind (for every honest student, and every attack: it earns what the same wrong code earns
   honestly, its texts are cut to their bounds, a hidden test shows no leaked input, no forged mistake
   is recorded);
3. grades the first M submissions (default 40; 0 skips this) that stock nbgrader can be given safely (no
   fork bomb, memory bomb, output flood or infinite loop: stock nbgrader runs them with the
   instructor's rights, or spends its 60 s cell timeout on each) with ``nbgrader autograde`` and with
   ``cnn2 autograde``, and prints both rates side by side with their ratio. The stock figure is
   measured on that subset only (nbgrader takes about 2.4 s per submission, one after another), and
   labelled so.

Times are medians of ``--repeats`` runs (default 3), each on a fresh copy of the batch, and include each
command's start-up, as an instructor sees them. On 2 cores the default run takes about 25 minutes
(``--repeats 1``: about 10). The batch is :mod:`benchmarks.grading_batch`'s, the runs and the checks
of their verdicts :mod:`benchmarks.grading_runs`'s, the memory samples
:mod:`benchmarks.process_memory`'s. Run it on an otherwise idle machine:

    python -m benchmarks.grading_throughput [--submissions 300] [--stock-submissions 40] [--processes N]
                                            [--repeats 3]
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.grading_batch import ASSIGNMENT, HONEST, KINDS, MIX, batch_kinds, write_batch
from benchmarks.grading_runs import (
    MEMORY_TARGET,
    measured_autograde,
    median_seconds,
    mismatches,
    released_course,
    start_autograde,
    stock_autograde,
    stop_after,
    totals,
    verdicts,
)
from benchmarks.process_memory import SAMPLE_SECONDS, gib


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--stock-submissions", type=int, default=40,
                        help="subset given to stock nbgrader (0: skip the comparison)")
    parser.add_argument("--processes", type=int, default=os.cpu_count(),
                        help="cnn2 worker processes (default: the number of cores)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each pipeline (median)")
    args = parser.parse_args()
    unsafe = tuple(k for k, kind in KINDS.items() if not kind.stock_safe)
    with tempfile.TemporaryDirectory(prefix="grading-throughput-") as tmp:
        template = released_course(Path(tmp) / "template")
        batch, subset_batch = Path(tmp) / "batch", Path(tmp) / "subset"
        shutil.copytree(template, batch)
        students = write_batch(batch, batch_kinds(args.submissions))
        honest = {s: k for s, k in students.items() if KINDS[k].group in HONEST}
        print(f"{args.submissions} submissions of {ASSIGNMENT} ({', '.join(f'{k} {v}' for k, v in MIX.items())} "
              f"per {sum(MIX.values())}), {args.processes} processes, {os.cpu_count()} cores, "
              f"median of {args.repeats} runs", flush=True)

        uninterrupted, resumed = Path(tmp) / "uninterrupted", Path(tmp) / "resumed"
        runs = []
        for _ in range(args.repeats):
            shutil.rmtree(uninterrupted, ignore_errors=True)
            shutil.copytree(batch, uninterrupted)
            runs.append(measured_autograde(uninterrupted, args.processes))
        seconds = {"all": statistics.median(run.seconds for run in runs)}
        notebooks, already_graded, graded_now, ungradable, _, grader_errors = runs[-1].summary()
        graded_once = (len(verdicts(uninterrupted)) == args.submissions
                       and (notebooks, already_graded, graded_now + ungradable) == (args.submissions, 0,
                                                                                   args.submissions))
        shutil.copytree(batch, resumed)
        left = stop_after(start_autograde(resumed, args.processes), resumed, args.submissions // 2, signal.SIGKILL)
        before = verdicts(resumed)
        runs.append(measured_autograde(resumed, args.processes))
        after = verdicts(resumed)
        once = len(after) == args.submissions and all(after[s][2] == v[2] for s, v in before.items())
        identical = totals(resumed) == totals(uninterrupted)
        problems = mismatches(uninterrupted, students) + mismatches(resumed, students)
        honest_problems = [p for p in problems if p.split()[0] in honest]

        if args.stock_submissions:
            shutil.copytree(template, subset_batch)
            subset = write_batch(subset_batch, batch_kinds(args.stock_submissions, exclude=unsafe))
            work = Path(tmp) / "work"
            seconds["subset"] = median_seconds(subset_batch, work,
                                               lambda c: measured_autograde(c, args.processes), args.repeats)
            seconds["stock"] = median_seconds(subset_batch, work, stock_autograde, args.repeats)

    rows = [("cnn2 autograde, whole batch", args.submissions, "all")]
    if args.stock_submissions:
        rows += [("cnn2 autograde, stock-safe subset", len(subset), "subset"),
                 ("stock nbgrader autograde, stock-safe subset only", len(subset), "stock")]
    rate = {name: 60 * n / seconds[name] for _, n, name in rows}
    print(f"\n{'pipeline':<50} {'submissions':>11} {'seconds':>8} {'per minute':>10}")
    for label, n, name in rows:
        print(f"{label:<50} {n:>11} {seconds[name]:>8.1f} {rate[name]:>10.1f}")
    if args.stock_submissions:
        print(f"ratio on the same {len(subset)} submissions, cnn2 / stock nbgrader: "
              f"{rate['subset'] / rate['stock']:.2f}x (the stock-safe subset leaves out {', '.join(unsafe)})")
    peak_pss, peak_rss = max(run.peak_pss for run in runs), max(run.peak_rss for run in runs)
    print(f"\npeak memory of the whole cnn2 autograde -j {args.processes} (main process, workers and sandboxes; "
          f"every {SAMPLE_SECONDS:g} s, over its {len(runs)} runs to the end):")
    print(f"  PSS {gib(peak_pss)}, against the target of {gib(MEMORY_TARGET)}: {peak_pss / MEMORY_TARGET:.2f} "
          f"of it (RSS summed over its processes, shared pages counted in each: {gib(peak_rss)})")
    print(f"  exit statuses: {', '.join(str(run.returncode) for run in runs)} (0 done, 1 done with something to "
          f"look at)")
    print(f"  every submission of the uninterrupted run graded exactly once: {graded_once} ({graded_now} graded, "
          f"{ungradable} ungradable, {grader_errors} grader errors)")
    print(f"  every honest student ({len(honest)}: {', '.join(HONEST)}) graded with the right score: "
          f"{not honest_problems}")
    print(f"\nkilled with SIGKILL after {len(before)} of {args.submissions} verdicts, then run again:")
    print(f"  processes left running after the kill: {len(left)}")
    print(f"  every submission graded exactly once: {once} ({len(after)} verdicts; the {len(before)} recorded "
          f"before the kill untouched by the second run)")
    print(f"  totals identical to the uninterrupted run: {identical}")
    print(f"  every verdict one expected of its kind: {not problems}")
    for problem in problems:
        print(f"    {problem}")
    return 0 if (graded_once and not grader_errors and once and identical and not problems and not left
                 and peak_pss < MEMORY_TARGET) else 1


if __name__ == "__main__":
    sys.exit(main())
