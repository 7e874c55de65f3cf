"""The two notebooks of a grading: what is trusted in the instructor's source, and what of a student's
submission is run.

The **source** notebook (``solutions/<assignment>/<notebook>.ipynb``) is trusted: its test cells
(nbgrader ``grade: true``, ``solution: false``), hidden tests included, are the tests, and their
nbgrader ``points`` the points. Manually graded cells are not part of the automatic verdict.

From the **submission** only the student's code is taken, as code cells to run in the sandbox, in
the submission's order:

- solution cells (nbgrader ``solution: true``), matched to the source by ``grade_id``;
- code cells without nbgrader metadata, such as the release's imports cell, cells the student added,
  or a solution cell retyped without its metadata: in Jupyter they ran too, so they define what the
  student's notebook defines;
- locked cells of the source that are not tests (read-only set-up code) run as the source has them.

Test cells of the submission are never run, however they were edited, deleted, duplicated or
retyped: the tests come from the source. A solution cell that appears more than once is run each
time, in notebook order, as "Run all" would (the last definition wins), and flagged for review; so
is a missing solution cell. A submission holding none of the source's solution cells cannot be
graded (another notebook, or an empty one).
"""
from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.grading.student_runner import python_source

HIDDEN_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) HIDDEN TESTS[ \t]*$", re.M)
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
# Packages a numpy exercise must not use in its solutions (unless the source's own code imports them).
FLAGGED_PACKAGES = ("torch", "autograder")


class Ungradable(Exception):
    """The submission cannot be graded; the message is the reason (e.g. "corrupt notebook: ...")."""


@dataclass(frozen=True)
class TestCell:
    __test__ = False  # not a pytest test class, despite its name
    grade_id: str
    points: float
    code: str      # the cell's code with the hidden-test marker lines removed
    hidden: bool   # holds hidden tests: its source and inputs never reach the student


@dataclass(frozen=True)
class SourceNotebook:
    tests: list[TestCell]
    solution_ids: list[str]             # grade_ids of the solution cells, in order
    locked_code: dict[str, str]         # grade_id -> code of the locked set-up cells
    flagged_packages: frozenset[str]    # FLAGGED_PACKAGES the source's own code does not import
    imports: str                        # the top-level import statements of its other code cells

    @property
    def max_score(self) -> float:
        return sum(test.points for test in self.tests)

    @property
    def uses_torch(self) -> bool:
        """Whether the source's own code imports torch (the capstone): its sandbox then has torch."""
        return "torch" not in self.flagged_packages


@dataclass
class StudentCode:
    cells: list[tuple[str, str]] = field(default_factory=list)  # (label, code) to run in order
    flags: list[str] = field(default_factory=list)


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell.get("metadata"), dict) else {}
    return meta if isinstance(meta, dict) else {}


def read_source(path: Path) -> SourceNotebook:
    """The trusted parts of the instructor's source notebook."""
    nb = nbformat.read(path, as_version=4)
    tests, solution_ids, locked, imported, imports = [], [], {}, set(), []
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type != "code":
            continue
        if meta.get("grade") and not meta.get("solution"):
            tests.append(TestCell(meta["grade_id"], float(meta.get("points", 0)),
                                  HIDDEN_MARKER.sub("", cell.source), HIDDEN_BEGIN in cell.source))
            continue
        imported |= imported_packages(cell.source)
        imports += [ast.unparse(node) for node in ast.parse(python_source(cell.source)).body
                    if isinstance(node, (ast.Import, ast.ImportFrom))]
        if meta.get("solution"):
            solution_ids.append(meta["grade_id"])
        elif meta.get("locked") and meta.get("grade_id"):
            locked[meta["grade_id"]] = cell.source
    return SourceNotebook(tests, solution_ids, locked, frozenset(FLAGGED_PACKAGES) - imported,
                          "\n".join(dict.fromkeys(imports)))


