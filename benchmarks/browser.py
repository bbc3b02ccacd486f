"""Browser-side benchmark: what the page the user looks at pays while an answer streams.

JupyterLab in headless Chromium runs one notebook per measurement against the
loopback server: the 200 KB answer at full speed and the 40 KB answer at API pace,
through ``%%claude`` and, side by side, through the naive technique (the whole answer
re-rendered as a Markdown output every 100 ms) and through two floors for the end:
the same stream read with no live view, its finished answer shown once as the same
static HTML output ``%%claude`` ends with (``static``), or once as a Markdown output
(``markdown``: what stock JupyterLab pays to show that answer at all). From clicking
Run until the answer has settled, the page records:

- long tasks (PerformanceObserver ``longtask``): count, longest, total;
- main-thread busy fraction, three ways over the same wall time: the time in long
  tasks (what blocks the page); script, style and layout (Chromium's cumulative
  ``ScriptDuration`` + ``RecalcStyleDuration`` + ``LayoutDuration``); and every task
  (``TaskDuration``, which adds paint, compositing and the rest; see the idle row);
- visible updates per second (MutationObserver callbacks that touch the answer,
  over the time the answer was changing);
- first paint: from the first text delta leaving the loopback server (its clock) to
  the first animation frame after that delta's text is in the cell's output (the
  page's clock; both are this machine's wall clock). Each row also keeps
  ``first_seen_ms``, the same delay to the DOM change alone, to tell the transport's
  part from the paint's.

    python -m benchmarks.browser            # both sizes, both techniques
    python -m benchmarks.browser --quick    # 40 KB paced for claude_nb only
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import nbformat
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from claude_nb.replay import ReplayServer, message_script
from claude_nb.replay._script import Step
from tests.conftest import kernel_env
from tests.jupyter_app import JupyterApp, browser_context, run_all_cells, wait_kernel_idle

from .answers import answer
from .run import API_PACE, CHUNK

ROOT = Path(__file__).resolve().parent
TTFT = 0.6  # seconds before the stream starts, as the API takes before its first event
GIVE_UP = 240  # seconds a page may take to show the whole answer before it is reported unfinished

NAIVE = """\
import time, anthropic
from IPython.display import Markdown, display
client = anthropic.Anthropic()
handle = display(Markdown(""), display_id=True)
text, last = "", 0.0
with client.messages.stream(model=MODEL, max_tokens=64000, messages=[{"role": "user", "content": "go"}]) as s:
    for piece in s.text_stream:
        text += piece
        if time.monotonic() - last >= 0.1:
            handle.update(Markdown(text))
            last = time.monotonic()
handle.update(Markdown(text))
"""

# The floor for stock JupyterLab's end: nothing shown while the answer arrives, then
# the same static answer ``%%claude`` leaves behind, as JupyterLab shows any HTML output
# (without the bundle's own mime type, which claude_nb's page extension would render).
STATIC = """\
import anthropic, claude_nb
from IPython.display import display
view = claude_nb.StreamView()
request = dict(model=MODEL, max_tokens=64000, messages=[{"role": "user", "content": "go"}])
with anthropic.Anthropic().messages.stream(**request) as s:
    view.consume(s)
display({"text/html": view.to_html(), "text/markdown": view.to_markdown(), "text/plain": view.text}, raw=True)
"""

# The stock floor the end is held to: the same stream read with no live view, then the
# finished answer shown once as a Markdown output, JupyterLab's own renderer doing it all.
MARKDOWN = """\
import anthropic
from IPython.display import Markdown, display
request = dict(model=MODEL, max_tokens=64000, messages=[{"role": "user", "content": "go"}])
with anthropic.Anthropic().messages.stream(**request) as s:
    text = s.get_final_text()
