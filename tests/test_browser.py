"""The live view and the saved notebook, in JupyterLab 4 and Notebook 7 under headless Chromium."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest

from claude_nb.replay import ReplayServer

from .conftest import SENTINEL_KEY, kernel_env
from .jupyter_app import JupyterApp, browser_context, run_all_cells, wait_kernel_idle

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

OBSERVER = """() => {
  const rec = { states: new Set(), openWhileStreaming: false, toolRowWhileLive: false };
  window.__cnb = rec;
  new MutationObserver(() => {
    const answer = document.querySelector('.jp-OutputArea .cnb-live-root .cnb-answer');
    if (!answer) return;
    rec.states.add(answer.innerHTML);
    const pane = document.querySelector('.jp-OutputArea .cnb-live-root details.cnb-thinking');
    if (pane && pane.open) rec.openWhileStreaming = true;
    if (document.querySelector('.jp-OutputArea .cnb-live-root tr[data-tool-id]')) rec.toolRowWhileLive = true;
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
}"""

FINAL = """() => {
  const done = document.querySelector('.jp-OutputArea .cnb[data-status="done"]');
  return !!done && !document.querySelector('.jp-OutputArea .cnb-live-root');
}"""


def write_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext claude_nb\nimport claude_nb"),
        # The public API with a tool definition: the loopback API, like the real one, calls
        # tools only when the request offers them.
        nbformat.v4.new_code_cell(
            "shown = claude_nb.stream('replay:showcase Show me everything.', max_tokens=6000,\n"
            "    thinking={'type': 'enabled', 'budget_tokens': 2048},\n"
            "    tools=[{'name': 'run_tests', 'input_schema': {'type': 'object'}}])"
        ),
    ]
    nbformat.write(nb, path)


@dataclass
class Browser:
    """One JupyterLab (with claude_nb's page extension) and one Chromium for every test
    of the session: each test opens its own notebook in a new page, and its kernel is
    shut down after it. Starting both per test cost more than most tests themselves."""

    root: Path
    lab: JupyterApp
    context: Any
    env: dict[str, str]


@pytest.fixture(scope="module")
def browser(replay: ReplayServer) -> Iterator[Browser]:
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        env = kernel_env(replay)
        lab = JupyterApp("lab", root, env)
        try:
            with browser_context(Path(tmp) / "profile") as context:
                yield Browser(root, lab, context, env)
        finally:
            lab.stop()


def _screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=False)


@contextmanager
def opened(browser: Browser, app: JupyterApp, name: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A new page on ``name`` in ``app`` with its kernel idle; its kernels are shut down
    after. A failure leaves a screenshot in test-artifacts."""
    page = browser.context.new_page()
    page.__cnb_app = app.app  # type: ignore[attr-defined]
    try:
        page.goto(app.url(name))
        wait_kernel_idle(app, page)
        yield page
    except Exception:
        _screenshot(page, f"FAILED-{request.node.name}.png")
        raise
    finally:
        page.close()
        app.shutdown_kernels()


@contextmanager
def one_off_notebook(
    browser: Browser, request: pytest.FixtureRequest, name: str, cells: list[str], *, disabled: tuple[str, ...] = ()
) -> Iterator[tuple[Path, Any]]:
    """A notebook of ``cells``, its page open with the kernel idle: in the shared
    JupyterLab, or in one of its own when extensions are ``disabled``. Yields (its
    folder, the page)."""
    with ExitStack() as stack:
        root, app = browser.root, browser.lab
        if disabled:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(ignore_cleanup_errors=True)))
            root = tmp / "root"
            root.mkdir()
            app = JupyterApp("lab", root, browser.env, disabled=disabled)
            stack.callback(app.stop)
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        nbformat.write(nb, root / f"{name}.ipynb")
        page = stack.enter_context(opened(browser, app, f"{name}.ipynb", request))
        yield root, page


def _stream_and_check(page: Any) -> None:
    page.evaluate(OBSERVER)
    run_all_cells(page)
    page.wait_for_selector(".jp-OutputArea .cnb-live-root .cnb-answer", timeout=30_000)
    page.evaluate("document.querySelector('.jp-OutputArea .cnb-live-root').dataset.watched = 'yes'")
    page.wait_for_function("() => window.__cnb.states.size >= 3", timeout=30_000)
    _screenshot(page, f"{page.__cnb_app}-live.png")
    page.wait_for_function(FINAL, timeout=60_000)
    # The page that watched keeps the live view's DOM as the static answer (claude_nb's
    # page extension), every block of it laid out again once the page had time.
    kept = page.locator(".jp-OutputArea-output.cnb-answer-output .cnb[data-watched='yes']")
    assert kept.count() == 1, "the static answer was drawn afresh"
    assert page.locator(".jp-OutputArea [style*='content-visibility']").count() == 0
    states = page.evaluate("window.__cnb.states.size")
    assert states >= 10, f"the answer reached the screen in only {states} states"
    assert not page.evaluate("window.__cnb.openWhileStreaming"), "thinking pane should stay folded"
    assert page.evaluate("window.__cnb.toolRowWhileLive"), "the tool row should appear while live"
    out = page.locator(".jp-OutputArea .cnb")
    assert out.locator(".cnb-answer table").count() == 1
    assert out.locator(".cnb-answer pre code .k").count() >= 1
    assert out.locator(".cnb-answer h1").inner_text() == "Streaming report"
    assert out.locator("tr[data-tool-id='toolu_showcase']").count() == 1
    footer = out.locator(".cnb-footer").inner_text()
    assert "tokens" in footer and "done" in footer
    details = out.locator("details.cnb-thinking")
    assert details.evaluate("d => d.open") is False
    details.locator("summary").click()
    assert details.evaluate("d => d.open") is True
    assert "structure first" in details.inner_text()
    _screenshot(page, f"{page.__cnb_app}-thinking-open.png")


@pytest.mark.parametrize("app_name", ["lab", "notebook"])
def test_streams_live_then_leaves_a_static_answer(
    app_name: str, browser: Browser, request: pytest.FixtureRequest
) -> None:
    with ExitStack() as stack:
        app, root = browser.lab, browser.root
        if app_name == "notebook":
            # Notebook 7 runs in the dark theme so both themes are seen (and screenshotted).
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(ignore_cleanup_errors=True)))
            root = tmp / "root"
            root.mkdir()
            app = JupyterApp("notebook", root, browser.env, theme="JupyterLab Dark")
            stack.callback(app.stop)
        name = f"stream-{app_name}.ipynb"
        write_notebook(root / name)
        page = stack.enter_context(opened(browser, app, name, request))
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        _run_save_reopen(app, page, root / name, errors)


