"""Look at built book pages in a real browser (headless chromium), for the browser tests of every chapter.

``screenshot(html, png)`` saves a PNG of a local page. ``inspect_page(html)`` opens a built page, waits for the
window's ``load`` event and for MathJax 3 to finish typesetting, and returns what the reader would see::

    {
      "title": "Softmax and cross-entropy — ...",   # document.title
      "finished": true,                            # false: the page never finished loading in the time budget
      "mathjax": {"loaded": true, "version": "3.2.2", "error": null},
      "mjx_containers": 42,                        # typeset formulas (<mjx-container> elements)
      "raw_tex": {"$$": 0, "\\[": 0, "\\begin{": 0},   # TeX delimiters left in the visible text
      "raw_tex_samples": [...],                    # a little context around the first few of them
      "images": [{"src": ..., "alt": ..., "complete": true, "naturalWidth": 640, "naturalHeight": 480,
                  "in_article": true}, ...],       # every <img>; in_article: inside the page's text, not a logo
      "figures": 2,                                # images inside the article (figures and cell outputs)
      "blocks": {"cross-entropy-as-...": {"title": "Cross-entropy as ...", "classes": "section", "images": 1,
                 "images_loaded": 1, "mjx": 12, "title_link": null}, ...},
                                                   # every <section id> and admonition with an id in the article
                                                   # (exercises, solutions, boxes): its heading or admonition
                                                   # title, classes, images inside it (and how many loaded),
                                                   # typeset formulas inside it, and the title's link target
      "anchors": ["computational-graphs", "equation-backprop-eq-local", ...],
                                                   # every id in the article: what a link #id can reach
                                                   # (sections, labels, equations, exercises)
      "links": ["https://mybinder.org/v2/gh/...", ...],   # every distinct <a href>, resolved
      "text": "...",                               # document.body.innerText (the visible text)
    }

How: a sibling copy of the page (same folder, so relative links to ``_static/`` and ``_images/`` still resolve)
gets a script that writes this report as JSON into ``<pre id="cnn2-report">``; chromium loads the copy with
``--dump-dom`` and the report is parsed out of the dumped DOM; the copy is deleted afterwards.

Needs Debian's ``chromium`` (``make system-packages``); ``CNN2_CHROMIUM`` names another binary.
"""
from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["BrowserError", "find_chromium", "inspect_page", "screenshot"]

REPORT_ID = "cnn2-report"
RAW_TEX = ("$$", "\\[", "\\begin{")

# Flags that make headless chromium work offline, in a container, as root, without touching the network.
BASE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    # file:// pages are each their own origin: without this, fonts and data under _static are refused.
    "--allow-file-access-from-files",
)


class BrowserError(RuntimeError):
    """Chromium is missing, failed, or the page never produced its report."""


def find_chromium() -> str:
    """Path of the chromium binary (``CNN2_CHROMIUM`` first), or a BrowserError that says how to install it."""
    override = os.environ.get("CNN2_CHROMIUM")
    candidates = [override] if override else ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
    for name in candidates:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserError(
        f"no chromium found (looked for {', '.join(candidates)}): install it with `make system-packages` "
        "(Debian: apt-get install -y chromium) or set CNN2_CHROMIUM to the browser binary"
    )


