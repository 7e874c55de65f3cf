"""The built book as a reader sees it, in headless chromium: typeset math, figures that load, the exercise page
with its stubs and launch buttons, and nothing of the solutions or hidden tests published.

These tests read a built book and never build it: `make test` builds it strictly first (`make book` for a quick
build). CNN2_BOOK_HTML points them at another build, e.g. one made with
`jupyter-book build . --path-output /tmp/b` -> CNN2_BOOK_HTML=/tmp/b/_build/html.
"""
from __future__ import annotations

import html
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from browser import inspect_page, screenshot

ROOT = Path(__file__).resolve().parent.parent
BOOK_HTML = Path(os.environ.get("CNN2_BOOK_HTML") or ROOT / "_build" / "html").resolve()


def _toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [entry["file"] for part in toc.get("parts", []) for entry in part.get("chapters", [])]


# Every chapter and every exercise notebook the table of contents lists is tested.
CHAPTERS = [f"{f}.html" for f in _toc_files() if f.startswith("book/")]
EXERCISES = [f"{f}.html" for f in _toc_files() if f.startswith("exercises/")]
# Chapters that are not meant to have figures (e.g. exam practice); all others need at least 2.
MIN_FIGURES: dict[str, int] = {"book/06-exam-practice.html": 0}

# Text that exists only in the instructor sources (solutions/) or in the hidden tests.
HIDDEN_TEST_MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "_edge_cases(")
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def built(relative: str = "index.html") -> Path:
    """The built page ``relative``; fails (not skips) when there is no built book or no such page."""
    if not (BOOK_HTML / "index.html").is_file():
        pytest.fail(f"build the book first: make book (no {BOOK_HTML / 'index.html'})", pytrace=False)
    page = BOOK_HTML / relative
    if not page.is_file():
        pytest.fail(f"{relative} is not in the built book {BOOK_HTML}: is it listed in _toc.yml?", pytrace=False)
    return page


@lru_cache(maxsize=None)
def facts(relative: str) -> dict:
    """What chromium sees on a built page, once per page and test run."""
    return inspect_page(built(relative))