def _run_save_reopen(app: JupyterApp, page: Any, path: Path, errors: list[str]) -> None:
    _stream_and_check(page)
    page.keyboard.press("Control+s")
    saved = _wait_saved(path)
    html = _static_output(saved)
    assert "Streaming report" in html and "<table>" in html and "<details" in html
    assert SENTINEL_KEY not in json.dumps(saved)
    app.shutdown_kernels()
    page.reload()
    page.wait_for_selector(".jp-OutputArea .cnb .cnb-answer table", timeout=30_000)
    assert "Error displaying widget" not in page.inner_text("body")
    assert "Streaming report" in page.locator(".jp-OutputArea .cnb-answer").inner_text()
    _screenshot(page, f"{app.app}-reopened.png")
    widget_errors = [e for e in errors if "schema" not in e]
    assert not widget_errors, widget_errors


def _wait_saved(path: Path, timeout: float = 20) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        nb = json.loads(path.read_text())
        if _static_output(nb):
            return nb  # type: ignore[no-any-return]
        time.sleep(0.25)
    raise AssertionError("the saved notebook has no static answer")


def _static_output(nb: dict[str, Any]) -> str:
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "cnb" in str(data.get("text/html", "")):
                assert "application/vnd.jupyter.widget-view+json" not in data
                html = data["text/html"]
                return html if isinstance(html, str) else "".join(html)
    return ""


def test_hostile_answer_runs_nothing_and_fetches_nothing(
    browser: Browser, replay: ReplayServer, request: pytest.FixtureRequest
) -> None:
    from claude_nb.replay import message_script

    from .hostile import MARKDOWN_SPECIFIC, RAW_TAGS, REMOTE_IMAGES, URLS

    links = [f"[link{i}]({url})" for i, url in enumerate(URLS)]
    answer = "\n\n".join(RAW_TAGS + REMOTE_IMAGES + MARKDOWN_SPECIFIC + links)
    cells = [
        "import claude_nb",
        "claude_nb.stream('hostile', max_tokens=3000, thinking={'type': 'enabled', 'budget_tokens': 1024},"
        " tools=[{'name': 't', 'input_schema': {'type': 'object'}}])",
    ]
    with one_off_notebook(browser, request, "hostile", cells) as (_root, page):
        hosts: set[str] = set()
        page.on("request", lambda r: hosts.add(r.url.split("/")[2] if "://" in r.url else r.url[:30]))
        replay.queue(
            message_script(
                [
                    {"type": "thinking", "thinking": answer},
                    {"type": "text", "text": answer},
                    {"type": "tool_use", "id": "toolu_x", "name": "t", "input": {"p": RAW_TAGS}},
                ],
                chunk=40,
                stop_reason="tool_use",
            )
        )
        run_all_cells(page)
        page.wait_for_selector('.jp-OutputArea .cnb[data-status="done"]', timeout=60_000)
        page.wait_for_function("() => !document.querySelector('.jp-OutputArea .cnb-live-root')")
        page.locator(".jp-OutputArea details.cnb-thinking summary").click()
        page.wait_for_timeout(1000)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert "onerror=window.__pwned=1" in page.locator(".jp-OutputArea .cnb-answer").inner_text()
        assert page.locator(".jp-OutputArea .cnb-image-blocked").count() >= len(REMOTE_IMAGES) - 2
        _screenshot(page, "lab-hostile.png")
        others = {h for h in hosts if not h.startswith("127.0.0.1")}
        assert not others, f"the page contacted other hosts: {others}"


RELOADED_ANSWER = """() => {
  const a = document.querySelector('.jp-OutputArea .cnb-answer');
  const root = document.querySelector('.jp-OutputArea .cnb-live-root');
  return a ? [a.innerText, root ? root.dataset.status : ''] : null;
}"""


