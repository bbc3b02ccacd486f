"""Notebooks executed headless (nbclient) keep the static answer in their saved outputs."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from claude_nb.replay import ReplayServer

from .conftest import SENTINEL_KEY, kernel_env

ROOT = Path(__file__).resolve().parent.parent


def test_quickstart_runs_and_saves_static_answers(replay: ReplayServer, tmp_path: Path, monkeypatch) -> None:
    for key, value in kernel_env(replay).items():
        if key.startswith(("ANTHROPIC_", "NO_PROXY")):
            monkeypatch.setenv(key, value)
    nb = nbformat.read(ROOT / "notebooks" / "quickstart.ipynb", as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    out = tmp_path / "done.ipynb"
    nbformat.write(nb, out)
    saved = out.read_text()
    assert SENTINEL_KEY not in saved
    claude_cells = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("%%claude")]
    assert len(claude_cells) == 3
    for cell in claude_cells:
        bundles = [o for o in cell.outputs if o.output_type in ("display_data", "update_display_data")]
        assert bundles, cell.source
        data = bundles[-1]["data"]
        assert "application/vnd.jupyter.widget-view+json" not in data
        assert '<div class="cnb jp-RenderedHTMLCommon"' in data["text/html"]
        assert "object at 0x" not in data["text/plain"]
    first = claude_cells[0].outputs[-1]["data"]
    assert "<table>" in first["text/html"] and "Streaming report" in first["text/plain"]
    thinking = claude_cells[1].outputs[-1]["data"]["text/html"]
    assert "<details" in thinking and "<summary>" in thinking
    json.loads(saved)  # a valid notebook
