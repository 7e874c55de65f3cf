"""The course's assignments, one declared entry each; everything else about them is read from the
solution notebook.

An entry names the assignment (its slug, the folder under ``solutions/`` and ``exercises/``), its
notebook, its book chapter, its topic (the module name under ``autograder.reference``,
``autograder.checks`` and ``autograder.hints``) and its exercises in order. An exercise is
what one pair of checks grades, ``check_<exercise>`` (the self-check) and
``check_<exercise>_edge_cases`` (the hidden test): usually one function of the notebook, in chapter 03
a layer's forward and backward functions. Grade ids, points, the maximum score, the functions each
check takes and the seed of each hidden test are parsed from the solution notebook's test cells, so
adding an exercise function changes the notebook and the entry's ``exercises`` only.
"""
from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType

import nbformat

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class CheckCall:
    """One call ``check_<name>(*functions, seed=seed)`` in a graded test cell of the notebook."""
    check: str                 # e.g. "check_linear_edge_cases"
    functions: tuple[str, ...]  # the notebook names passed to it, e.g. ("linear_forward", "linear_backward")
    seed: int | None           # the hidden test's seed keyword; None for a self-check
    grade_id: str              # the test cell's nbgrader grade id
    points: float              # the test cell's points


@dataclass(frozen=True)
class Exercise:
    """What one pair of checks grades: the self-check (visible) and the hidden test cell."""
    name: str
    functions: tuple[str, ...]  # the notebook functions (or classes) both checks take, in order
    seed: int                   # the hidden test's seed in the solution notebook
    visible: CheckCall
    hidden: CheckCall


@dataclass(frozen=True)
class Assignment:
    """One assignment as declared; the rest is read from ``solution_path`` on demand."""
    slug: str                   # "01-image-classification": the folder under solutions/ and exercises/
    notebook: str               # "image_classification.ipynb"
    chapter: str                # "book/01-image-classification": the chapter's path in _toc.yml, no suffix
    topic: str                  # "image_classification": the reference, checks and hints modules' name
    exercises: tuple[str, ...]  # the checked exercises in notebook order (see the module's docstring)

    @property
    def solution_path(self) -> Path:
        return ROOT / "solutions" / self.slug / self.notebook

    @property
    def release_path(self) -> Path:
        return ROOT / "exercises" / self.slug / self.notebook

    @property
    def chapter_path(self) -> Path:
        return ROOT / f"{self.chapter}.md"

    @property
    def checks(self) -> ModuleType:
        return importlib.import_module(f"autograder.checks.{self.topic}")

    @property
    def reference(self) -> ModuleType | None:
        return _optional_module(f"autograder.reference.{self.topic}")

    @property
    def hints(self) -> dict[str, str]:
        """The hints of this topic's own module (empty when its hints live in a shared module)."""
        module = _optional_module(f"autograder.hints.{self.topic}")
        return dict(module.HINTS) if module else {}

    @cached_property
    def _cells(self) -> list:
        return nbformat.read(self.solution_path, as_version=4).cells

    @cached_property
    def graded_points(self) -> dict[str, float]:
        """grade id -> points of every graded cell (tests and written answers), in notebook order."""
        return {meta["grade_id"]: float(meta["points"]) for meta in map(_nbgrader, self._cells) if meta.get("grade")}

    @property
    def max_score(self) -> float:
        return sum(self.graded_points.values())

    @cached_property
    def solution_definitions(self) -> tuple[str, ...]:
        """The functions and classes the solution cells define, in notebook order."""
        names = []
        for cell in self._cells:
            if cell.cell_type == "code" and _nbgrader(cell).get("solution"):
                tree = ast.parse(_without_magics(cell.source))
                names += [node.name for node in tree.body
                          if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
        return tuple(names)

    @cached_property
    def check_calls(self) -> tuple[CheckCall, ...]:
        """Every ``check_*`` call of the graded test cells, in notebook order."""
        calls = []
        for cell in self._cells:
            meta = _nbgrader(cell)
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            for node in ast.walk(ast.parse(_without_magics(cell.source))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                        and node.func.id.startswith("check_"):
                    seed = next((ast.literal_eval(k.value) for k in node.keywords if k.arg == "seed"), None)
                    functions = tuple(arg.id for arg in node.args if isinstance(arg, ast.Name))
                    calls.append(CheckCall(node.func.id, functions, seed, meta["grade_id"], float(meta["points"])))
        return tuple(calls)

    def exercise(self, name: str) -> Exercise:
        """The exercise ``name`` as the notebook tests it; KeyError if a check cell is missing."""
        calls = {call.check: call for call in self.check_calls}
        visible, hidden = calls[f"check_{name}"], calls[f"check_{name}_edge_cases"]
        return Exercise(name, hidden.functions, hidden.seed, visible, hidden)


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _without_magics(source: str) -> str:
    """The cell's source with IPython magics and shell lines (``%...``, ``!...``) blanked, for ast."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        return None


ASSIGNMENTS: tuple[Assignment, ...] = (
    Assignment("01-image-classification", "image_classification.ipynb", "book/01-image-classification",
               "image_classification", ("flatten_images", "linear_scores", "fc_parameter_count", "top_k_accuracy")),
    Assignment("02-softmax-cross-entropy", "softmax_cross_entropy.ipynb", "book/02-softmax-cross-entropy",
               "softmax_cross_entropy", ("softmax", "one_hot", "cross_entropy", "cross_entropy_grad",
                                         "softmax_jacobian", "linear_softmax_loss_and_grads",
                                         "numerical_gradient")),
    Assignment("03-backpropagation", "backpropagation.ipynb", "book/03-backpropagation", "backpropagation",
               ("linear", "relu", "sigmoid", "tanh", "conv2d", "max_pool2d", "avg_pool2d",
                "two_layer_net_loss_and_grads")),
    Assignment("04-loss-functions", "loss_functions.ipynb", "book/04-loss-functions", "loss_functions",
               ("binary_hinge_loss", "binary_hinge_grad", "multiclass_hinge_loss", "multiclass_hinge_grad",
                "crammer_singer_hinge_loss", "crammer_singer_hinge_grad", "l1_loss", "l1_grad", "l2_loss",
                "l2_grad", "smooth_l1_loss", "smooth_l1_grad")),
    Assignment("05-optimizers", "optimizers.ipynb", "book/05-optimizers", "optimizers",
               ("sgd_step", "momentum_step", "rmsprop_step", "adam_step", "minimize")),
    # answers, not functions: its checks (check_choice_correct, ...) are shared by every question
    Assignment("06-exam-practice", "exam_practice.ipynb", "book/06-exam-practice", "exam_practice", ()),
    Assignment("07-training-on-imagenet", "training.ipynb", "book/07-training-on-imagenet", "capstone",
               ("momentum", "adam", "train_one_epoch")),
)

BY_SLUG: dict[str, Assignment] = {assignment.slug: assignment for assignment in ASSIGNMENTS}
BY_TOPIC: dict[str, Assignment] = {assignment.topic: assignment for assignment in ASSIGNMENTS}