@pytest.mark.parametrize(
    "how",
    [
        "async",
        "magic",
        # Stock JupyterLab (a server of its own) and the long answer: slow, in make readers.
        pytest.param("magic-stock", marks=pytest.mark.readers),
        pytest.param("magic-200kb", marks=pytest.mark.readers),
    ],
)
def test_page_reloaded_mid_stream_shows_the_answer(
    how: str, browser: Browser, replay: ReplayServer, request: pytest.FixtureRequest
) -> None:
    """A page reloaded (after a save) while Claude answers: with an async stream it
    picks the stream up live; with the blocking magic it shows the final answer once
    the cell ends. Never an empty or stale output, also well after the end: that page
    never gets the static answer from Jupyter, so its view keeps the answer; with the
    page extension the output becomes the static answer, and a save keeps it."""
    import time

    from claude_nb.replay import message_script

    # 200 KB: a reloaded page catches up with a long answer over several frames, and
    # says "done" only once all of it is drawn.
    paragraphs = [f"Paragraph {i}: " + "words and more words " * 6 for i in range(1500 if "200kb" in how else 40)]
    if how == "async":
        cells = [
            "import anthropic, claude_nb\nclient = anthropic.AsyncAnthropic()",
            "view = claude_nb.StreamView()\ndisplay(view)\nmsg = await view.aconsume(client.messages.stream("
            "model='claude-test', max_tokens=1024, messages=[{'role': 'user', 'content': 'reload'}]))",
        ]
    else:
        cells = ["%load_ext claude_nb", "%%claude\nreload"]
    disabled = ("claude-nb",) if how.endswith("stock") else ()
    with one_off_notebook(browser, request, f"reload-{how}", cells, disabled=disabled) as (root, page):
        pace = 0.0015 if "200kb" in how else 0.015
        replay.queue(message_script([{"type": "text", "text": "\n\n".join(paragraphs)}], pace=pace))
        run_all_cells(page)
        page.wait_for_selector(".jp-OutputArea .cnb-live-root .cnb-answer p", timeout=30_000)
        page.keyboard.press("Control+s")
        saved, save_deadline = root / f"reload-{how}.ipynb", time.monotonic() + 20
        while "widget-view" not in saved.read_text() and time.monotonic() < save_deadline:
            page.wait_for_timeout(200)
        page.reload()
        seen: list[tuple[int, str]] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            got = page.evaluate(RELOADED_ANSWER)
            if got:
                seen.append((len(got[0]), got[1]))
                if got[1] == "done":
                    break
            page.wait_for_timeout(200)
        assert seen and seen[-1][1] == "done", f"no final answer after the reload: {seen[-5:]}"
        text = page.evaluate(RELOADED_ANSWER)[0]
        assert text.startswith("Paragraph 0:") and "Paragraph 39:" in text
        assert text.count("Paragraph") == len(paragraphs)
        if how == "async":
            growing = {n for n, status in seen if status == "streaming"}
            assert len(growing) >= 3, f"the reloaded page did not follow the stream: {seen[:10]}"
        if disabled:
            # No extension: the view goes on showing the whole answer (the widget stays).
            page.wait_for_timeout(4000)
            got = page.evaluate(RELOADED_ANSWER)
            assert got and got[1] == "done" and got[0].count("Paragraph") == len(paragraphs)
        else:
            # The extension puts the static answer in place of the widget; saved, it stays.
            page.wait_for_function(FINAL, timeout=20_000)
            page.keyboard.press("Control+s")
            html = _static_output(_wait_saved(saved))
            assert html.count("Paragraph ") == len(paragraphs) and "Paragraph 39:" in html
            page.wait_for_timeout(1000)
            got = page.evaluate(RELOADED_ANSWER)
            assert got and got[0].count("Paragraph") == len(paragraphs)
        _screenshot(page, f"lab-reloaded-{how}.png")


GAP_CELLS = [
    "import asyncio, claude_nb\nfrom claude_nb.replay import message_script\n"
    "class SyncCountingView(claude_nb.StreamView):\n"
    "    syncs = 0\n"
    "    def _on_frontend_msg(self, widget, content, buffers):\n"
    "        SyncCountingView.syncs += content.get('type') == 'sync'\n"
    "        super()._on_frontend_msg(widget, content, buffers)\n"
    "view = SyncCountingView(frame_interval=0)\ndisplay(view)",
    # A page that has the view's first frame does not ask for the state (it would be
    # sent twice); yield to the kernel long enough for such a request to arrive, so
    # what follows can only be repaired by a sync the gap itself causes.
    "await asyncio.sleep(2)\nassert SyncCountingView.syncs == 0, SyncCountingView.syncs",
    # Feed part of an answer, lose one frontend message (as a dropped message would),
    # then go on: the page must notice the gap, ask for the whole state and end exact.
    "paragraphs = [f'Paragraph {i}: ' + 'some words ' * 8 for i in range(12)]\n"
    "events = [s.data for s in message_script([{'type': 'text', 'text': '\\n\\n'.join(paragraphs)}]).steps"
    " if s.kind == 'event']\n"
    "half = len(events) // 2\n"
    "for event in events[:half]:\n"
    "    view.feed(event)\n"
    "view._flush()\n"
    "view._frames._seq += 1  # this frame never reaches the page\n"
    "for event in events[half:-2]:\n"
    "    view.feed(event)\n"
    "view._flush()",
]


