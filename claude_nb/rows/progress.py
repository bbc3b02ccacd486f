"""The progress of a ``map`` call in its cell: a line of counts (done, failed,
retrying, in flight, tokens, elapsed, time left) while it runs (with a Stop button
wherever it is heard: a call that does not block its cell, or one whose wait
dispatches the page's clicks), redrawn at most five times a second and
about every six rows once under way (at least once a second); when it ends, a static
summary that stays in the saved notebook (the widget is closed, so a reopened
notebook shows no "model not found"). Outside Jupyter the summary is printed once."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

from .stats import MapStats

INTERVAL = 0.2
"""Seconds between redraws at most: five a second."""
ROWS_PER_REDRAW = 6
"""Past the first seconds, a redraw waits for about this many rows (up to a second): a
redraw costs the kernel about half a millisecond, so at 600 rows a minute five a second
would add a third of a millisecond to every row, for counts nobody reads that fast."""
SLOWEST = 1.0


class MapProgress:
    def __init__(self, stats: MapStats, title: str, on_stop: Callable[[], None] | None, *, widgets: bool) -> None:
        self.stats, self.title = stats, title
        self._last = 0.0
        self._shown = ""
        self._handle: Any = None
        self._label: Any = None
        self._box: Any = None
        self.updates = 0
        self._hint = ""
        if widgets:
            self._show(on_stop)

    def _show(self, on_stop: Callable[[], None] | None) -> None:
        """A Stop button only where it can be heard: where a blocking call's wait
        cannot dispatch the page's clicks (a kernel whose internals differ), the line
        says to interrupt instead (which also keeps what arrived)."""
        import ipywidgets as w
        from IPython.display import display

        if on_stop is None:
            self._hint = " · interrupt the kernel (■) to stop; what arrived is kept"
        self._label = w.HTML(self._html(self.stats.line()))
        if on_stop is None:
            self._box = w.HBox([self._label])
        else:
            button = w.Button(description="Stop", icon="stop", tooltip="Stop sending; keep what has arrived")
            button.layout.width = "7em"

            def clicked(_: Any) -> None:
                button.disabled = True
                button.description = "Stopping"
                on_stop()

            button.on_click(clicked)
            self._box = w.HBox([button, self._label])
        self._handle = display(self._box, display_id=True)

    def _html(self, line: str, summary: str = "") -> str:
        title = html.escape(self.title)
        hint = "" if summary else f'<span style="opacity:0.7">{html.escape(self._hint)}</span>'
        body = f"<b>{title}</b> · {html.escape(line)}{hint}"
        if summary:
            body += f"<div>{summary}</div>"
        return f'<div class="cnb-map" style="font-size:0.95em;line-height:1.5">{body}</div>'

    def interval(self) -> float:
        """Seconds until the next redraw: a fifth of a second while the call starts,
        then the time about ``ROWS_PER_REDRAW`` rows take, within a fifth and a second."""
        stats = self.stats
        elapsed = stats.elapsed
        if elapsed < 3 or not stats.done:
            return INTERVAL
        return min(SLOWEST, max(INTERVAL, ROWS_PER_REDRAW * elapsed / (stats.done + stats.failed)))

    def tick(self, *, force: bool = False) -> None:
        """Redraw when the interval has passed since the last redraw (and the line
        changed)."""
        now = time.monotonic()
        if self._label is None or (not force and now - self._last < self.interval()):
            return
        self._last = now
        line = self.stats.line()
        if line != self._shown:
            self._shown = line
            self._label.value = self._html(line)
            self.updates += 1

    def finish(self, summary_html: str, summary_text: str, *, widgets: bool) -> None:
        """Replace the live widget by the static summary; show the summary alone when
        nothing was sent (every row was kept); print it outside Jupyter."""
        bundle = {
            "text/html": self._html(self.stats.line(), summary_html),
            "text/plain": f"{self.title}: {summary_text}",
        }
        if self._handle is None:
            if widgets:
                from IPython.display import display

                display(bundle, raw=True)
            else:
                print(bundle["text/plain"])
            return
        self._handle.update(bundle, raw=True)
        if self._box is not None:
            for child in self._box.children:
                child.close()
            self._box.close()
