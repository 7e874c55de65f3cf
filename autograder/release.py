"""Regenerate the student notebooks in ``exercises/`` from the instructor sources in ``solutions/``.

Usage, from the course root: ``python -m autograder.release [ASSIGNMENT ...]`` (``make exercises``).
The output is byte-for-byte reproducible (the source notebooks' cell ids are fixed), so a test can
regenerate it and compare with what is committed.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from autograder.nbgrader_app import run_nbgrader


def assignments(course_root: Path) -> list[str]:
    """The assignment ids: the folders under ``solutions/``, sorted."""
    return sorted(p.name for p in (course_root / "solutions").iterdir() if p.is_dir())


def generate_release(course_root: Path, names: list[str] | None = None, db_url: str | None = None) -> list[str]:
    """Run ``nbgrader generate_assignment --force`` for each assignment, recording it in the gradebook at
    ``db_url`` (default: the course's ``CourseDirectory.db_url``); returns the ids generated."""
    names = names or assignments(course_root)
    for name in names:
        run_nbgrader(course_root, "generate_assignment", name, "--force", *([f"--db={db_url}"] if db_url else []))
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", nargs="*", help="assignment ids (default: all under solutions/)")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="course root (default: .)")
    args = parser.parse_args()
    for name in generate_release(args.root.resolve(), args.assignment):
        print(f"generated exercises/{name}")


if __name__ == "__main__":
    main()
