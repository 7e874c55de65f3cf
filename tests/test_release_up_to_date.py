"""The committed student notebooks in exercises/ are exactly what nbgrader generates from solutions/."""
from __future__ import annotations

import filecmp
import shutil

from autograder.release import assignments, generate_release
from notebook_code import ROOT


def _files(folder):
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def test_every_assignment_has_a_release():
    assert assignments(ROOT), "no assignments under solutions/"
    for name in assignments(ROOT):
        assert (ROOT / "exercises" / name).is_dir(), f"exercises/{name} is missing: run `make exercises`"


def test_release_matches_solutions(tmp_path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    for name in generate_release(tmp_path):
        fresh, committed = tmp_path / "exercises" / name, ROOT / "exercises" / name
        assert _files(fresh) == _files(committed), f"exercises/{name} has other files than nbgrader makes"
        stale = [str(f) for f in _files(fresh) if not filecmp.cmp(fresh / f, committed / f, shallow=False)]
        assert not stale, f"exercises/{name} is stale against solutions/ ({stale}): run `make exercises`"
