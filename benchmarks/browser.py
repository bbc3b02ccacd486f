"""Browser-side benchmark: what the page the user looks at pays while an answer streams.

JupyterLab in headless Chromium runs one notebook per measurement against the
loopback server: the 200 KB answer at full speed and the 40 KB answer at API pace,
through ``%%claude`` and, side by side, through the naive technique (the whole answer
re-rendered as a Markdown output every 100 ms). From clicking Run until the answer
has settled, the page records:

- long tasks (PerformanceObserver ``longtask``): count, longest, total;
- main-thread busy fraction (Chromium's cumulative ``TaskDuration`` metric over the
  same wall time);
- visible updates per second (MutationObserver callbacks that touch the answer,
  over the time the answer was changing);
- first paint: from the first text delta leaving the loopback server (its clock) to
  the first animation frame after that text is in the page (the page's clock; both
  are this machine's wall clock).

    python -m benchmarks.browser            # both sizes, both techniques
    python -m benchmarks.browser --quick    # 40 KB paced for claude_nb only
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat

from claude_nb.replay import ReplayServer, message_script
from tests.conftest import kernel_env
from tests.jupyter_app import JupyterApp, browser_context, run_all_cells, wait_kernel_idle

from .answers import answer
from .run import API_PACE, CHUNK

ROOT = Path(__file__).resolve().parent

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
    if (b.firstPaint === null && cell.textContent.includes(first)) {
      b.firstPaint = 0;
      requestAnimationFrame(() => { b.firstPaint = performance.timeOrigin + performance.now(); });
    }
  }).observe(cell, { childList: true, subtree: true, characterData: true });
  window.__bench = b;
}"""


def _notebook(root: Path, name: str, technique: str, model: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if technique == "claude_nb":
        cells = ["%load_ext claude_nb\nimport claude_nb", "%%claude\nWrite the benchmark report."]
    else:
        cells = [f"MODEL = {model!r}", NAIVE]
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, root / f"{name}.ipynb")


def _task_seconds(cdp: Any) -> float:
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return float(next(m["value"] for m in metrics if m["name"] == "TaskDuration"))


def measure(
    app: JupyterApp, context: Any, server: ReplayServer, technique: str, size: int, pace: float
) -> dict[str, Any]:
    from claude_nb._config import default_model

    name = f"{technique}-{size}-{'paced' if pace else 'fast'}"
    _notebook(app.root, name, technique, default_model())
    text = answer(size)
    first = text.split("\n\n", 3)[2].split()[:3]  # the first words of the first paragraph
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    try:
        page.goto(app.url(f"{name}.ipynb"))
        wait_kernel_idle(app, page)
        page.wait_for_timeout(1500)  # let the page settle after loading
        # Warm the kernel (imports) with the first cell alone, then measure the second.
        server.queue(message_script([{"type": "text", "text": text}], chunk=CHUNK, pace=pace, ping_every=0))
        server.first_text_sent_at = None
        page.evaluate(OBSERVE, " ".join(first))
        busy0, wall0 = _task_seconds(cdp), time.monotonic()
        run_all_cells(page)
        done = (
            "() => document.querySelectorAll('.jp-Cell .jp-OutputArea-output .cnb:not(.cnb-live-root)').length > 0"
            if technique == "claude_nb"
            else f"() => document.querySelector('.jp-RenderedMarkdown') && "
            f"document.querySelector('.jp-Cell:last-child').textContent.includes({json.dumps(text.split()[-1])})"
        )
        page.wait_for_function(done, timeout=300_000, polling=500)
        wait_kernel_idle(app, page, timeout=300)
        page.wait_for_timeout(1500)  # whatever the end still does
        busy, wall = _task_seconds(cdp) - busy0, time.monotonic() - wall0
        bench = page.evaluate("window.__bench")
    finally:
        page.close()
        app.shutdown_kernels()
    tasks = [d for _, d in bench["longtasks"]]
    updates = bench["updates"]
    span = (updates[-1] - updates[0]) / 1000 if len(updates) > 1 else 0.0
    sent = server.first_text_sent_at
    paint = bench["firstPaint"]
    return {
        "technique": technique,
        "answer": f"{size // 1000} KB {'at API pace' if pace else 'full speed'}",
        "long_tasks": len(tasks),
        "longest_ms": max(tasks, default=0.0),
        "long_total_ms": sum(tasks),
        "busy": busy / wall,
        "updates_per_s": (len(updates) - 1) / span if span > 0 else 0.0,
        "first_paint_ms": (paint - sent * 1000) if paint and sent else None,
        "wall_s": wall,
    }


def render(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| answer | technique | long tasks | longest | long tasks total | main thread busy "
        "| visible updates/s | first text painted |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        paint = f"{r['first_paint_ms']:.0f} ms" if r["first_paint_ms"] is not None else "—"
        lines.append(
            f"| {r['answer']} | {r['technique']} | {r['long_tasks']} | {r['longest_ms']:.0f} ms "
            f"| {r['long_total_ms']:.0f} ms | {r['busy'] * 100:.1f} % | {r['updates_per_s']:.1f} | {paint} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="the 40 KB paced answer through claude_nb only")
    args = parser.parse_args(argv)
    runs = [("claude_nb", 40_000, API_PACE)]
    if not args.quick:
        runs = [
            ("claude_nb", 200_000, 0.0),
            ("naive", 200_000, 0.0),
            ("claude_nb", 40_000, API_PACE),
            ("naive", 40_000, API_PACE),
        ]
    rows = []
    with ReplayServer() as server, tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        app = JupyterApp("lab", root, kernel_env(server))
        try:
            with browser_context(root.parent / "profile") as context:
                for technique, size, pace in runs:
                    rows.append(measure(app, context, server, technique, size, pace))
                    print(render(rows[-1:]), file=sys.stderr, flush=True)
        finally:
            app.stop()
    table = render(rows)
    print(table)
    if not args.quick:
        (ROOT / "browser.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