display(Markdown(text))
"""

OBSERVE = """(first) => {
  const b = { longtasks: [], updates: [], firstPaint: null, t0: performance.now() };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) b.longtasks.push([e.startTime - b.t0, e.duration]);
  }).observe({ type: "longtask" });
  const cells = document.querySelectorAll(".jp-Notebook .jp-Cell");
  const cell = cells[cells.length - 1];
  const answerOf = (node) => {
    const el = node.nodeType === 1 ? node : node.parentElement;
    return el && el.closest(".cnb-answer, .jp-RenderedMarkdown, .jp-RenderedHTML");
  };
  new MutationObserver((records) => {
    const now = performance.now();
    if (!records.some((r) => answerOf(r.target) || [...r.addedNodes].some((n) => n.nodeType === 1
        && (n.matches(".cnb-answer, .jp-RenderedMarkdown, .jp-RenderedHTML")
            || n.querySelector(".cnb-answer, .jp-RenderedMarkdown, .jp-RenderedHTML"))))) return;
    b.updates.push(now - b.t0);
    // The static answer arrives: JupyterLab's own HTML output, or claude_nb's renderer
    // of it (which takes over the live view's DOM).
    const isStatic = (n) => n.nodeType === 1 && (n.matches(".cnb:not(.cnb-live-root), .cnb-answer-output")
      || n.querySelector(".cnb:not(.cnb-live-root), .cnb-answer-output") || n.closest(".cnb-answer-output"));
    if (b.swapAt === undefined && records.some((r) => [...r.addedNodes].some(isStatic))) {
      b.swapAt = now - b.t0;
    }
    const output = cell.querySelector(".jp-OutputArea");
    if (b.firstPaint === null && output && output.textContent.includes(first)) {
      b.firstPaint = 0;
      b.firstSeen = performance.timeOrigin + now;
      requestAnimationFrame(() => { b.firstPaint = performance.timeOrigin + performance.now(); });
    }
  }).observe(cell, { childList: true, subtree: true, characterData: true });
  window.__bench = b;
}"""


def _notebook(root: Path, name: str, technique: str, model: str, seconds: float = 0.0) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if technique == "claude_nb":
        cells = ["%load_ext claude_nb\nimport claude_nb", "%%claude\nWrite the benchmark report."]
    elif technique == "idle":
        cells = ["import time", f"time.sleep({seconds})"]
    elif technique == "static":
        cells = [f"import claude_nb\nMODEL = {model!r}", STATIC]
    elif technique == "markdown":
        cells = [f"MODEL = {model!r}", MARKDOWN]
    else:
        cells = [f"MODEL = {model!r}", NAIVE]
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, root / f"{name}.ipynb")


def _seconds(cdp: Any) -> tuple[float, float]:
    """Chromium's cumulative main-thread time: every task, and script + style + layout
    alone (what a page's own code causes, without paint and compositing)."""
    metrics = {m["name"]: float(m["value"]) for m in cdp.send("Performance.getMetrics")["metrics"]}
    work = metrics["ScriptDuration"] + metrics["RecalcStyleDuration"] + metrics["LayoutDuration"]
    return metrics["TaskDuration"], work


def measure(
    app: JupyterApp,
    context: Any,
    server: ReplayServer,
    technique: str,
    size: int,
    pace: float,
    profile: bool = False,
    idle_seconds: float = 0.0,
) -> dict[str, Any]:
    from claude_nb.core.config import default_model

    name = f"{technique}-{size}-{'paced' if pace else 'fast'}"
    _notebook(app.root, name, technique, default_model(), seconds=idle_seconds)
    text = answer(size)
    # The first delta's longest word, as the page shows it (markdown syntax aside).
    first = max(re.findall(r"[A-Za-z]+", text[:CHUNK]), key=len)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    try:
        page.goto(app.url(f"{name}.ipynb"))
        wait_kernel_idle(app, page)
        page.wait_for_timeout(1500)  # let the page settle after loading
        # Warm the kernel (imports) with the first cell alone, then measure the second.
        if technique != "idle":
            script = message_script([{"type": "text", "text": text}], chunk=CHUNK, pace=pace, ping_every=0)
            # The API's time to first token: the page creates the view meanwhile, as it does live.
            server.queue(replace(script, steps=[Step("sleep", seconds=TTFT), *script.steps]))
        server.first_text_sent_at = None
        page.evaluate(OBSERVE, first)
        if profile:
            cdp.send("Profiler.enable")
            cdp.send("Profiler.start")
        (busy0, work0), wall0 = _seconds(cdp), time.monotonic()
        finished = True
        run_all_cells(page)
        if technique != "idle":
            done = (
                "() => document.querySelectorAll('.jp-Cell .jp-OutputArea-output .cnb:not(.cnb-live-root)').length > 0"
                if technique in ("claude_nb", "static")
                else "(last) => { const cells = document.querySelectorAll('.jp-Notebook .jp-Cell');"
                " const out = cells[cells.length - 1].querySelector('.jp-RenderedMarkdown');"
                " return !!out && out.textContent.includes(last); }"
            )
            try:
                page.wait_for_function(done, arg=text.split()[-1], timeout=GIVE_UP * 1000, polling=500)
            except PlaywrightTimeout:
                finished = False  # the naive page falls behind a fast stream for minutes: say so
        if finished:
            wait_kernel_idle(app, page, timeout=300)
        page.wait_for_timeout(1500)  # whatever the end still does
        (busy, work), wall = _seconds(cdp), time.monotonic() - wall0
        busy, work = busy - busy0, work - work0
        bench = page.evaluate("window.__bench")
        if profile:
            _print_profile(cdp.send("Profiler.stop")["profile"])
    finally:
        page.close()
        app.shutdown_kernels()
    tasks = [d for _, d in bench["longtasks"]]
    updates = bench["updates"]
    # Where the long tasks fall: before the answer's first update (creating the view),
    # from the static answer's arrival on (the end), or in between.
    begin = updates[0] if updates else 0.0
    swap = bench.get("swapAt")
    end = swap if swap is not None else (updates[-1] if updates else float("inf"))
    phases = {"start": 0.0, "middle": 0.0, "end": 0.0}
    for at, duration in bench["longtasks"]:
        phase = "start" if at + duration <= begin + 1 else "end" if at + duration >= end - 1 else "middle"
        phases[phase] += duration
    span = (updates[-1] - updates[0]) / 1000 if len(updates) > 1 else 0.0
    sent = server.first_text_sent_at
    paint = bench["firstPaint"]
    return {
        "technique": technique,
        "answer": f"{size // 1000} KB {'at API pace' if pace else 'full speed'}",
        "long_tasks": len(tasks),
        "longest_ms": max(tasks, default=0.0),
        "long_total_ms": sum(tasks),
        "phases": phases,
        "busy": busy / wall,
        "long_busy": sum(tasks) / 1000 / wall,
        "work_busy": work / wall,
        "updates_per_s": (len(updates) - 1) / span if span > 0 else 0.0,
        "first_paint_ms": (paint - sent * 1000) if paint and sent else None,
        "first_seen_ms": (bench["firstSeen"] - sent * 1000) if bench.get("firstSeen") and sent else None,
        "wall_s": wall,
        "finished": finished,
    }


def _print_profile(profile: dict[str, Any], top: int = 25) -> None:
    """Self time by function over the measurement: where the page's time went."""
    nodes = {n["id"]: n["callFrame"] for n in profile["nodes"]}
    self_ms: dict[str, float] = {}
    for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=False):
        frame = nodes[sample]
        key = f"{frame['functionName'] or '(anonymous)'} {frame['url'].rsplit('/', 1)[-1][:40]}:{frame['lineNumber']}"
        self_ms[key] = self_ms.get(key, 0.0) + delta / 1000
    for key, ms in sorted(self_ms.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{ms:9.1f} ms  {key}", file=sys.stderr)


def render(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| answer | technique | long tasks | longest | long tasks total | busy in long tasks | script+style+layout "
        "| all tasks "
        "| start / middle / end | visible updates/s | first text painted |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        paint = f"{r['first_paint_ms']:.0f} ms" if r["first_paint_ms"] is not None else "—"
        technique = r["technique"] if r.get("finished", True) else f"{r['technique']} (unfinished after {GIVE_UP} s)"
        lines.append(
            f"| {r['answer']} | {technique} | {r['long_tasks']} | {r['longest_ms']:.0f} ms "
            f"| {r['long_total_ms']:.0f} ms | {r['long_busy'] * 100:.2f} % | {r['work_busy'] * 100:.1f} % "
            f"| {r['busy'] * 100:.1f} % "
            f"| {' / '.join(f'{v:.0f}' for v in r['phases'].values())} ms "
            f"| {r['updates_per_s']:.1f} | {paint} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="the 40 KB paced answer through claude_nb only")
    parser.add_argument("--profile", action="store_true", help="print where the page's time went")
    parser.add_argument("--run", action="append", default=[], help="TECHNIQUE:KB:fast|paced, e.g. naive:40:paced")
    args = parser.parse_args(argv)
    runs = [("claude_nb", 40_000, API_PACE)]
    if args.run:
        runs = [(t, int(kb) * 1000, API_PACE if p == "paced" else 0.0) for t, kb, p in (r.split(":") for r in args.run)]
    elif not args.quick:
        runs = [
            ("claude_nb", 200_000, 0.0),
            ("naive", 200_000, 0.0),
            ("static", 200_000, 0.0),
            ("markdown", 200_000, 0.0),
            ("claude_nb", 40_000, API_PACE),
            ("naive", 40_000, API_PACE),
            ("static", 40_000, API_PACE),
        ]
    rows = []
    with ReplayServer() as server, tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        app = JupyterApp("lab", root, kernel_env(server))
        try:
            with browser_context(root.parent / "profile") as context:
                for technique, size, pace in runs:
                    rows.append(measure(app, context, server, technique, size, pace, args.profile))
                    print(render(rows[-1:]), file=sys.stderr, flush=True)
                    if technique == "claude_nb" and pace:
                        # The floor: JupyterLab's own work while a cell runs as long, with no output.
                        rows.append(
                            measure(app, context, server, "idle", size, pace, idle_seconds=rows[-1]["wall_s"] - 3)
                        )
                        print(render(rows[-1:]), file=sys.stderr, flush=True)
        finally:
            app.stop()
    table = render(rows)
    print(table)
    if not args.quick and not args.run:
        (ROOT / "browser.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