def test_a_lost_message_is_noticed_and_repaired_by_a_sync(
    browser: Browser, replay: ReplayServer, request: pytest.FixtureRequest
) -> None:
    """The page checks every message's sequence number: after a gap it ignores what
    it cannot place, asks the kernel for the whole state and shows it exactly."""
    with one_off_notebook(browser, request, "gap", GAP_CELLS) as (_root, page):
        try:
            run_all_cells(page)
            page.wait_for_function(
                "() => (document.querySelector('.jp-OutputArea .cnb-live-root .cnb-answer') || {})"
                ".innerText?.includes('Paragraph 11:')",
                timeout=30_000,
            )
            text = page.locator(".jp-OutputArea .cnb-live-root .cnb-answer").inner_text()
            assert [f"Paragraph {i}:" in text for i in range(12)] == [True] * 12
            assert text.count("Paragraph") == 12
        finally:
            _screenshot(page, "lab-gap-repaired.png")


TOOL_ROWS = """() => {
  const rec = { classes: new Set() };
  window.__cnbTools = rec;
  new MutationObserver(() => {
    for (const row of document.querySelectorAll('.jp-OutputArea .cnb-live-root tr[data-tool-id]')) {
      rec.classes.add(row.className);
    }
  }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
}"""

TOOL_CELLS = [
    "%load_ext claude_nb\nimport time\n"
    "def run_tests(suite: str) -> str:\n"
    '    """Runs a test suite.\n\n    Args:\n        suite: Which suite.\n    """\n'
    "    time.sleep(1.5)\n    return f'{suite}: 12 passed'",
    "%%claude --tools run_tests\nreplay:call_tool run the tests",
]


def test_a_tool_call_shows_pending_then_running_then_its_result(
    browser: Browser, replay: ReplayServer, request: pytest.FixtureRequest
) -> None:
    """The whole loop as the user sees it: the row appears while the call streams, says
    it runs while the notebook's function runs, then shows the result; the answer goes on."""
    from claude_nb.replay._tool_scenarios import call_tool

    with one_off_notebook(browser, request, "tools", TOOL_CELLS) as (_root, page):
        page.evaluate(TOOL_ROWS)
        schema = {"properties": {"suite": {"type": "string"}}, "required": ["suite"]}
        first = {"model": "m", "tools": [{"name": "run_tests", "input_schema": schema}]}
        script = call_tool(first)
        script.pace = 0.04  # slow enough to see the input stream in
        replay.queue(script)
        run_all_cells(page)
        page.wait_for_function(FINAL, timeout=60_000)
        seen = set(page.evaluate("[...window.__cnbTools.classes]"))
        assert {"cnb-tool-pending", "cnb-tool-running"} <= seen, seen
        out = page.locator(".jp-OutputArea .cnb")
        row = out.locator("tr[data-tool-id='toolu_call_01']")
        assert row.count() == 1 and "Zürich: 12 passed" in row.inner_text()
        assert "done" in row.inner_text()
        assert "Zürich: 12 passed" in out.locator(".cnb-answer").inner_text()
        _screenshot(page, "lab-tool-loop.png")


NARRATED_CELLS = [
    "%load_ext claude_nb\n"
    "def get_weather(city: str) -> str:\n"
    '    """Today\'s weather for a city.\n\n    Args:\n        city: The city.\n    """\n'
    "    return f'sunny in {city}, 21 °C'",
    "%%claude --tools get_weather\nreplay:narrated_tools What is the weather in Zürich? Look twice.",
]


def test_a_narrated_tool_loop_reads_in_order(browser: Browser, request: pytest.FixtureRequest) -> None:
    """Today's models say what they do between calls in thinking blocks: the table
    shows those words between the calls, in order, on the page the user sees. The
    screenshot is the README's picture."""
    from claude_nb.replay._tool_scenarios import NARRATION

    with one_off_notebook(browser, request, "narrated", NARRATED_CELLS) as (_root, page):
        run_all_cells(page)
        page.wait_for_function(FINAL, timeout=60_000)
        out = page.locator(".jp-OutputArea .cnb")
        rows = out.locator("table.cnb-tools tbody tr")
        said = [rows.nth(i).inner_text().strip() for i in range(rows.count())]
        assert said[0] == NARRATION[0] and said[2] == NARRATION[1] and said[4] == NARRATION[2], said
        assert "toolu" not in said[1] and said[1].startswith("get_weather") and "sunny in Zürich" in said[1]
        assert "Sunny, by both looks." in out.locator(".cnb-answer").inner_text()
        out.locator("details.cnb-thinking summary").click()
        _screenshot(page, "lab-narrated-tools.png")


AGENT_CELLS = [
    "%load_ext claude_nb\nimport pandas as pd\ndf = pd.DataFrame({'a': [1, 2, 3], 'b': [4, 5, 6]})",
    '%%claude --raw --agent\nreplay:agent add a column\ncall: inspect {"name": "df"}\n'
    "call: run_code {\"code\": \"df['c'] = df.a * df.b\\ntotal = int(df.c.sum())\\nprint('total', total)\", "
    '"purpose": "add the product column <b>c</b>"}',
    "print('after the agent', total)",
]