def _run_chromium(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Run chromium with the base flags, a fresh profile and ``args``; return the finished process."""
    binary = find_chromium()
    with tempfile.TemporaryDirectory(prefix="cnn2-chromium-") as profile:
        command = [binary, *BASE_FLAGS, f"--user-data-dir={profile}", *args]
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as error:
            raise BrowserError(f"chromium did not finish within {timeout:.0f} s: {' '.join(command)}") from error


def _stderr_tail(process: subprocess.CompletedProcess, lines: int = 15) -> str:
    return "\n".join(process.stderr.strip().splitlines()[-lines:])


def _existing_page(html_path: str | os.PathLike) -> Path:
    path = Path(html_path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no such page: {path}")
    return path


def screenshot(html_path: str | os.PathLike, png_path: str | os.PathLike, width: int = 1280, height: int = 2000,
               budget_ms: int = 8000, timeout: float = 120) -> Path:
    """Save a ``width`` x ``height`` PNG of the local page ``html_path`` to ``png_path``; return ``png_path``.

    ``budget_ms`` is chromium's virtual-time budget: how long the page may run (load, MathJax) before the shot.
    """
    page = _existing_page(html_path)
    png = Path(png_path).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    process = _run_chromium(
        [f"--window-size={width},{height}", f"--virtual-time-budget={budget_ms}", f"--screenshot={png}",
         page.as_uri()],
        timeout,
    )
    if not png.is_file() or png.stat().st_size == 0:
        raise BrowserError(
            f"chromium wrote no screenshot of {page} (exit status {process.returncode}):\n{_stderr_tail(process)}"
        )
    return png


# Runs in the page. Waits for `load`, then for MathJax 3's startup promise (which settles after the first
# typeset), and writes the report. A fallback timer reports whatever is there if that never happens, with
# finished: false, so a page that hangs is reported as such instead of as a missing report.
_PROBE = r"""
<script>
(function () {
  var done = false;
  var RAW = %(raw)s;
  function count(text, needle) {
    var n = 0, i = text.indexOf(needle);
    while (i !== -1) { n += 1; i = text.indexOf(needle, i + needle.length); }
    return n;
  }
  function report(finished, note) {
    if (done) { return; }
    done = true;
    var body = document.body;
    var text = body ? body.innerText : "";
    var raw = {}, samples = [];
    RAW.forEach(function (needle) {
      raw[needle] = count(text, needle);
      var i = text.indexOf(needle);
      if (i !== -1) { samples.push(text.slice(Math.max(0, i - 40), i + 60)); }
    });
    var images = Array.prototype.map.call(document.images, function (img) {
      return {src: img.currentSrc || img.src, alt: img.getAttribute("alt"), complete: img.complete,
              naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
              in_article: !!img.closest("article")};
    });
    var links = [];
    Array.prototype.forEach.call(document.querySelectorAll("a[href]"), function (a) {
      if (links.indexOf(a.href) === -1) { links.push(a.href); }
    });
    var blocks = {};
    Array.prototype.forEach.call(document.querySelectorAll("article section[id], article div.admonition[id]"),
      function (el) {
        var inside = Array.prototype.slice.call(el.querySelectorAll("img"));
        var heading = el.querySelector("h1, h2, h3, h4, h5, .admonition-title");
        var link = heading ? heading.querySelector("a[href]") : null;
        blocks[el.id] = {title: heading ? heading.innerText.trim() : null,
                         classes: el.className || el.tagName.toLowerCase(),
                         images: inside.length,
                         images_loaded: inside.filter(function (img) {
                             return img.complete && img.naturalWidth > 0; }).length,
                         mjx: el.querySelectorAll("mjx-container").length,
                         title_link: link ? link.getAttribute("href") : null};
      });
    var anchors = Array.prototype.map.call(document.querySelectorAll("article [id]"), function (el) { return el.id; });
    var mj = window.MathJax;
    var result = {
      title: document.title,
      finished: finished,
      note: note,
      mathjax: {loaded: !!(mj && mj.startup && mj.startup.promise), version: (mj && mj.version) || null,
                error: finished ? null : note},
      mjx_containers: document.querySelectorAll("mjx-container").length,
      raw_tex: raw,
      raw_tex_samples: samples,
      images: images,
      figures: images.filter(function (im) { return im.in_article; }).length,
      blocks: blocks,
      anchors: anchors,
      links: links,
      text: text
    };
    var pre = document.createElement("pre");
    pre.id = "%(id)s";
    pre.style.display = "none";
    pre.textContent = JSON.stringify(result);
    (body || document.documentElement).appendChild(pre);
  }
  setTimeout(function () { report(false, "timed out waiting for load and MathJax"); }, %(fallback_ms)d);
  window.addEventListener("load", function () {
    var mj = window.MathJax;
    if (!(mj && mj.startup && mj.startup.promise)) { report(true, "no MathJax on this page"); return; }
    mj.startup.promise.then(
      function () { report(true, null); },
      function (error) { report(false, "MathJax failed: " + error); }
    );
  });
})();
</script>
"""


def _probe_script(fallback_ms: int) -> str:
    return _PROBE % {"raw": json.dumps(list(RAW_TEX)), "id": REPORT_ID, "fallback_ms": fallback_ms}


def _inject(source: str, script: str) -> str:
    """``source`` with ``script`` placed just before ``</head>`` (or first, when there is no head)."""
    match = re.search(r"</head\s*>", source, re.I)
    if match:
        return source[: match.start()] + script + source[match.start():]
    return script + source


_REPORT_RE = re.compile(r'<pre[^>]*\bid="%s"[^>]*>(.*?)</pre>' % REPORT_ID, re.S)


def inspect_page(html_path: str | os.PathLike, budget_ms: int = 10000, timeout: float = 120) -> dict:
    """Load the built page ``html_path`` in headless chromium and return the facts described in this module's
    docstring (after ``load`` and MathJax's first typeset). Raises BrowserError if chromium is missing or fails
    or the page never wrote its report; FileNotFoundError if there is no such page."""
    page = _existing_page(html_path)
    source = page.read_text(encoding="utf-8")
    copy = page.with_name(f".cnn2-inspect-{uuid.uuid4().hex[:12]}-{page.name}")
    copy.write_text(_inject(source, _probe_script(fallback_ms=max(1000, budget_ms - 1000))), encoding="utf-8")
    try:
        process = _run_chromium([f"--virtual-time-budget={budget_ms}", "--dump-dom", copy.as_uri()], timeout)
    finally:
        copy.unlink(missing_ok=True)
    match = _REPORT_RE.search(process.stdout)
    if not match:
        raise BrowserError(
            f"the page {page} never wrote its report (<pre id={REPORT_ID!r}>) in chromium; exit status "
            f"{process.returncode}, {len(process.stdout)} characters of DOM dumped; chromium said:\n"
            f"{_stderr_tail(process)}"
        )
    try:
        facts = json.loads(html.unescape(match.group(1)))
    except json.JSONDecodeError as error:
        raise BrowserError(f"unreadable report from {page}: {error}: {match.group(1)[:300]!r}") from error
    # Links to the page itself were taken on the copy: point them back at the page.
    facts["links"] = [link.replace(copy.name, page.name) for link in facts["links"]]
    return facts


if __name__ == "__main__":  # python tests/browser.py PAGE.html [SHOT.png]: print the report (without the text)
    import sys

    facts = inspect_page(sys.argv[1])
    facts["text"] = f"<{len(facts['text'])} characters>"
    print(json.dumps(facts, indent=2))
    if len(sys.argv) > 2:
        print("screenshot:", screenshot(sys.argv[1], sys.argv[2]))


@contextlib.contextmanager
def jupyter_server(app: str, root: Path, log_path: Path, env: dict | None = None,
                   before_stop: Callable[[str, str], None] | None = None) -> Iterator[tuple[str, str]]:
    """``jupyter <app>`` ("server", "lab") of this virtual environment serving ``root`` on a free local
    port, its output in ``log_path``; yields (base URL, token) once it answers, and stops it at the end
    (after ``before_stop(base, token)``, e.g. to shut kernels down first)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token, base = uuid.uuid4().hex, f"http://127.0.0.1:{port}"
    log = log_path.open("w")
    server = subprocess.Popen(
        [str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "jupyter"), app, "--allow-root",
         "--no-browser", f"--port={port}", f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=10).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"jupyter {app} did not start: {log_path.read_text()[-2000:]}") from None
                time.sleep(0.5)
        yield base, token
        if before_stop is not None:
            before_stop(base, token)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        log.close()