def read_submission(path: Path, source: SourceNotebook, max_bytes: int) -> StudentCode:
    """The student's code cells to run, and what to flag for review. Raises :class:`Ungradable`."""
    nb = _read_notebook(path, max_bytes)
    test_ids = {test.grade_id for test in source.tests}
    code = StudentCode()
    seen: dict[str, int] = {}
    for number, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        meta = _nbgrader(cell)
        grade_id = meta.get("grade_id") if isinstance(meta.get("grade_id"), str) else None
        if grade_id in test_ids or (meta.get("grade") and not meta.get("solution")):
            continue
        if grade_id in source.locked_code:
            code.cells.append((grade_id, source.locked_code[grade_id]))
        elif meta.get("solution") and grade_id in source.solution_ids:
            seen[grade_id] = seen.get(grade_id, 0) + 1
            code.cells.append((grade_id, cell.source))
        else:
            code.cells.append((cell_label(number, cell.source), cell.source))
    missing = [grade_id for grade_id in source.solution_ids if grade_id not in seen]
    if source.solution_ids and len(missing) == len(source.solution_ids):
        raise Ungradable(f"missing cells: none of the solution cells ({', '.join(missing)}) is in the "
                         "submission; is it the right notebook?")
    if missing:
        code.flags.append(f"missing cells: {', '.join(missing)} (their tests ran against whatever "
                          "the rest of the code defines)")
    for grade_id, count in seen.items():
        if count > 1:
            code.flags.append(f"duplicated cells: {grade_id} appears {count} times (all copies ran, "
                              "in notebook order)")
    for label, cell_code in code.cells:
        for package in sorted(imported_packages(cell_code) & source.flagged_packages):
            where = f"a solution cell ({label})" if label in seen else label
            code.flags.append(f"imports {package} in {where}")
    return code


def cell_label(number: int, code: str) -> str:
    """How a cell without nbgrader metadata is named in flags and messages, so that a person finds it:
    its position among all the notebook's cells (1-based, markdown included) and its first line, e.g.
    ``cell 31 ("print(numerical_gradient(f, x))")``."""
    first = next((line.strip() for line in code.splitlines() if line.strip()), "")
    first = "".join(c if c.isprintable() else " " for c in first)
    return f'cell {number} ("{first[:40]}{"..." if len(first) > 40 else ""}")'


def _read_notebook(path: Path, max_bytes: int) -> nbformat.NotebookNode:
    """The submission as an nbformat v4 notebook (older versions converted), or :class:`Ungradable`."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise Ungradable(f"corrupt notebook: cannot read the file ({error.strerror})") from None
    if size > max_bytes:
        raise Ungradable(f"corrupt notebook: the file has {size} bytes, more than the limit of {max_bytes}")
    data = path.read_bytes()
    if not data.strip():
        raise Ungradable("corrupt notebook: the file is empty")
    try:
        with warnings.catch_warnings():  # e.g. duplicate cell ids, which nbformat corrects
            warnings.simplefilter("ignore")
            nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as error:  # nbformat raises many kinds: JSON, schema, version, encoding
        raise Ungradable(f"corrupt notebook: {type(error).__name__}: {str(error)[:200]}") from None
    cells = nb.get("cells")
    if not isinstance(cells, list) or not all(
            isinstance(c, dict) and isinstance(c.get("cell_type"), str)
            and isinstance(c.get("source"), str) for c in cells):
        raise Ungradable("corrupt notebook: its cells are not valid notebook cells")
    return nb


def imported_packages(code: str) -> set[str]:
    """Top-level packages a cell's code imports: ``import x.y``, ``from x import y``, and
    ``__import__("x")`` / ``importlib.import_module("x")`` with a literal name."""
    try:
        tree = ast.parse(python_source(code))
    except Exception:  # code that is not Python: it cannot import anything either
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and getattr(node.func, "id", getattr(node.func, "attr", None)) in ("__import__", "import_module")):
            names.add(node.args[0].value)
    return {name.split(".")[0] for name in names}
