"""Grading submissions: students' code runs in a sandbox, verdicts come from a pristine grader.

The ``cnn2`` command and its steps:

- ``autograder.grading.cli``: the ``cnn2`` command (release, collect, autograde, feedback, export, status).
- ``autograder.grading.course``: the course directory as nbgrader's configuration describes it.
- ``autograder.grading.collect``: submissions from a folder or an LMS zip into ``submitted/``; the files of
  a download read without trusting it (``download``), the roster (``roster``), untrusted names made safe to
  print (``printable``).
- ``autograder.grading.pipeline``: autograde every collected submission in parallel, resumably.
- ``autograder.grading.workers`` / ``jobs``: the pool of grading processes and what each job does.
- ``autograder.grading.records``: verdicts in nbgrader's gradebook (scores) and the ``cnn2_verdict`` table.
- ``autograder.grading.autograded``: the autograded notebooks nbgrader's formgrader grades by hand.
- ``autograder.grading.student_feedback``: per-test feedback for students, from the verdicts.
- ``autograder.grading.export``: grades per student, assignment and test, as CSV.
- ``autograder.grading.status`` / ``table``: where each assignment stands, printed as a table.

One submission's verdict:

- ``autograder.grading.verdict``: :func:`grade_notebook`, the verdict of one submission (per-test
  points, plain-words messages, hints for known mistakes, flags for review).
- ``autograder.grading.notebooks``: what of the source notebook is trusted (test cells, points) and
  what of a submission is run (the code cells that are the student's).
- ``autograder.grading.sandbox``: the bubblewrap sandbox and its :class:`Limits`.
- ``autograder.grading.student_runner``: what runs inside the sandbox.
- ``autograder.grading.rpc``: the plain-data protocol between the grader and the sandbox: calls
  (``rpc``), what may cross and how it is encoded (``plain_data``), framed messages over pipes (``wire``).
- ``autograder.grading.torch_driver`` and ``sandbox_torch_optim``: the capstone's half of grading beside
  the student's code, and the ``torch.optim`` without optimizers its sandbox holds.
"""
