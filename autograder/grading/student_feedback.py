"""Feedback for students, written from the recorded verdicts: per test, passed or failed, points, the
plain-words message and, for a known mistake, its hint.

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
from pathlib import Path

from autograder.grading.records import GRADED, VerdictRecord

STYLE = """body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;
vertical-align:top}.passed{color:#1a7f37}.failed{color:#b42318}.hint{background:#fff8e1;padding:.3rem .5rem;
margin-top:.3rem;white-space:normal}.found{white-space:pre-line}.ungradable{background:#fdecea;padding:.6rem}"""


# Characters that start Markdown markup inside a line: emphasis, code, links and images, raw HTML and
# autolinks, entities, table cells, strikethrough, math, headings; "_" only at a word's edge, since
# inside a word (test_softmax_hidden) it is plain text and stays readable.
MARKDOWN_MARKUP = re.compile(r"[\\`*\[\]<>&|~$#]|(?<!\w)_|_(?!\w)")


def markdown_text(text: str) -> str:
    """``text`` as literal Markdown on one line: whitespace runs become one space, markup is escaped."""
    return MARKDOWN_MARKUP.sub(lambda match: "\\" + match.group(), " ".join(text.split()))


def feedback_path(folder: Path, notebook: str, fmt: str) -> Path:
    return folder / f"{notebook}.{'md' if fmt == 'md' else 'html'}"


def render(record: VerdictRecord, fmt: str = "html") -> str:
    """The feedback page for one verdict, as HTML or Markdown."""
    return (_markdown if fmt == "md" else _html)(record, record.details)


def _result(test: dict) -> str:
    return "passed" if test["passed"] else "failed"


def _summary(record: VerdictRecord, verdict: dict) -> str:
    if record.status == GRADED:
        return f"Score: {verdict['score']:g} / {verdict['max_score']:g}"
    return (f"Your notebook could not be graded ({verdict['reason']}). "
            "Your instructor has been told and will look at it.")


def _html(record: VerdictRecord, verdict: dict) -> str:
    e = html.escape
    title = f"{record.assignment}: {record.notebook}.ipynb, feedback for {record.student}"
    rows = []
    for test in verdict["tests"]:
        hint = (f'<div class="hint">Likely mistake: <b>{e(test["mistake"])}</b>. {e(test["hint"])}</div>'
                if test["hint"] else "")
        rows.append(f'<tr><td>{e(test["grade_id"])}</td><td class="{_result(test)}">{_result(test)}</td>'
                    f'<td>{test["points"]:g} / {test["max_points"]:g}</td>'
                    f'<td class="found">{e(test["message"])}{hint}</td></tr>')
    summary_class = "" if record.status == GRADED else ' class="ungradable"'
    table = ("<table><tr><th>test</th><th>result</th><th>points</th><th>what the grader found</th></tr>"
             + "".join(rows) + "</table>") if rows else ""
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{e(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n<h1>{e(title)}</h1>\n"
            f"<p{summary_class}>{e(_summary(record, verdict))}</p>\n{table}\n</body></html>\n")


def _markdown(record: VerdictRecord, verdict: dict) -> str:
    t = markdown_text
    lines = [f"# {t(record.assignment)}: {t(record.notebook)}.ipynb, feedback for {t(record.student)}", "",
             t(_summary(record, verdict)), ""]
    if verdict["tests"]:
        lines += ["| test | result | points | what the grader found |", "|---|---|---|---|"]
        for test in verdict["tests"]:
            hint = f" Likely mistake: **{t(test['mistake'])}**. {t(test['hint'])}" if test["hint"] else ""
            lines.append(f"| {t(test['grade_id'])} | {_result(test)} | {test['points']:g} / {test['max_points']:g} "
                         f"| {t(test['message'])}{hint} |")
    return "\n".join(lines) + "\n"
