"""Command line: prepare (and cache) image subsets, printing what was done and the skipped files.

    python -m autograder.data prepare [--source ilsvrc|imagenette|synthetic] [--root ROOT]
        [--size 64] [--split train val] [--synsets n02119789,n02100735,...] [--per-class N]
        [--cache-dir DIR] [--workers N] [--checksum md5:HEX]

Options left out fall back to the environment variables of :mod:`autograder.data.subset`.
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings

from autograder.data.download import ChecksumError
from autograder.data.ilsvrc import DataSourceError
from autograder.data.subset import SOURCES, SPLITS, load_subset


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.data",
                                     description="Prepare the image subset the module trains on.")
    commands = parser.add_subparsers(dest="command", required=True)
    prepare = commands.add_parser("prepare", help="prepare and cache one or more splits")
    prepare.add_argument("--source", choices=SOURCES, help="default: $CNN2_DATA_SOURCE, else inferred")
    prepare.add_argument("--root", help="ILSVRC folder, or archive (name, URL, .tgz, folder)")
    prepare.add_argument("--size", type=int, default=64, help="image side S in pixels (default 64)")
    prepare.add_argument("--split", nargs="+", choices=SPLITS, default=list(SPLITS))
    prepare.add_argument("--synsets", help="comma-separated WordNet ids (default: lecture's ten)")
    prepare.add_argument("--per-class", type=int, help="at most this many images per class")
    prepare.add_argument("--cache-dir", help="default: $CNN2_DATA_CACHE or ~/.cache/cnn2")
    prepare.add_argument("--workers", type=int, help="decoding processes (default: one per core)")
    prepare.add_argument("--checksum", help="expected archive checksum, md5:HEX or sha256:HEX")
    args = parser.parse_args(argv)
    for split in args.split:
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the skipped files are reported in full below
                subset = load_subset(split, args.size, args.source, args.synsets, args.root,
                                     args.cache_dir, args.workers, per_class=args.per_class,
                                     checksum=args.checksum)
        except (DataSourceError, ChecksumError, ValueError, ConnectionError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(report(subset, time.perf_counter() - start))
    return 0


def report(subset, seconds: float) -> str:
    """What was loaded, from where, how long it took, and every skipped file with its reason."""
    m = subset.manifest
    lines = [subset.describe()]
    where = m.get("root") or m.get("folder")
    if where:
        lines.append(f"  from: {where}" + (f" (archive {m['archive']})" if "archive" in m else ""))
    if "cache" in m:
        reused = "reused from cache" if m["reused_cache"] else "prepared"
        lines.append(f"  cache: {m['cache']['arrays']} ({reused}; {seconds:.1f} s)")
        lines.append(f"  originals: {m['originals']}")
    else:
        lines.append(f"  generated in {seconds:.1f} s, seed {m['seed']}, not cached")
    lines.append("  per class: " + ", ".join(f"{name} {m['counts'][synset]}"
                                              for synset, name in zip(subset.synsets, subset.class_names)))
    skipped = m.get("skipped", [])
    lines.append(f"  skipped files: {len(skipped)}")
    lines += [f"    {s['file']}: {s['reason']}" for s in skipped]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
