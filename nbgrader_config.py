"""nbgrader configuration of the cnn2 course (read from the current directory: run nbgrader from here)."""
import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

from autograder.feedback import ShortenHiddenTestTracebacks
from autograder.grading.autograded import RemoveGraderNotes

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "cnn2"
# The course root is wherever this file is, so the same config serves a temporary copy of the course.
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# Per-cell execution limit when autograding. ExecutePreprocessor.timeout is ignored once this is set.
c.Execute.timeout = 60
# A test cell a student deleted (or stripped of its metadata) is restored from the gradebook and run;
# without this a deleted test cell costs nothing.
c.OverwriteCells.add_missing_cells = True

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Feedback: hidden tests removed from the cells, and their tracebacks cut to the checks' messages; the
# model answers and rubrics cnn2 autograde adds for the grader removed too.
c.GenerateFeedback.preprocessors = [
    GetGrades, CSSHTMLHeaderPreprocessor, ShortenHiddenTestTracebacks, ClearHiddenTests, RemoveGraderNotes]
