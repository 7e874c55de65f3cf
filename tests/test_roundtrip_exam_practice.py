"""The nbgrader round trip of assignment 06-exam-practice: multiple choice graded automatically with
exact scores, short answers and the derivation left for manual grading, and the correct answers kept
out of everything students see (the release, the package they have installed, their feedback)."""
from __future__ import annotations

import re

import nbformat
import pytest
from nbgrader.api import Gradebook

from grading import grade, solution_submission, untouched_submission
from notebook_code import ROOT

ASSIGNMENT = "06-exam-practice"
NOTEBOOK = "exam_practice.ipynb"
SOURCE = ROOT / "solutions" / ASSIGNMENT / NOTEBOOK
MANUAL = {"short_1": 3, "short_2": 3, "short_3": 3, "long_1": 8}
QUESTIONS = 8                  # multiple choice, 1 to 8
NUMERIC = (9, 10)              # numeric answers
AUTO_MAX = 2.0 * (QUESTIONS + len(NUMERIC))
HIDDEN_CALL = re.compile(r'check_choice_correct\(answer_(\d+), question=\1, correct="([a-d])"\)')
NUMERIC_CALL = re.compile(r"check_number_correct\(answer_(\d+), question=\1, correct=([-0-9.e]+), tolerance=")


def answer_key() -> dict[int, str]:
    """Question number -> correct letter, read from the hidden tests of the instructor's notebook."""
    key = {}
    for cell in nbformat.read(SOURCE, as_version=4).cells:
        for question, letter in HIDDEN_CALL.findall(cell.source):
            key[int(question)] = letter
    return key


def numeric_key() -> dict[int, float]:
    """Numeric question number -> correct value, read from the hidden tests of the instructor's notebook."""
    key = {}
    for cell in nbformat.read(SOURCE, as_version=4).cells:
        for question, value in NUMERIC_CALL.findall(cell.source):
            key[int(question)] = float(value)
    return key


def wrong_letter(correct: str) -> str:
    return "a" if correct != "a" else "b"


def _carol(release, source):
    """Two wrong letters (questions 2 and 6), one answer in a bad format (5), one right answer
    written in capitals with spaces (7); a wrong number (9) and a number written as a string (10)."""
    key = answer_key()
    return solution_submission({
        "answer_2": f'answer_2 = "{wrong_letter(key[2])}"',
        "answer_6": f'answer_6 = "{wrong_letter(key[6])}"',
        "answer_5": "answer_5 = 5",
        "answer_7": f'answer_7 = " {key[7].upper()} "',
        "answer_9": f"answer_9 = {numeric_key()[9] + 1}",
        "answer_10": f'answer_10 = "{numeric_key()[10]}"',
    })(release, source)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return grade(tmp_path_factory.mktemp("roundtrip06"), ASSIGNMENT, NOTEBOOK, {
        "alice": solution_submission(),
        "bob": untouched_submission,
        "carol": _carol,
    })


def grades(course, student: str) -> dict[str, object]:
    """grade_id -> the gradebook's Grade of each graded cell of the student's notebook."""
    with Gradebook(course.gradebook_url) as gradebook:
        notebook = gradebook.find_submission_notebook("exam_practice", ASSIGNMENT, student)
        return {g.name: (g.auto_score, g.needs_manual_grade, g.max_score) for g in notebook.grades}


def test_the_exam_has_enough_questions_of_each_kind():
    key = answer_key()
    assert sorted(key) == list(range(1, QUESTIONS + 1)) and QUESTIONS >= 6
    assert sorted(numeric_key()) == list(NUMERIC)
    assert len(set(key.values())) >= 3, "the correct letters should not all be the same"
    assert sum(grade_id.startswith("short") for grade_id in MANUAL) >= 3 and "long_1" in MANUAL


def test_exact_scores(course):
    assert course.max_score() == AUTO_MAX + sum(MANUAL.values())
    # carol: questions 2, 6 and 9 wrong, 5 and 10 in a bad format: 5 x 2 points lost; " C " counts as "c".
    assert course.scores() == {"alice": AUTO_MAX, "bob": 0.0, "carol": AUTO_MAX - 10}
    carol = grades(course, "carol")
    assert [carol[f"test_answer_{n}"][0] for n in range(1, QUESTIONS + 3)] == [2, 0, 2, 2, 0, 0, 2, 2, 0, 0]


def test_written_answers_wait_for_manual_grading(course):
    alice, bob = grades(course, "alice"), grades(course, "bob")
    for grade_id, points in MANUAL.items():
        assert alice[grade_id] == (None, True, points)    # answered: an instructor must grade it
        assert bob[grade_id] == (0.0, False, points)      # left as "YOUR ANSWER HERE": 0, nothing to grade
    for n in [*range(1, QUESTIONS + 1), *NUMERIC]:
        assert alice[f"test_answer_{n}"] == (2.0, False, 2.0)
        assert bob[f"test_answer_{n}"] == (0.0, False, 2.0)


def test_release_holds_no_answers():
    release = nbformat.read(ROOT / "exercises" / ASSIGNMENT / NOTEBOOK, as_version=4)
    text = "\n".join(cell.source for cell in release.cells)
    for n, letter in answer_key().items():
        assert f'answer_{n} = "{letter}"' not in text
        assert f'correct="{letter}"' not in text
    for n, value in numeric_key().items():
        assert f"answer_{n} = {value}" not in text and f"correct={value}" not in text
    for secret in ("BEGIN HIDDEN TESTS", "BEGIN SOLUTION", "Model answer", "Rubric"):
        assert secret not in text
    written = [cell.source for cell in release.cells if cell.id in MANUAL]
    assert written == ["YOUR ANSWER HERE"] * len(MANUAL)


def test_the_installed_package_holds_no_answers():
    package = "\n".join(path.read_text() for path in (ROOT / "autograder").rglob("*.py"))
    assert not HIDDEN_CALL.search(package) and not NUMERIC_CALL.search(package)
    for n, letter in answer_key().items():
        assert f'answer_{n} = "{letter}"' not in package and f'correct="{letter}"' not in package


def test_feedback_says_wrong_without_giving_the_answer(course):
    html = course.feedback_html("carol")
    key = answer_key()
    assert "is not the correct answer" in html
    assert "must be a string holding one of the letters" in html   # question 5's bad format
    assert "is not the correct value" in html and "must be a number" in html   # questions 9 and 10
    assert "BEGIN HIDDEN TESTS" not in html and "check_choice_correct(answer_" not in html
    for n, letter in key.items():
        assert f'correct="{letter}"' not in html and f"correct=&quot;{letter}&quot;" not in html
    for n, value in numeric_key().items():
        assert f"correct={value}" not in html
    assert f"Score: {AUTO_MAX - 10} / {AUTO_MAX + sum(MANUAL.values())}" in html
