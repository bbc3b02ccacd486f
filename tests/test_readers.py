"""A saved answer in the readers that are not JupyterLab, run here for real: nbconvert's
HTML with MathJax 2.7 (nbviewer's path), a page that puts the HTML in as it is and
typesets nothing (what VS Code's and Colab's output renderers do), a sanitizer that
drops styles and keeps elements (GitHub's kind), and pandoc reading the notebook.
Each counts the formulas shown, looks for raw TeX and for a formula shown twice, and
runs a hostile answer to see that nothing in it runs.

Slow and with their own downloads (nbconvert, pandoc, MathJax from npm): ``make
readers``, not ``make test``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from claude_nb.replay import message_script
from claude_nb.view.stream_view import StreamView

from .hostile import RAW_TAGS
from .jupyter_app import browser_context
from .test_browser import TEN_FORMULAS, VISIBLE_MATHML

pytestmark = [pytest.mark.readers, pytest.mark.browser]

READERS = Path(os.environ.get("READERS_DIR", Path(__file__).resolve().parent.parent / ".readers"))
MATHJAX2 = READERS / "node_modules" / "mathjax" / "MathJax.js"
RAW_TEX = re.compile(r"\\[(\[]|\\frac|\\left|\\lim")


def _bundle(text: str) -> dict[str, Any]:
    view = StreamView()
    for step in message_script([{"type": "text", "text": text}], chunk=9).steps:
        if step.kind == "event":
            view.feed(step.data)
    return view._static_bundle()


def _notebook(path: Path, *texts: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for text in texts:
        cell = nbformat.v4.new_code_cell("%%claude\nmath")
        cell.outputs = [nbformat.v4.new_output("display_data", data=_bundle(text))]
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


HOSTILE = "Answer with markup:\n\n" + "\n\n".join(RAW_TAGS) + "\n"


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp, browser_context(Path(tmp) / "p") as context:
        yield context.new_page()


def _counts(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """(visible) => {
          const root = document.querySelector('.cnb');
          const typeset = root.querySelectorAll('.MathJax_CHTML, mjx-container, .MathJax').length;
          const shown = eval(visible)(root);
          return { typeset, mathml: shown, text: root.innerText, pwned: window.__pwned === 1 };
        }""",
        VISIBLE_MATHML,
    )


def test_nbconvert_html_with_mathjax_typesets_every_formula_once(page: Any, tmp_path: Path) -> None:
    if not MATHJAX2.exists():
        pytest.skip(f"MathJax 2.7 is not installed in {READERS} (make readers installs it)")
    notebook = _notebook(tmp_path / "saved.ipynb", TEN_FORMULAS, HOSTILE)
    url = f"file://{MATHJAX2}?config=TeX-AMS_CHTML-full,Safe"
    subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "html", f"--HTMLExporter.mathjax_url={url}", str(notebook)],
        check=True,
        capture_output=True,
    )
    page.goto(f"file://{tmp_path / 'saved.html'}")
    page.wait_for_function("() => document.querySelectorAll('.cnb .MathJax_CHTML').length >= 10", timeout=60_000)
    page.wait_for_timeout(500)
    seen = _counts(page)
    assert seen["typeset"] == 10 and seen["mathml"] == 0, seen  # typeset once, the MathML copy hidden
    assert not RAW_TEX.search(seen["text"]) and "It costs $5 and $10 per month." in seen["text"]
    assert not page.evaluate("window.__pwned === 1")


@pytest.mark.parametrize("reader", ["as-is", "styles-dropped"])
def test_a_reader_without_a_typesetter_shows_every_formula_once(page: Any, reader: str) -> None:
    """As is: VS Code's and Colab's output renderers put text/html into the page
    unsanitized and typeset nothing: the browser's MathML shows, never the TeX.
    Styles dropped (a GitHub-like sanitizer): no formula shows twice."""
    shown = _bundle(TEN_FORMULAS)["text/html"] + _bundle(HOSTILE)["text/html"]
    if reader == "styles-dropped":
        shown = re.sub(r"<style>.*?</style>", "", shown, flags=re.DOTALL)
        shown = re.sub(r'\sstyle="[^"]*"', "", shown)
    page.set_content("<!doctype html><html><body></body></html>")
    # innerHTML does not run <script> elements; VS Code re-creates them so that they
    # run: do the same, so a script that got through would run here too.
    page.evaluate(
        """(html) => {
          document.body.innerHTML = html;
          for (const old of document.body.querySelectorAll('script')) {
            const s = document.createElement('script'); s.textContent = old.textContent; old.replaceWith(s);
          }
        }""",
        shown,
    )
    page.wait_for_timeout(300)
    seen = _counts(page)
    if reader == "as-is":
        assert seen["mathml"] == 10, seen
        assert not RAW_TEX.search(seen["text"]), seen["text"]
    else:
        assert seen["mathml"] == 0  # the MathML copies stay inside <rp>: TeX shows, once
        assert seen["text"].count("\\frac{a}{b}") == 1
    assert "It costs $5 and $10 per month." in seen["text"]
    assert not page.evaluate("window.__pwned === 1"), "something in the hostile answer ran"
    assert page.locator("script").count() == 0


def test_pandoc_reads_the_notebook_with_every_formula_in_dollars(tmp_path: Path) -> None:
    pypandoc = pytest.importorskip("pypandoc")
    notebook = _notebook(tmp_path / "saved.ipynb", TEN_FORMULAS)
    markdown = pypandoc.convert_file(str(notebook), "markdown", format="ipynb")
    html = pypandoc.convert_text(markdown, "html", format="markdown", extra_args=["--mathml"])
    # Formulas pandoc typesets (as MathML here): all ten, none left as bracket TeX.
    assert html.count("<math") == 10, html
    assert "\\(" not in html and "\\[" not in html
    assert "$5 and $10 per month" in html
