"""Grading submissions: students' code runs in a sandbox, verdicts come from a pristine grader.

- ``autograder.grading.verdict``: :func:`grade_notebook`, the verdict of one submission (per-test
  points, plain-words messages, hints for known mistakes, flags for review).
- ``autograder.grading.notebooks``: what of the source notebook is trusted (test cells, points) and
  what of a submission is run (the code cells that are the student's).
- ``autograder.grading.sandbox``: the bubblewrap sandbox and its :class:`Limits`.
- ``autograder.grading.student_runner``: what runs inside the sandbox.
- ``autograder.grading.rpc``: the plain-data protocol between the grader and the sandbox.
"""
