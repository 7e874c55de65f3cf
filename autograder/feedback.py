"""nbgrader preprocessors for the feedback students receive."""
from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"


class ShortenHiddenTestTracebacks(Preprocessor):
    """In grade cells with hidden tests, reduce an error's traceback to its last line.

    nbgrader's ClearHiddenTests removes hidden test code from the cell, but the traceback of a failing
    hidden check would still quote the hidden lines. The checks' own messages (``CheckFailure: ...``)
    say what went wrong in plain words, so the last line is all a student needs. Run it before
    ClearHiddenTests, which removes the markers this looks for.
    """

    enabled = Bool(True, help="nbconvert runs only enabled preprocessors").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        grade_cell = cell.metadata.get("nbgrader", {}).get("grade", False)
        if cell.cell_type == "code" and grade_cell and HIDDEN_BEGIN in cell.source:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
