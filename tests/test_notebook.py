"""The shipped notebooks: what each saved notebook must hold after a run with no key
(demo mode turns itself on). They are run once, in Binder's environment
(``test_binder``), where these checks are applied."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_the_demo_notebooks() -> None:
    names = {p.stem for p in NOTEBOOKS}
    assert {
        "quickstart",
        "thinking",
        "tools",
        "widget-api",
        "reproducible",
        "context",
        "loop",
        "rows",
        "agent",
    } <= names


def check_ran(nb: Any) -> None:
    """Static answers, each saying it is recorded, never a widget or the key."""
    saved = nbformat.writes(nb)
    json.loads(saved)
    for cell in nb.cells:  # only a cell shown failing on purpose may hold an error
        if "raises-exception" not in cell.get("metadata", {}).get("tags", []):
            assert "Traceback" not in json.dumps(cell.get("outputs", [])), cell.source
    claude = [c for c in nb.cells if c.cell_type == "code" and "%%claude" in c.source]
    for cell in claude:
        bundles = [o for o in cell.outputs if o.output_type in ("display_data", "update_display_data")]
        assert bundles, cell.source
        data = bundles[-1]["data"]
        assert "application/vnd.jupyter.widget-view+json" not in data
        assert '<div class="cnb jp-RenderedHTMLCommon' in data["text/html"]
        assert "object at 0x" not in data["text/plain"]
        assert "recorded answer" in data["text/plain"] or "replayed from" in data["text/plain"]
    # A view fed through claude_nb.client() (the widget API) says so too.
    for cell in [c for c in nb.cells if c.cell_type == "code" and "claude_nb.client(" in c.source]:
        shown = [o["data"] for o in cell.outputs if o.output_type in ("display_data", "update_display_data")]
        assert shown and "recorded answer" in shown[-1]["text/plain"], cell.source
    # A map's progress is left as a static summary that says the answers are the demo's.
    for cell in [c for c in nb.cells if c.cell_type == "code" and "claude_nb.map(" in c.source]:
        shown = [o["data"] for o in cell.outputs if o.output_type in ("display_data", "update_display_data")]
        assert shown and "application/vnd.jupyter.widget-view+json" not in shown[-1], cell.source
        assert "50 of 50 done" in shown[-1]["text/plain"] and "demo mode" in shown[-1]["text/plain"]
    assert "offline-no-key" not in saved


def test_the_checks_catch_a_notebook_that_kept_a_widget() -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("%%claude\nhi")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"application/vnd.jupyter.widget-view+json": {}, "text/html": "", "text/plain": ""}
        )
    ]
    nb.cells = [cell]
    try:
        check_ran(nb)
    except AssertionError:
        return
    raise AssertionError("a live widget in a saved notebook went unnoticed")
