"""Benchmark: JPEG preparation speed, plain PIL decoding vs draft mode, 1 vs N worker processes.

Prepares the real ImageNet photographs in ../shared/imagenet-sample/images (relative to the
repository root) with ``autograder.data.prepare.prepare_images`` at S px (default 64) and prints a
table of images/s, medians of several runs, with the ratios side by side. Each run includes
starting its worker processes, as a real preparation does. Run it on an otherwise idle machine:

    python benchmarks/prepare_images.py [--size 64] [--repeats 5] [--workers N] [--limit 1000]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from autograder.data.prepare import default_workers, prepare_images

SAMPLE = Path(__file__).resolve().parents[1] / ".." / "shared" / "imagenet-sample" / "images"


def images_per_second(paths: list[Path], size: int, workers: int, draft: bool, repeats: int
                      ) -> tuple[float, np.ndarray]:
    """Median images/s over ``repeats`` preparations, and the images of the last one."""
    labels = np.zeros(len(paths), dtype=np.int64)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        prepared = prepare_images(paths, labels, size, workers, draft=draft, progress=False)
        rates.append(len(paths) / (time.perf_counter() - start))
    return statistics.median(rates), prepared.images


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workers", type=int, default=default_workers(), help="N (default: cores)")
    parser.add_argument("--limit", type=int, help="use only the first LIMIT photographs")
    parser.add_argument("--sample", type=Path, default=SAMPLE, help="folder of JPEGs")
    args = parser.parse_args()
    paths = sorted(args.sample.glob("*.JPEG"))[:args.limit]
    if not paths:
        print(f"no JPEGs in {args.sample}: nothing to measure", file=sys.stderr)
        return 1
    process_counts = sorted({1, args.workers})
    rates, outputs = {}, {}
    for workers in process_counts:
        for draft in (False, True):
            rates[draft, workers], outputs[draft] = images_per_second(paths, args.size, workers, draft,
                                                                      args.repeats)
    baseline = rates[False, 1]
    print(f"JPEG preparation: {len(paths)} photographs from {args.sample.resolve()} to {args.size} px, "
          f"median of {args.repeats} runs, {default_workers()} cores")
    print(f"{'decoding':<10} {'processes':>9} {'images/s':>9} {'x plain, 1 proc':>16} "
          f"{'x plain, same procs':>20} {'x 1 proc, same decoding':>24}")
    for workers in process_counts:
        for draft in (False, True):
            rate = rates[draft, workers]
            name = "draft" if draft else "plain PIL"
            print(f"{name:<10} {workers:>9} {rate:>9.0f} {rate / baseline:>15.2f}x "
                  f"{rate / rates[False, workers]:>19.2f}x {rate / rates[draft, 1]:>23.2f}x")
    difference = np.abs(outputs[True].astype(int) - outputs[False]).mean()
    print(f"mean absolute pixel difference, draft vs plain: {difference:.2f} / 255")
    return 0


if __name__ == "__main__":
    sys.exit(main())