def test_the_agent_asks_before_running_and_the_click_is_heard_while_the_cell_runs(
    browser: Browser, request: pytest.FixtureRequest
) -> None:
    """In JupyterLab: the agent's code shows with its purpose (escaped) and a Run
    button while the cell is still running; clicking it runs the code in the kernel,
    the answer goes on with its output, and the cell queued behind runs after."""
    with one_off_notebook(browser, request, "agent", AGENT_CELLS) as (_root, page):
        run_all_cells(page)
        out = page.locator(".jp-OutputArea .cnb-live-root")
        ask = out.locator("tr[data-tool-id] + tr.cnb-ask")  # in the row under its call
        run = ask.get_by_role("button", name="Run", exact=True)
        run.wait_for(timeout=60_000)
        assert "add the product column <b>c</b>" in ask.inner_text()  # shown as text, not markup
        assert "df.a * df.b" in ask.inner_text()
        _screenshot(page, "lab-agent-consent.png")
        run.click()
        page.wait_for_function(FINAL, timeout=60_000)
        done = page.locator(".jp-OutputArea .cnb").first
        assert "approved by the user" in done.locator("table.cnb-tools").inner_text()
        answer = done.locator(".cnb-answer").inner_text()
        assert "approved by the user" in answer and "total 32" in answer
        assert done.locator(".cnb-ask").count() == 0  # the question leaves with its answer
        page.locator(".jp-OutputArea-output", has_text="after the agent 32").wait_for(timeout=30_000)
        # What ran, as cells below the agent's cell (one a run), for a notebook that re-runs without it.
        page.get_by_role("button", name="Insert the run as cells below").click()
        page.wait_for_function("() => document.querySelectorAll('.jp-Notebook .jp-Cell').length === 4")
        page.wait_for_timeout(300)  # the new cell's editor fills in
        sources = page.locator(".jp-Notebook .jp-Cell .jp-InputArea-editor").all_inner_texts()
        assert len(sources) == 4 and "df['c'] = df.a * df.b" in sources[2] and "(approved)" in sources[2], sources
        assert sources[3].startswith("print('after the agent'")


MATH_CELLS = ["%load_ext claude_nb", "%%claude\nreplay:math"]

PAUSED = """() => {
  const root = document.querySelector('.jp-OutputArea .cnb-live-root');
  const answer = root && root.querySelector('.cnb-answer');
  return !!(answer && answer.querySelector('pre') && answer.innerText.includes('argument_29'));
}"""


def test_math_code_and_a_clock_that_ticks_through_silence(
    browser: Browser, replay: ReplayServer, request: pytest.FixtureRequest
) -> None:
    """While it streams: typeset math, a copy button on the finished code block that
    copies the code, code lines that scroll, and an elapsed time that counts on during
    a silence with no message from the kernel. At the end: a static answer with the
    math, and table cells aligned left as the markdown says."""
    with one_off_notebook(browser, request, "math", MATH_CELLS) as (_root, page):
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        run_all_cells(page)
        page.wait_for_function(PAUSED, timeout=60_000)
        live = page.locator(".jp-OutputArea .cnb-live-root")
        assert live.locator("math").count() >= 2, "MathML in the live view"
        assert live.locator("math[display='block']").count() >= 1
        # The silence: the answer stands still, the footer's clock goes on. (The last
        # events before the pause may still be landing when the code first shows.)
        page.wait_for_timeout(300)
        answer_before = live.locator(".cnb-answer").inner_text()
        first = live.locator(".cnb-elapsed").inner_text()
        page.wait_for_timeout(1000)
        second = live.locator(".cnb-elapsed").inner_text()
        assert live.locator(".cnb-answer").inner_text() == answer_before, "the stream was not silent"
        assert float(second.split()[0]) >= float(first.split()[0]) + 0.7, (first, second)
        # The copy button: it copies the code, and is not part of the answer's text.
        pre = live.locator(".cnb-answer pre").first
        buttons = pre.locator("button.cnb-copy")
        assert [buttons.nth(i).get_attribute("data-label") for i in range(buttons.count())] == ["Copy", "Insert below"]
        button = buttons.first
        assert "Copy" not in live.locator(".cnb-answer").inner_text()
        button.click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("result = compute(argument_0") and copied.rstrip().endswith("argument_29)")
        assert page.evaluate("(el) => getComputedStyle(el).whiteSpace", pre.element_handle()) == "pre"
        assert page.evaluate("(el) => el.scrollWidth > el.clientWidth", pre.element_handle()), "a long line scrolls"
        page.wait_for_function(FINAL, timeout=60_000)
        out = page.locator(".jp-OutputArea .cnb:not(.cnb-live-root)")
        assert out.locator("math").count() == 4 and out.locator("math[display='block']").count() == 2
        assert out.locator("mfrac").count() >= 1
        assert "$5 or $10" in out.locator(".cnb-answer").inner_text()
        for cell in out.locator(".cnb-answer th, .cnb-answer td").all():
            assert page.evaluate("(el) => getComputedStyle(el).textAlign", cell.element_handle()) == "left"
        assert "done" in out.locator(".cnb-footer").inner_text()
        # "Insert below": the code, as written, in a new code cell under the answer's cell.
        cells = page.locator(".jp-Notebook .jp-Cell").count()
        out.locator(".cnb-answer pre").first.locator("button.cnb-copy[data-label='Insert below']").click()
        page.wait_for_function(f"() => document.querySelectorAll('.jp-Notebook .jp-Cell').length === {cells + 1}")
        inserted = page.locator(".jp-Notebook .jp-Cell").nth(cells)
        source = inserted.locator(".cm-content").inner_text()
        assert source.startswith("result = compute(argument_0") and source.endswith("argument_29)")
        _screenshot(page, "lab-math.png")


