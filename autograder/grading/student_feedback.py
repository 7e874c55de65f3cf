"""Feedback for students, written from the recorded verdicts: per test, passed or failed, points, the
plain-words message and, for a known mistake, its hint.

Only what the verdict says is written: never test sources, hidden inputs or tracebacks (the grader
keeps those out of hidden tests' messages), nor the flags meant for instructors. One file per
submitted notebook: ``feedback/<student>/<assignment>/<notebook>.html`` (or ``.md``).
"""
from __future__ import annotations

import html
from pathlib import Path

from autograder.grading.records import GRADED, VerdictRecord

STYLE = """body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;
vertical-align:top}.passed{color:#1a7f37}.failed{color:#b42318}.hint{background:#fff8e1;padding:.3rem .5rem;
margin-top:.3rem;white-space:normal}.found{white-space:pre-line}.ungradable{background:#fdecea;padding:.6rem}"""


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
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [f"# {record.assignment}: {record.notebook}.ipynb, feedback for {record.student}", "",
             _summary(record, verdict), ""]
    if verdict["tests"]:
        lines += ["| test | result | points | what the grader found |", "|---|---|---|---|"]
        for test in verdict["tests"]:
            hint = f" Likely mistake: **{test['mistake']}**. {test['hint']}" if test["hint"] else ""
            lines.append(f"| {test['grade_id']} | {_result(test)} | {test['points']:g} / {test['max_points']:g} "
                         f"| {cell(test['message'] + hint)} |")
    return "\n".join(lines) + "\n"
