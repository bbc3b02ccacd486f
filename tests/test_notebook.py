"""Every notebook in notebooks/ runs top to bottom with no key (demo mode turns itself
on) and keeps static answers, never the key, in its saved outputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_the_demo_notebooks() -> None:
    names = {p.stem for p in NOTEBOOKS}
    assert {"quickstart", "thinking", "tools", "widget-api", "reproducible", "context"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_with_no_key(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in [k for k in os.environ if k.startswith(("ANTHROPIC_", "CLAUDE_NB_"))]:
        monkeypatch.delenv(key)
    work = tmp_path / "nb"
    work.mkdir()
    shutil.copy(path, work / path.name)
    nb = nbformat.read(work / path.name, as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    saved = nbformat.writes(nb)
    json.loads(saved)
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
    assert "offline-no-key" not in saved