BURST_CELLS = [
    "import asyncio, claude_nb\nfrom claude_nb.replay import message_script\n"
    "view = claude_nb.StreamView(frame_interval=0)\ndisplay(view)",
    "await asyncio.sleep(1)",
    # A long answer in one frame (a fast stream, or a page catching up), its last
    # block still open.
    "paragraphs = [f'Paragraph {i}: ' + '**bold** *it* `code` [link](https://example.com) ' * 4 for i in range(300)]\n"
    "text = '\\n\\n'.join(paragraphs) + '\\n\\nThe tail still streams'\n"
    "events = [s.data for s in message_script([{'type': 'text', 'text': text}], chunk=len(text)).steps"
    " if s.kind == 'event']\n"
    "for event in events[:-3]:\n"
    "    view.feed(event)\n"
    "view._flush()",
]

FRAMES = """() => {
  const rec = { frames: [] };
  window.__cnbBurst = rec;
  const tick = () => {
    const root = document.querySelector('.jp-OutputArea .cnb-live-root');
    if (root) {
      const frozen = root.querySelector('.cnb-answer > .cnb-frozen');
      const live = root.querySelector('.cnb-answer > .cnb-live');
      const last = rec.frames[rec.frames.length - 1];
      const now = [frozen.children.length, live.textContent.length];
      if (!last || last[0] !== now[0] || last[1] !== now[1]) rec.frames.push(now);
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def _burst_frames(page: Any, timeout: float) -> list[list[int]]:
    """Once the burst's open block shows, the page's record of (finished, live) blocks per frame."""
    page.wait_for_function(
        "() => (document.querySelector('.jp-OutputArea .cnb-live-root .cnb-answer > .cnb-live') || {})"
        ".textContent?.includes('The tail still streams')",
        timeout=timeout,
    )
    frames: list[list[int]] = page.evaluate("window.__cnbBurst.frames")
    return frames


def _assert_in_order(text: str, count: int) -> None:
    """Every ``Paragraph i:`` of ``count`` is in ``text``, in order."""
    order = [text.index(f"Paragraph {i}:") for i in range(count)]
    assert order == sorted(order)


def test_a_burst_is_drawn_over_several_frames_in_order(
    browser: Browser, replay: ReplayServer, request: pytest.FixtureRequest
) -> None:
    """Three hundred finished blocks in one message reach the page a frame's budget at
    a time, never all in one long task; in order, complete, and with the open block
    shown only after every finished one (the answer never has a gap)."""
    with one_off_notebook(browser, request, "burst", BURST_CELLS) as (_root, page):
        page.evaluate(FRAMES)
        run_all_cells(page)
        frames = _burst_frames(page, timeout=60_000)
        counts = [n for n, _ in frames if n]
        assert counts[-1] == 300, counts
        assert len(counts) >= 4, f"the burst went into the page in {len(counts)} frames"
        assert all(live == 0 for n, live in frames if n < 300), "the open block showed before the finished ones"
        _assert_in_order(page.locator(".jp-OutputArea .cnb-live-root .cnb-answer").inner_text(), 300)


BUSY_FRAMES = """() => {
  const busy = () => {
    const end = performance.now() + 60;
    while (performance.now() < end) {}
    requestAnimationFrame(busy);
  };
  requestAnimationFrame(busy);
}"""


def test_a_slow_page_takes_a_burst_in_smaller_frames(
    browser: Browser, replay: ReplayServer, request: pytest.FixtureRequest
) -> None:
    """On a page whose frames run long (a slow machine, a busy page: here a script that
    keeps every frame at 60 ms), the frame's budget shrinks to what fits, so the same
    burst goes in over many more, smaller frames; still in order and complete."""
    with one_off_notebook(browser, request, "burst-slow", BURST_CELLS) as (_root, page):
        page.evaluate(FRAMES)
        page.evaluate(BUSY_FRAMES)
        run_all_cells(page)
        counts = [n for n, _ in _burst_frames(page, timeout=120_000) if n]
        assert counts[-1] == 300, counts
        # At the starting budget it would take 13 frames; cut to what fits, over 25.
        assert len(counts) >= 25, f"the burst went into the slow page in {len(counts)} frames"
        _assert_in_order(page.locator(".jp-OutputArea .cnb-live-root .cnb-answer").inner_text(), 300)


RELEASE_CELLS = [
    "%load_ext claude_nb\nimport asyncio, claude_nb\nSYNCS = []\n"
    "_on_msg = claude_nb.StreamView._on_frontend_msg\n"
    "def _counting(self, widget, content, buffers):\n"
    "    SYNCS.append(content.get('type'))\n"
    "    _on_msg(self, widget, content, buffers)\n"
    "claude_nb.StreamView._on_frontend_msg = _counting",
    "%%claude\nreplay:math",
    "view = claude_nb.last_view()\nfor _ in range(50):\n    if view.comm is None:\n        break\n"
    "    await asyncio.sleep(0.1)\n"
    "print(f'released={view.comm is None and view.layout.comm is None} asked={SYNCS}')",
]


def _run_until_released(page: Any) -> str:
    """Runs RELEASE_CELLS to the static answer; what their last cell printed."""
    run_all_cells(page)
    page.wait_for_function(FINAL, timeout=60_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-OutputArea-output')].some(o => o.innerText.includes('released='))",
        timeout=30_000,
    )
    text: str = page.locator(".jp-OutputArea-output", has_text="released=").inner_text()
    return text


def test_the_page_that_watched_never_asks_again_and_lets_the_view_go(
    browser: Browser, replay: ReplayServer, request: pytest.FixtureRequest
) -> None:
    """The page that ran the cell has every frame: it never asks for the state (which
    would send the whole answer once more), and once the static answer has replaced
    the widget it tells the kernel, which closes the view's comm."""
    with one_off_notebook(browser, request, "release", RELEASE_CELLS) as (_root, page):
        printed = _run_until_released(page)
        assert "released=True asked=['release']" in printed, printed
        assert page.locator(".jp-OutputArea .cnb:not(.cnb-live-root) math").count() == 4


