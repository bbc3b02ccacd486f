"""Soak: many consecutive ``%%claude`` cells in one kernel, a third of them failing or
resuming in different ways, and what the kernel holds before and after.

A notebook kernel lives for days; a stream that leaks a thread, a socket or a widget
per failure is a slow crash. The loopback server answers each cell from a scenario:
two thirds complete normally, the rest break (an overloaded event resumed once, a
dropped socket resumed, an end without ``message_stop`` resumed, an overloaded event
every time until resumes run out, a request error mid-stream, a 529 before the
stream then success). Reported: threads, open file descriptors, resident memory and
open widgets, read in the kernel before the first cell and after the last.

    python -m benchmarks.soak              # 100 cells
    python -m benchmarks.soak --cells 30
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from claude_nb.replay import HttpError, ReplayServer, Script
from tests.conftest import kernel_env
from tests.kernel import Kernel

FAULTS = (
    "replay:broken_once",  # overloaded event once: resumed
    "replay:broken_once_dropped",  # socket dropped mid-chunk: resumed
    "replay:broken_once_eof",  # no message_stop: resumed
    "replay:overloaded_midstream",  # overloaded every time: resumes run out, partial kept
    "replay:broken_invalid",  # a request error mid-stream: not resumed
    "http_529_then_ok",  # a 529 before the stream, then the answer
)
_READ = """
import gc as _gc, json as _json, os as _os, threading as _th, ipywidgets as _w
_gc.collect()
def _rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmRSS:"))
_open = sum(1 for w in list(_w.Widget.widgets.values()) if getattr(w, "comm", None) is not None)
print(_json.dumps({"threads": _th.active_count(), "fds": len(_os.listdir("/proc/self/fd")),
                   "rss": _rss(), "widgets": len(_w.Widget.widgets), "open_widgets": _open}))
"""


def _read(kernel: Kernel) -> dict[str, Any]:
    run = kernel.run(_READ)
    if not run.ok:
        raise RuntimeError("\n".join(run.error_lines))
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def soak(cells: int) -> dict[str, Any]:
    outcomes: dict[str, int] = {"ok": 0, "failed": 0}
    with ReplayServer() as server:
        kernel = Kernel(kernel_env(server))
        try:
            setup = kernel.run("%load_ext claude_nb\n%config Claude.max_resumes = 2")
            if not setup.ok:
                raise RuntimeError("\n".join(setup.error_lines))
            kernel.run("%%claude --new\nreplay:rich warm up")  # imports and caches before the first reading
            before = _read(kernel)
            start = time.monotonic()
            for i in range(cells):
                prompt = "replay:rich answer"
                if i % 3 == 2:
                    prompt = FAULTS[(i // 3) % len(FAULTS)]
                    if prompt == "http_529_then_ok":
                        server.queue(Script(error=HttpError(529, "overloaded_error", "Overloaded")))
                        prompt = "replay:rich answer"
                run = kernel.run(f"%%claude --new\n{prompt} {i}", timeout=120)
                outcomes["ok" if run.ok else "failed"] += 1
            elapsed = time.monotonic() - start
            after = _read(kernel)
        finally:
            kernel.stop()
    return {"cells": cells, "seconds": elapsed, "before": before, "after": after, **outcomes}


def render(result: dict[str, Any]) -> str:
    b, a = result["before"], result["after"]
    lines = [
        f"Soak: {result['cells']} `%%claude` cells in one kernel, every third failing or resuming "
        f"({result['ok']} succeeded, {result['failed']} failed as intended; {result['seconds']:.1f} s)",
        "",
        "| in the kernel | before | after |",
        "|---|---:|---:|",
        f"| threads | {b['threads']} | {a['threads']} |",
        f"| open file descriptors | {b['fds']} | {a['fds']} |",
        f"| resident memory | {b['rss'] / 1e6:.1f} MB | {a['rss'] / 1e6:.1f} MB |",
        f"| widgets (open comms) | {b['widgets']} ({b['open_widgets']}) | {a['widgets']} ({a['open_widgets']}) |",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=100)
    args = parser.parse_args(argv)
    table = render(soak(args.cells))
    print(table)
    if args.cells == 100:
        (Path(__file__).resolve().parent / "soak.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
