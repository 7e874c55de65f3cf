"""Feedback for students, written from the recorded verdicts and the gradebook: per test, passed or
failed, points, the plain-words message and, for a known mistake, its hint; per manually graded cell
(a written answer), the score and comment a grader gave in formgrader, or that it is still to be
graded. A score a grader set or overrode in formgrader, and extra credit, count in the total.

Only what the verdict says is written: never test sources, hidden inputs or tracebacks (the grader
keeps those out of hidden tests' messages), nor the flags meant for instructors. One file per
submitted notebook: ``feedback/<student>/<assignment>/<notebook>.html`` (or ``.md``).

Every text is written as text: escaped for HTML, or for Markdown with its markup characters
backslash-escaped (a message may quote the student's own exception: it must not become a link, an
image, raw HTML or a fake line of the table).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.grading.records import GRADED, CellGrade, VerdictRecord

STYLE = """body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;
vertical-align:top}.passed{color:#1a7f37}.failed{color:#b42318}.hint{background:#fff8e1;padding:.3rem .5rem;
margin-top:.3rem;white-space:normal}.found{white-space:pre-line}.ungradable{background:#fdecea;padding:.6rem}
.comment{margin-top:.3rem;font-style:italic}"""


# Characters that start Markdown markup inside a line: emphasis, code, links and images, raw HTML and
# autolinks, entities, table cells, strikethrough, math, headings; "_" only at a word's edge, since
# inside a word (test_softmax_hidden) it is plain text and stays readable.
MARKDOWN_MARKUP = re.compile(r"[\\`*\[\]<>&|~$#]|(?<!\w)_|_(?!\w)")


def markdown_text(text: str) -> str:
    """``text`` as literal Markdown on one line: whitespace runs become one space, markup is escaped."""
    return MARKDOWN_MARKUP.sub(lambda match: "\\" + match.group(), " ".join(text.split()))


def feedback_path(folder: Path, notebook: str, fmt: str) -> Path:
    return folder / f"{notebook}.{'md' if fmt == 'md' else 'html'}"


@dataclass(frozen=True)
class _Line:
    """One row of the feedback table."""

    grade_id: str
    result: str  # "passed", "failed", "graded by hand", "to be graded", "not graded"
    points: str  # "2 / 3", "- / 3"
    message: str
    mistake: str | None = None
    hint: str | None = None
    comment: str = ""  # the grader's comment


def render(record: VerdictRecord, fmt: str = "html", grades: dict[str, CellGrade] | None = None) -> str:
    """The feedback page for one verdict, as HTML or Markdown. ``grades``: the notebook's cells in the
    gradebook (:func:`records.cell_grades`), for manual scores, extra credit and comments; without
    them, the verdict's own points."""
    verdict = record.details
    lines, summary = _lines(record, verdict, grades or {}), _summary(record, verdict, grades or {})
    return (_markdown if fmt == "md" else _html)(record, summary, lines)


def _points(score: float | None, max_score: float) -> str:
    return f"{'-' if score is None else format(score, 'g')} / {max_score:g}"


def _lines(record: VerdictRecord, verdict: dict, grades: dict[str, CellGrade]) -> list[_Line]:
    lines = []
    graded = record.status == GRADED
    for test in verdict["tests"]:
        cell = grades.get(test["grade_id"])
        comment = cell.comment if cell else ""
        if cell is not None and cell.by_hand:
            lines.append(_Line(test["grade_id"], "graded by hand", _points(cell.score, test["max_points"]),
                               test["message"] if graded else "", comment=comment))
        elif not graded:
            lines.append(_Line(test["grade_id"], "not graded", _points(None, test["max_points"]), "", comment=comment))
        else:
            score = cell.score if cell is not None and cell.score is not None else test["points"]
            lines.append(_Line(test["grade_id"], "passed" if test["passed"] else "failed",
                               _points(score, test["max_points"]), test["message"], test["mistake"], test["hint"],
                               comment))
    tested = {test["grade_id"] for test in verdict["tests"]}
    for cell in sorted((c for c in grades.values() if c.grade_id not in tested), key=lambda c: c.grade_id):
        if cell.by_hand:
            result = "graded by hand"
        elif cell.waiting:
            result = "to be graded"
        else:
            result = "no answer" if cell.auto_score == 0 else "graded"
        lines.append(_Line(cell.grade_id, result, _points(None if cell.waiting else cell.score, cell.max_score),
                           "", comment=cell.comment))
    return lines


def _summary(record: VerdictRecord, verdict: dict, grades: dict[str, CellGrade]) -> str:
    if not grades:
        score, max_score, pending, by_hand = verdict["score"], verdict["max_score"], 0.0, False
    else:
        score = sum(c.score or 0.0 for c in grades.values())
        max_score = sum(c.max_score for c in grades.values())
        pending = sum(c.max_score for c in grades.values() if c.waiting)
        by_hand = any(c.by_hand for c in grades.values())
    still = f" ({pending:g} points are still to be graded by hand)" if pending else ""
    if record.status == GRADED:
        return f"Score: {score:g} / {max_score:g}{still}"
    given = f" Points given by hand so far: {score:g} / {max_score:g}{still}." if by_hand else ""
    return (f"Your notebook could not be graded ({verdict['reason']}). "
            "Your instructor has been told and will look at it." + given)


def _html(record: VerdictRecord, summary: str, lines: list[_Line]) -> str:
    e = html.escape
    title = f"{record.assignment}: {record.notebook}.ipynb, feedback for {record.student}"
    rows = []
    for line in lines:
        hint = (f'<div class="hint">Likely mistake: <b>{e(line.mistake)}</b>. {e(line.hint)}</div>'
                if line.hint else "")
        comment = f'<div class="comment">Grader\'s comment: {e(line.comment)}</div>' if line.comment else ""
        css = line.result.replace(" ", "-")
        rows.append(f'<tr><td>{e(line.grade_id)}</td><td class="{css}">{line.result}</td>'
                    f'<td>{line.points}</td>'
                    f'<td class="found">{e(line.message)}{hint}{comment}</td></tr>')
    summary_class = "" if record.status == GRADED else ' class="ungradable"'
    table = ("<table><tr><th>test</th><th>result</th><th>points</th><th>what the grader found</th></tr>"
             + "".join(rows) + "</table>") if rows else ""
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{e(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n<h1>{e(title)}</h1>\n"
            f"<p{summary_class}>{e(summary)}</p>\n{table}\n</body></html>\n")


def _markdown(record: VerdictRecord, summary: str, lines: list[_Line]) -> str:
    t = markdown_text
    text = [f"# {t(record.assignment)}: {t(record.notebook)}.ipynb, feedback for {t(record.student)}", "",
            t(summary), ""]
    if lines:
        text += ["| test | result | points | what the grader found |", "|---|---|---|---|"]
        for line in lines:
            hint = f" Likely mistake: **{t(line.mistake)}**. {t(line.hint)}" if line.hint else ""
            comment = f" Grader's comment: {t(line.comment)}" if line.comment else ""
            text.append(f"| {t(line.grade_id)} | {line.result} | {line.points} | {t(line.message)}{hint}{comment} |")
    return "\n".join(text) + "\n"
