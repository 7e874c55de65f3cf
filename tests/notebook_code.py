"""Load the code of nbgrader notebooks into Python, for tests of the checks and of the round trip."""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import nbformat

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^\s*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$", re.M)


def strip_markers(source: str) -> str:
    """Remove nbgrader's ``### BEGIN/END SOLUTION`` and ``HIDDEN TESTS`` marker lines."""
    return MARKER.sub("", source)


def solution_functions(notebook: Path) -> SimpleNamespace:
    """Execute a source notebook's solution cells (markers removed, test cells skipped) and return
    the names they define, e.g. ``solution_functions(path).softmax``."""
    nb = nbformat.read(notebook, as_version=4)
    namespace: dict = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (meta.get("solution") or cell.id == "imports"):
            exec(compile(strip_markers(cell.source), f"{notebook.name}:{cell.id}", "exec"), namespace)
    return SimpleNamespace(**{k: v for k, v in namespace.items() if not k.startswith("__")})


def filled_release(release: Path, source: Path, overrides: dict[str, str] | None = None):
    """A student's submission: the release notebook with each solution cell holding the source
    notebook's solution (markers removed), or the code in ``overrides[grade_id]``."""
    solutions = {cell.metadata["nbgrader"]["grade_id"]: strip_markers(cell.source)
                 for cell in nbformat.read(source, as_version=4).cells
                 if cell.metadata.get("nbgrader", {}).get("solution")}
    solutions.update(overrides or {})
    nb = nbformat.read(release, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in solutions:
            cell.source = solutions[grade_id]
    return nb