@pytest.mark.readers
def test_without_the_page_extension_the_static_answer_is_jupyters_own_html(
    browser: Browser, replay: ReplayServer, request: pytest.FixtureRequest
) -> None:
    """A page without claude_nb's extension (disabled, or never installed) shows the
    static answer's text/html as JupyterLab shows any HTML output, and still lets the
    view go; the live view hands its DOM to nobody (no page-wide shelf exists)."""
    with one_off_notebook(browser, request, "stock", RELEASE_CELLS, disabled=("claude-nb",)) as (_root, page):
        printed = _run_until_released(page)
        html_out = page.locator('.jp-OutputArea-output[data-mime-type="text/html"] .cnb')
        html_out.locator(".cnb-tex mjx-container").first.wait_for(timeout=30_000)
        # Four formulas, each shown once: typeset by the page's MathJax, the MathML copy hidden.
        assert html_out.locator(".cnb-tex mjx-container").count() == 4
        assert html_out.evaluate(VISIBLE_MATHML) == 0
        assert page.locator(".cnb-answer-output").count() == 0
        assert "released=True" in printed, printed
        assert page.evaluate("globalThis[Symbol.for('claude_nb.handoff')] === undefined"), "handed over to nobody"


LONG_ANSWER_CELLS = [
    "import asyncio, claude_nb\nfrom claude_nb.replay import message_script\n"
    "paragraphs = [f'Paragraph {i}: ' + 'words and **more** words ' * 10 for i in range(400)]\n"
    "text = '\\n\\n'.join(paragraphs)\n"
    "events = [s.data for s in message_script([{'type': 'text', 'text': text}], chunk=3000).steps"
    " if s.kind == 'event']",
    "view = claude_nb.StreamView()\ndisplay(view)\n"
    "for event in events[:-3]:\n    view.feed(event)\n    await asyncio.sleep(0.01)\n"
    "await asyncio.sleep(3)  # the page lays it all out\n"
    "for event in events[-3:]:\n    view.feed(event)",
]

HELD = """() => {
  window.__held = 0;
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.removedNodes)
      if (n.nodeType === 1 && n.matches('.cnb-spacer')) window.__held++;
  }).observe(document.body, { childList: true, subtree: true });
}"""


def test_the_page_that_watched_a_long_answer_lays_out_only_what_is_on_screen_at_the_end(
    browser: Browser, replay: ReplayServer, request: pytest.FixtureRequest
) -> None:
    """At the end the page keeps the live view's blocks: those on screen stay laid out,
    the rest wait (display: none) behind spacers of the height they had, and come back
    a few per frame; the answer keeps its height and ends whole and in order."""
    with one_off_notebook(browser, request, "long", LONG_ANSWER_CELLS) as (_root, page):
        page.evaluate(HELD)
        run_all_cells(page)
        live = page.locator(".jp-OutputArea .cnb-live-root .cnb-answer")
        page.wait_for_function(
            "() => document.querySelector('.jp-OutputArea .cnb-live-root .cnb-answer')"
            "?.innerText.includes('Paragraph 398:')",
            timeout=60_000,
        )
        page.evaluate("document.querySelector('.jp-OutputArea .cnb-live-root').dataset.watched = 'yes'")
        height = live.evaluate("a => a.getBoundingClientRect().height")
        page.wait_for_function(FINAL, timeout=60_000)
        # Spacers held the place of blocks off screen, one frame's worth at a time.
        assert page.evaluate("window.__held") >= 5, "the blocks off screen were laid out at once"
        answer = page.locator(".cnb-answer-output .cnb[data-watched='yes'] .cnb-answer")
        assert answer.count() == 1
        assert page.locator(".cnb-answer-output .cnb-spacer").count() == 0
        assert page.locator(".cnb-answer-output .cnb-held[style*='display']").count() == 0
        after = answer.evaluate("a => a.getBoundingClientRect().height")
        assert abs(after - height) <= 0.01 * height, (height, after)
        _assert_in_order(answer.inner_text(), 400)