def source_text(page: Path) -> str:
    """All text of a page's HTML, hidden elements included (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def _cell_sources(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]


def solution_lines(source: Path, release: Path, min_length: int = 12) -> list[str]:
    """The distinctive code lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` in an instructor
    notebook that the student notebook does not contain."""
    given = "\n".join(_cell_sources(release))
    lines = set()
    for cell in _cell_sources(source):
        for block in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell, re.S):
            lines |= {line.split("#")[0].strip() for line in block.splitlines()}
    return sorted(line for line in lines if len(line) >= min_length and line not in given)


# --- the chapter -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_math_is_typeset(chapter):
    page = facts(chapter)
    assert page["mathjax"]["loaded"], (
        "MathJax never loaded on the chapter: the formulas stay raw TeX (no network? is sphinx-mathjax-offline "
        "in sphinx.extra_extensions?)"
    )
    assert page["finished"], f"the chapter did not finish loading and typesetting: {page['note']}"
    assert page["mjx_containers"] > 10, f"only {page['mjx_containers']} typeset formulas on the chapter"
    left = {delimiter: n for delimiter, n in page["raw_tex"].items() if n}
    assert not left, f"raw TeX left in the chapter's visible text: {left}, e.g. {page['raw_tex_samples']}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_figures_load(chapter):
    page = facts(chapter)
    broken = [image["src"] for image in page["images"] if not (image["complete"] and image["naturalWidth"] > 0)]
    assert not broken, f"images that did not load on {chapter}: {broken}"
    minimum = MIN_FIGURES.get(chapter, 2)
    assert page["figures"] >= minimum, f"{chapter} shows {page['figures']} figure(s), expected at least {minimum}"


def test_chapter_screenshot(tmp_path):
    png = screenshot(built(CHAPTERS[0]), tmp_path / "chapter.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000, f"the chapter's screenshot is nearly empty ({png.stat().st_size} bytes)"


# --- sections that teach one idea each: on their page, with a figure that loads, formulas and a question -------

# (page, section id, the id of its check-your-understanding question)
TAUGHT_SECTIONS = [
    ("book/01-image-classification.html", "supervised-learning-training-pairs-and-the-empirical-risk",
     "ex-ic-empirical-risk"),
    ("book/02-softmax-cross-entropy.html", "softmax-scores-to-probabilities", "ex-temperature"),
    ("book/02-softmax-cross-entropy.html", "cross-entropy-as-likelihood-and-as-divergence", "ex-ce-smoothing"),
    ("book/02-softmax-cross-entropy.html", "where-training-starts-preprocessing-and-initialisation", "ex-init-scale"),
    ("book/04-loss-functions.html", "regularisation-the-scale-ambiguity-l2-as-a-prior-weight-decay",
     "ex-loss-functions-scale"),
    ("book/04-loss-functions.html", "softmax-and-svm-on-the-same-scores", "ex-loss-functions-softmax-svm"),
    ("book/03-backpropagation.html", "checking-gradients", "backprop-ex-gradcheck"),
    ("book/05-optimizers.html", "momentum-as-an-exponential-moving-average", "ex-optimizers-ema-window"),
    ("book/05-optimizers.html", "a-step-size-per-weight-adagrad-and-rmsprop", "ex-optimizers-rmsprop-first-step"),
    ("book/05-optimizers.html", "weight-decay-l2-regularisation-and-adamw", "ex-optimizers-adamw"),
    ("book/05-optimizers.html", "learning-rate-schedules", "ex-optimizers-schedule"),
    ("book/07-training-on-imagenet.html", "diagnosing-a-run-four-checks", "ex-training-initial-loss"),
    ("book/07-training-on-imagenet.html", "diagnosing-a-run-four-checks", "ex-training-double-softmax"),
    ("book/07-training-on-imagenet.html", "diagnosing-a-run-four-checks", "ex-training-gap"),
    ("book/07-training-on-imagenet.html", "diagnosing-a-run-four-checks", "ex-training-update-ratio"),
]


@pytest.mark.parametrize(("chapter", "section", "question"), TAUGHT_SECTIONS, ids=[q for _, _, q in TAUGHT_SECTIONS])
def test_taught_section_has_its_figure_formulas_and_question(chapter, section, question):
    blocks = facts(chapter)["blocks"]
    assert section in blocks, f"no section #{section} on {chapter}; its sections: {sorted(blocks)}"
    block = blocks[section]
    assert block["images"] >= 1 and block["images_loaded"] == block["images"], (
        f"#{section} on {chapter} shows {block['images_loaded']} of {block['images']} figure(s); it needs one")
    assert block["mjx"] >= 3, f"#{section} on {chapter} has {block['mjx']} typeset formula(s)"
    assert question in blocks and "exercise" in blocks[question]["classes"], f"no question #{question} on {chapter}"
    solutions = [b for b in blocks.values() if b["title_link"] == f"#{question}" and "solution" in b["classes"]]
    assert len(solutions) == 1 and "dropdown" in solutions[0]["classes"], (
        f"question #{question} on {chapter} needs one solution in a dropdown, found {solutions}")


# Anchors that other pages, the intro and the exercises link to, or that readers are sent to: labelled
# sections, numbered equations and questions. A renamed heading or label must not silently break them.
ANCHORS = {
    "book/03-backpropagation.html": [
        "backprop-gradient-check", "the-relative-error-and-what-its-size-means", "equation-backprop-eq-relative-error",
        "backprop-gradient-check-practice", "kinks", "backprop-ex-gradcheck"],
    "book/05-optimizers.html": [
        "optimizers-gradient-descent-momentum-rmsprop-and-adam", "optimizers-ema", "optimizers-rmsprop",
        "optimizers-weight-decay", "optimizers-schedules", "equation-eq-optimizers-adagrad",
        "equation-eq-optimizers-rmsprop", "equation-eq-optimizers-weight-decay", "equation-eq-optimizers-adamw",
        "ex-optimizers-ema-window", "ex-optimizers-rmsprop-first-step", "ex-optimizers-adamw",
        "ex-optimizers-schedule"],
}


@pytest.mark.parametrize(("chapter", "anchor"), [(c, a) for c, anchors in ANCHORS.items() for a in anchors],
                         ids=[f"{c.split('/')[1][:2]}-{a}" for c, anchors in ANCHORS.items() for a in anchors])
def test_anchor_is_on_its_page(chapter, anchor):
    anchors = facts(chapter)["anchors"]
    assert anchor in anchors, f"no #{anchor} on {chapter}; ids there: {sorted(a for a in anchors if '-' in a)}"


def test_relative_error_equation_is_typeset():
    blocks = facts("book/03-backpropagation.html")["blocks"]
    section = blocks.get("the-relative-error-and-what-its-size-means")
    assert section is not None and section["mjx"] >= 10, (
        f"the relative-error section is missing or untypeset: {section}")


def test_step_rules_listing_shows_rmsprop():
    # chapter 05 shows the step rules from the exercise notebook itself, RMSProp's among them
    text = facts("book/05-optimizers.html")["text"]
    assert "def rmsprop_rule" in text, "chapter 05's step-rules listing does not show def rmsprop_rule"


def test_gradient_layout_box_is_typeset_and_linked():
    box = facts("book/02-softmax-cross-entropy.html")["blocks"].get("box-gradient-layout")
    assert box is not None, "chapter 02 has no #box-gradient-layout (other chapters link to that label)"
    assert "admonition" in box["classes"] and box["title"].startswith("Gradient layout"), box
    assert box["mjx"] >= 10, f"the gradient-layout box has only {box['mjx']} typeset formulas"
    for page in ("book/intro.html", "book/03-backpropagation.html", "book/04-loss-functions.html",
                 "book/06-exam-practice.html"):
        links = facts(page)["links"]
        assert any(link.endswith("02-softmax-cross-entropy.html#box-gradient-layout") for link in links), (
            f"{page} does not link to the gradient-layout box")


# How each exercise notebook introduces its worked example (05 and 07 say it in their own words).
WORKED_EXAMPLE = {"05": "What right looks like", "07": "A worked example, by hand"}


@pytest.mark.parametrize("exercise", EXERCISES)
def test_exercise_page_shows_a_worked_example_before_the_first_stub(exercise):
    text = facts(exercise)["text"]
    example = text.find(WORKED_EXAMPLE.get(exercise.split("/")[1][:2], "A worked example, computed by hand"))
    stub = re.search(r"# YOUR CODE HERE\s*\n\s*raise NotImplementedError\(\)", text)
    assert example != -1, f"{exercise} shows no worked example"
    assert stub and example < stub.start(), f"{exercise} shows its worked example after the first stub"


# --- the exercise page ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("exercise", EXERCISES)
def test_exercise_page_shows_the_stubs_not_the_solution(exercise):
    page = facts(exercise)
    visible = page["text"]
    assert "YOUR CODE HERE" in visible or "YOUR ANSWER HERE" in visible, \
        f"{exercise} does not show the student stubs"
    notebook = Path(exercise).with_suffix(".ipynb")
    release = ROOT / notebook
    source = ROOT / "solutions" / notebook.relative_to("exercises")
    everything = visible + "\n" + source_text(built(exercise))
    leaked = [text for text in (*SOLUTION_MARKERS, *solution_lines(source, release)) if text in everything]
    assert not leaked, f"solution code on {exercise}: {leaked}"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_exercise_page_has_launch_buttons(exercise):
    # only Binder is offered (tests/test_launch_config.py checks that it is the one path that works)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    binder = (config.get("launch_buttons") or {}).get("binderhub_url")
    assert binder and urlparse(binder).hostname == "mybinder.org"
    links = facts(exercise)["links"]
    assert any(link.startswith(binder.rstrip("/") + "/") for link in links), (
        "no Binder launch button on the exercise page; its external links: "
        + str([link for link in links if link.startswith("http")]))
    not_offered = [link for link in links if urlparse(link).hostname == "colab.research.google.com"
                   or "jupyterhub" in (urlparse(link).hostname or "")]
    assert not not_offered, f"launch buttons for paths that do not work: {not_offered}"


# --- nothing of the solutions or hidden tests is published ------------------------------------------------

def test_no_solutions_or_hidden_tests_published():
    built()
    assert not (BOOK_HTML / "solutions").exists(), "solutions/ was published as _build/html/solutions"
    published = [p for p in BOOK_HTML.rglob("*") if p.is_file()]
    bad_paths = [str(p.relative_to(BOOK_HTML)) for p in published
                 if "solutions" in p.relative_to(BOOK_HTML).parts or p.name == "gradebook.db"
                 or p.name.startswith(".cnn2-inspect-")]
    assert not bad_paths, f"files that must not be in the built book: {bad_paths}"
    markers = [m.encode() for m in (*HIDDEN_TEST_MARKERS, *SOLUTION_MARKERS)]
    leaks = [f"{p.relative_to(BOOK_HTML)}: {m.decode()!r}" for p in published for m in markers if m in p.read_bytes()]
    assert not leaks, f"hidden tests or solutions in the built book: {leaks}"


# --- the helper itself: it must see what is wrong, or the tests above prove nothing ---------------------------

def test_helper_sees_broken_images_and_raw_tex(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>Broken page</title></head><body>"
        "<article><p id='eq-1'>$$ E = mc^2 $$ and \\[ x \\]</p><img src='missing.png' alt='gone'></article>"
        "<a id='outside' href='https://example.org/x'>out</a></body></html>",
        encoding="utf-8",
    )
    seen = inspect_page(page)
    assert seen["title"] == "Broken page"
    assert seen["finished"] and not seen["mathjax"]["loaded"] and seen["mjx_containers"] == 0
    assert seen["raw_tex"] == {"$$": 2, "\\[": 1, "\\begin{": 0}
    assert [(i["alt"], i["naturalWidth"], i["in_article"]) for i in seen["images"]] == [("gone", 0, True)]
    assert "https://example.org/x" in seen["links"]
    assert seen["anchors"] == ["eq-1"], "anchors are the ids inside <article>, and only those"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.html"], "the probe copy was left behind"
