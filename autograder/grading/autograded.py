"""The autograded notebooks nbgrader's formgrader grades by hand: ``autograded/<student>/<assignment>/``.

Formgrader offers a submission for manual grading only where nbgrader's autograde has left its state:
the autograded notebook, the submission's rows in the gradebook and the submission's timestamp (that of
``submitted/<student>/<assignment>/timestamp.txt``, or none). ``cnn2 autograde`` never lets nbgrader run
a student's code, so it writes that state from the verdict instead (:func:`autograded_notebook`):

- the submitted notebook sanitized by nbgrader's own preprocessors, as ``nbgrader autograde`` does
  before running it (outputs cleared, duplicate cell ids fixed, kernelspec, locked and test cells
  restored from the gradebook, nbgrader metadata validated);
- each test cell's output is the verdict's message: an error output where the test failed or could
  not be run (what an executed failing cell shows), "passed" where it passed;
- after each manually graded answer, a Markdown cell for the grader with the source notebook's model
  answer and rubric (``cnn2 feedback`` writes from the verdicts and the gradebook, never from autograded
  notebooks; nbgrader's own ``generate_feedback`` needs :class:`RemoveGraderNotes` to leave them out);
- a notebook that cannot be read (corrupt, not a notebook) or is too large to prepare here (more than
  :data:`MAX_BYTES` or :data:`MAX_CELLS`: this runs in the main process, without the grading workers'
  time limits) is replaced by the release notebook, with a first cell that says why, so that a grader
  can still score it by hand.

What nbgrader's ``SaveAutoGrades`` would record from the notebook for the cells no test covers
(written answers: 0 when left as released, else a grader's to score) and its "No response." comments
come with it (:class:`Autograded`), to be committed with the verdict in one transaction
(:func:`autograder.grading.records.record_verdict`).
"""
from __future__ import annotations

import copy
import json
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    NbGraderPreprocessor,
    OverwriteCells,
    OverwriteKernelspec,
)
from traitlets.config import Config

from autograder.grading.jobs import SubmissionKey

SANITIZERS = (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata)
MAX_BYTES = 32 << 20  # the largest submission the grader reads (sandbox.Limits.notebook_bytes)
MAX_CELLS = 1000  # a release has about a hundred; nbgrader validates each cell's metadata (ms each)
GRADER_NOTE = "cnn2_grader_note"  # metadata key of the cells cnn2 adds for the grader


@dataclass
class Autograded:
    """An autograded notebook and what nbgrader's ``SaveAutoGrades`` would record from it."""

    notebook: NotebookNode
    auto_scores: dict[str, float | None] = field(default_factory=dict)  # grade_id -> score, non-test cells
    auto_comments: dict[str, str | None] = field(default_factory=dict)  # grade_id -> comment


def autograded_notebook(key: SubmissionKey, submission: Path | None, source: Path, release: Path,
                        db_url: str, verdict: dict, config: Config | None = None) -> Autograded:
    """The autograded notebook of one submission (see the module docstring) from its ``verdict`` (the
    JSON form of a ``NotebookVerdict``). ``submission`` None or unreadable: the release notebook.
    ``config``: the course's nbgrader configuration (e.g. ``OverwriteCells.add_missing_cells``)."""
    resources = {"nbgrader": {"notebook": key.notebook, "assignment": key.assignment, "student": key.student,
                              "db_url": db_url}}
    notebook, notes = None, []
    if verdict["status"] != "graded":
        notes.append(f"This submission could not be graded: {verdict['reason']}.")
    if submission is not None:
        try:
            notebook = _sanitized(_read_bounded(submission), resources, config)
        except Exception as error:  # corrupt JSON, an invalid notebook, nbgrader metadata it rejects, too large
            notes.append(f"The submitted file cannot be shown here ({type(error).__name__}): this is the release "
                         f"notebook, the file is in the submitted folder.")
    else:
        notes.append("Nothing was submitted for this notebook: this is the release notebook.")
    from_release = notebook is None
    if from_release:
        notebook = _sanitized(_read(release), resources, config)
    tests = {t["grade_id"]: t for t in verdict["tests"]}
    result = Autograded(notebook)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
            cell.outputs = [_output(tests.get(grade_id), verdict)]
        elif utils.is_grade(cell):  # a written answer: 0 when left as released, else for a person
            graded = verdict["status"] == "graded" and not from_release
            result.auto_scores[grade_id] = utils.determine_grade(cell)[0] if graded else None
        if (utils.is_solution(cell) or utils.is_task(cell)) and not from_release:
            unchanged = meta.get("checksum") == utils.compute_checksum(cell) and not utils.is_task(cell)
            result.auto_comments[grade_id] = "No response." if unchanged else None
    _add_grader_notes(notebook, _model_answers(source))
    if notes:
        notebook.cells.insert(0, _grader_cell("**cnn2, for the grader:** " + " ".join(notes) +
                                              " Scores entered below count in `cnn2 export`."))
    return result