def test_make_demo_lands_on_the_quickstart_with_no_news_pop_up(
    browser: Browser, request: pytest.FixtureRequest
) -> None:
    """What ``make demo`` runs (scripts/demo.py): the URL it prints opens
    quickstart.ipynb, not the Launcher, and no news or update pop-up covers the page."""
    import os
    import re
    import subprocess
    import sys
    import time

    from .jupyter_app import free_port

    port = free_port()
    env = {k: v for k, v in browser.env.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_NB_"))}
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        state = Path(tmp)
        env.update(
            JUPYTER_CONFIG_DIR=str(state / "config"),
            JUPYTER_RUNTIME_DIR=str(state / "runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),  # a new user: no settings of their own
            JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
        )
        demo = Path(__file__).resolve().parent.parent / "scripts" / "demo.py"
        args = ["--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
        proc = subprocess.Popen(
            [sys.executable, str(demo), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        page = browser.context.new_page()
        token: re.Match[str] | None = None
        try:
            url, deadline = None, time.monotonic() + 60
            assert proc.stdout is not None
            os.set_blocking(proc.stdout.fileno(), True)
            while url is None and time.monotonic() < deadline:
                line = proc.stdout.readline()
                found = re.search(r"(http://127\.0\.0\.1:\d+/\S+)", line)
                url = found.group(1) if found else None
            assert url and f"{port}/lab/tree/quickstart.ipynb?token=" in url, url
            token = re.search(r"token=(\w+)", url)
            assert token is not None
            while time.monotonic() < deadline:  # printed while the server is still starting
                try:
                    JupyterApp.api_at(f"http://127.0.0.1:{port}", token.group(1), "/api/status")
                    break
                except OSError:
                    time.sleep(0.25)
            page.goto(url)
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
            current = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current").inner_text()
            assert "quickstart.ipynb" in current
            assert page.locator(".jp-Launcher").count() == 0
            page.wait_for_timeout(3000)  # the news question, when asked, comes a moment after load
            toasts = page.locator(".Toastify__toast").all_inner_texts()
            assert not [t for t in toasts if "news" in t.lower() or "update" in t.lower()], toasts
            _screenshot(page, "make-demo.png")
        except Exception:
            _screenshot(page, f"FAILED-{request.node.name}.png")
            raise
        finally:
            page.close()
            if token:
                try:
                    JupyterApp.api_at(f"http://127.0.0.1:{port}", token.group(1), "/api/shutdown", "POST")
                except Exception:
                    pass
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.terminate()
                proc.wait(timeout=10)


TEN_FORMULAS = (
    "# Growth $A$\n\n"
    "1. Compounded: \\[A = P\\left(1 + \\frac{r}{n}\\right)^{nt}\\]\n"
    "2. Continuous: $A = Pe^{rt}$ and \\(e^{rt}\\)\n\n"
    "| rate | limit |\n|---|---|\n| $r$ | $$\\lim_{n \\to \\infty} \\left(1 + \\frac{r}{n}\\right)^{n} = e^{r}$$ |\n\n"
    "> A quote: \\[\\frac{a}{b}\\] with $x^2$\n\n"
    "- loose, $t$ years\n\n- and \\(y < z\\)\n\n"
    "It costs $5 and $10 per month.\n"
)


VISIBLE_MATHML = """(root) => [...root.querySelectorAll('math')]
  .filter((m) => !m.closest('mjx-assistive-mml, .MJX_Assistive_MathML') && m.checkVisibility()).length"""
"""MathML a reader shows, MathJax's own copies for screen readers left out."""


@pytest.mark.readers
@pytest.mark.parametrize(
    ("app_name", "trusted"),
    [("lab", False), ("lab", True), ("notebook", False)],
    ids=["lab-untrusted", "lab-trusted", "notebook7-untrusted"],
)
def test_a_saved_answers_formulas_are_typeset_trusted_or_not(
    app_name: str, trusted: bool, browser: Browser, replay: ReplayServer, request: pytest.FixtureRequest
) -> None:
    """Saved, the formulas are TeX the page's MathJax typesets: an untrusted notebook's
    sanitizer drops MathML (it kept only its text), not TeX. Ten of ten, prices text."""
    from nbclient import NotebookClient
    from nbformat.sign import NotebookNotary

    from claude_nb.replay import message_script

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("%load_ext claude_nb"), nbformat.v4.new_code_cell("%%claude\nmath")]
    replay.queue(message_script([{"type": "text", "text": TEN_FORMULAS}]))
    with pytest.MonkeyPatch.context() as env:  # the kernel talks to the loopback API
        for key, value in browser.env.items():
            env.setenv(key, value)
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    name = f"saved-math-{app_name}-{'trusted' if trusted else 'untrusted'}.ipynb"
    if trusted:
        NotebookNotary(data_dir=str(browser.root.parent / "lab-state" / "data")).sign(nb)
    nbformat.write(nb, browser.root / name)
    with ExitStack() as stack:
        app = browser.lab
        if app_name == "notebook":
            app = JupyterApp("notebook", browser.root, browser.env)
            stack.callback(app.stop)
        page = stack.enter_context(opened(browser, app, name, request))
        out = page.locator(".jp-OutputArea-output").last
        page.wait_for_function(
            "() => document.querySelectorAll('.jp-OutputArea-output mjx-container').length >= 10", timeout=30_000
        )
        assert out.locator("mjx-container").count() == 10
        # Trusted, claude_nb's page extension shows it (and asks the page's MathJax);
        # untrusted, JupyterLab's sanitized HTML does.
        assert page.locator(".jp-OutputArea-output.cnb-answer-output").count() == (1 if trusted else 0)
        text = out.inner_text()
        assert "\\(" not in text and "\\[" not in text and "\\frac" not in text
        assert "It costs $5 and $10 per month." in text
        assert out.evaluate(VISIBLE_MATHML) == 0  # the MathML copies stay hidden, never shown twice
        _screenshot(page, f"{app_name}-saved-math-{'trusted' if trusted else 'untrusted'}.png")
