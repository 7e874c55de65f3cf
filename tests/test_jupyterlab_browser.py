"""A student's failing self-check in a real JupyterLab (headless chromium through playwright), with the
student set-up of student-config/ on JUPYTER_CONFIG_PATH: the cell's output is the check's short message
(what was called, what differs, where, the likely mistake) with no traceback, nbgrader's Validate dialog
says the same, and nbgrader's instructor tools (the Nbgrader menu, Create Assignment) are not shown.

The notebook is exercise 02 as a student hands it in, every function solved except softmax, which skips
the max-shift: its self-check fails on huge logits.
"""
from __future__ import annotations

import json
import os
import urllib.request

import nbformat
import pytest
from playwright.sync_api import Page, sync_playwright

from autograder.compare import RENDERED_HEADING
from autograder.hints import HINTS
from browser import find_chromium, jupyter_server
from known_implementations.softmax_cross_entropy import SOFTMAX_WITHOUT_MAX
from notebook_code import ROOT, filled_release

ASSIGNMENT = "02-softmax-cross-entropy"
NOTEBOOK = "softmax_cross_entropy.ipynb"
MISTAKE = f"Likely mistake: no-max-subtraction. {HINTS['no-max-subtraction']}"
TRACEBACK_WORDS = ("Traceback", "compare.py", "During handling", "File ", "---->")
TIMEOUT_MS = 120_000


def _get(url: str, method: str = "GET"):
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as response:
        return response.read()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving the student's notebook, with the student set-up: yields its notebook URL."""
    folder = tmp_path_factory.mktemp("student")
    nb = filled_release(ROOT / "exercises" / ASSIGNMENT / NOTEBOOK, ROOT / "solutions" / ASSIGNMENT / NOTEBOOK,
                        {"softmax": SOFTMAX_WITHOUT_MAX})
    nbformat.write(nb, folder / NOTEBOOK)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("JUPYTER")}
    environment.update(JUPYTER_CONFIG_PATH=str(ROOT / "student-config"),
                       JUPYTER_CONFIG_DIR=str(folder / ".user-jupyter-config"))
    log_path = tmp_path_factory.mktemp("logs") / "jupyterlab.log"  # outside the folder the student sees

    def stop_kernels(base: str, token: str) -> None:
        # the kernels first: a server stopping with a busy kernel can wait for it for a long time
        for session in json.loads(_get(f"{base}/api/sessions?token={token}")):
            _get(f"{base}/api/sessions/{session['id']}?token={token}", method="DELETE")
    with jupyter_server("lab", folder, log_path, environment, stop_kernels) as (base, token):
        yield f"{base}/lab/tree/{NOTEBOOK}?token={token}"


@pytest.fixture(scope="module")
def page(lab, tmp_path_factory):
    """The student's notebook in chromium, after Run All Cells has run down to the softmax self-check."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(TIMEOUT_MS)
        try:
            page.goto(lab)
            page.locator(".jp-StatusBar-Widget", has_text="Python 3 (ipykernel) | Idle").wait_for()
            # run the first code cell as a student does (which also gives the notebook the focus that Run
            # All Cells needs) and wait for its result: the kernel is connected
            page.locator(".jp-CodeCell .jp-InputArea-editor").first.click()
            page.keyboard.press("Shift+Enter")
            page.locator(".jp-InputArea-prompt", has_text="[1]:").first.wait_for()
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            # Run All stops at the first failing cell: the softmax self-check
            page.locator(".jp-OutputArea-output", has_text=RENDERED_HEADING).first.wait_for()
            yield page
        finally:
            page.screenshot(path=str(tmp_path_factory.getbasetemp() / "jupyterlab.png"))
            browser.close()


def failed_check_output(page: Page) -> str:
    """The text of the one failed check's output in the notebook."""
    failed = page.locator(".jp-OutputArea-output", has_text=RENDERED_HEADING)
    assert failed.count() == 1
    # textContent: innerText is empty while JupyterLab leaves an off-screen cell unrendered
    return failed.first.text_content()


def validate_button(page: Page):
    """nbgrader's Validate button in the notebook's toolbar."""
    return page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True)


def test_a_failing_check_shows_its_message_without_traceback(page):
    output = failed_check_output(page)
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines[0] == f"{RENDERED_HEADING} softmax(y) on huge logits (around +900)", output
    text = " ".join(output.split())
    assert "expected 0.11355, got nan" in text, output
    assert MISTAKE in text, output
    assert not [word for word in TRACEBACK_WORDS if word in output], output
    assert len(lines) <= 12, output


def test_the_validate_dialog_names_the_mistake(page):
    validate_button(page).click()
    dialog = page.locator(".jp-Dialog", has_text="The following cell failed")
    dialog.wait_for()
    text = dialog.inner_text()
    assert "Check failed: softmax(y) on huge logits (around +900)" in text, text
    assert MISTAKE in " ".join(text.split()), text
    assert not [word for word in TRACEBACK_WORDS if word in text], text
    dialog.locator("button", has_text="Ok").click()


def test_students_do_not_see_the_instructor_tools(page):
    menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
    assert "Run" in menus and "Nbgrader" not in menus, menus
    assert "Create Assignment" not in page.content()
    assert validate_button(page).count() == 1  # the student's tool stays