def write_notebook(notebook: NotebookNode, path: Path) -> None:
    """Write ``notebook`` to ``path`` atomically (formgrader may be reading the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".cnn2-", suffix=".ipynb")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            nbformat.write(notebook, f)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _read(path: Path) -> NotebookNode:
    with warnings.catch_warnings():  # e.g. duplicate cell ids, which DeduplicateIds then fixes
        warnings.simplefilter("ignore")
        return nbformat.read(path, as_version=4)


class TooLarge(ValueError):
    """A submission larger than :data:`MAX_BYTES` or with more than :data:`MAX_CELLS` cells."""


def _read_bounded(path: Path) -> NotebookNode:
    if path.stat().st_size > MAX_BYTES:
        raise TooLarge(f"more than {MAX_BYTES} bytes")
    cells = json.loads(path.read_bytes()).get("cells")
    if isinstance(cells, list) and len(cells) > MAX_CELLS:
        raise TooLarge(f"{len(cells)} cells")
    return _read(path)


def _sanitized(notebook: NotebookNode, resources: dict, config: Config | None) -> NotebookNode:
    for preprocessor in SANITIZERS:
        notebook, _ = preprocessor(config=config or Config()).preprocess(notebook, copy.deepcopy(resources))
    return notebook


def _output(test: dict | None, verdict: dict) -> NotebookNode:
    """A test cell's output: "passed", or an error output with the verdict's message."""
    if test is not None and test["passed"]:
        return nbformat.v4.new_output("stream", name="stdout", text="passed\n")
    if verdict["status"] != "graded":
        name, message = "NotGraded", f"the notebook could not be graded: {verdict['reason']}"
    elif test is None:
        name, message = "NotGraded", "this test was not run (it is not in the source notebook's tests)"
    else:
        name, message = "TestFailed", test["message"]
        if test.get("mistake"):
            message += f"\nLikely mistake: {test['mistake']}. {test.get('hint') or ''}".rstrip()
    return nbformat.v4.new_output("error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


def _model_answers(source: Path) -> dict[str, str]:
    """grade_id -> the source text of each manually graded answer (the model answer and rubric)."""
    answers = {}
    for cell in _read(source).cells:
        if utils.is_grade(cell) and utils.is_solution(cell):
            answers[cell.metadata["nbgrader"]["grade_id"]] = cell.source
    return answers


def _add_grader_notes(notebook: NotebookNode, answers: dict[str, str]) -> None:
    """After each manually graded answer, a Markdown cell with its model answer and rubric."""
    cells = []
    for cell in notebook.cells:
        cells.append(cell)
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if utils.is_grade(cell) and utils.is_solution(cell) and grade_id in answers:
            cells.append(_grader_cell(f"**cnn2, for the grader: the source's answer to {grade_id}** "
                                      f"(not shown to students)\n\n{answers[grade_id]}"))
    notebook.cells = cells


def _grader_cell(text: str) -> NotebookNode:
    return nbformat.v4.new_markdown_cell(text, metadata={GRADER_NOTE: True})


class RemoveGraderNotes(NbGraderPreprocessor):
    """Removes the cells cnn2 added for the grader (model answers, rubrics, notes), for nbgrader's own
    ``generate_feedback``, which writes students' feedback from the autograded notebooks: add it to
    ``GenerateFeedback.preprocessors`` in ``nbgrader_config.py``."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        nb.cells = [cell for cell in nb.cells if not cell.metadata.get(GRADER_NOTE)]
        return nb, resources
