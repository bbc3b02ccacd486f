"""The notebook as context, in a real kernel against the loopback API: DataFrames,
figures and files in ``{name}`` arrive as the right blocks, in order; people see
placeholders; the second cell carries a cache breakpoint and the footer the figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

from claude_nb.replay import ReplayServer, message_script

from ..conftest import Kernel, kernel_env

SETUP = """
import numpy as np, pandas as pd, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK
rng = np.random.default_rng(3)
df = pd.DataFrame({"price": rng.uniform(1, 100, 10_000).round(2), "units": rng.integers(0, 50, 10_000)})
fig, ax = plt.subplots(figsize=(4, 3)); ax.plot(df["price"][:50])
"""


def last_user(replay: ReplayServer) -> Any:
    body = [r for r in replay.requests if r["path"].endswith("/v1/messages")][-1].body
    return body, body["messages"][-1]["content"]


def test_a_dataframe_is_described_in_under_12_kb(kernel: Kernel, replay: ReplayServer) -> None:
    assert kernel.run(SETUP).ok
    run = kernel.run("%%claude --new\nWhat stands out in {df}?")
    assert run.ok, run.error_lines
    _, content = last_user(replay)
    assert isinstance(content, str) and len(content.encode()) < 12_000
    assert "10,000 rows × 2 columns" in content and "price (float64)" in content and "units (int64)" in content
    first = kernel.run("print(json.dumps([str(df.price[0]), str(df.units[9999])]))").json_out()
    assert f"| 0 | {first[0]} |" in content and "| 9999 | " in content and f" {first[1]} |" in content
    assert content.startswith("What stands out in \nDataFrame `df`") and content.endswith("?")


def test_a_figure_is_one_png_block_between_its_text(kernel: Kernel, replay: ReplayServer) -> None:
    assert kernel.run(SETUP).ok
    run = kernel.run("%%claude --new\nHere is the plot: {fig} What trend do you see?")
    assert run.ok, run.error_lines
    _, content = last_user(replay)
    assert [b["type"] for b in content] == ["text", "image", "text"]
    assert content[0]["text"] == "Here is the plot: " and content[2]["text"] == " What trend do you see?"
    source = content[1]["source"]
    assert source["type"] == "base64" and source["media_type"] == "image/png"
    # People see a placeholder, never the base64.
    history = kernel.run("%claude history")
    assert "[image: fig, " in history.stdout and source["data"][:40] not in history.stdout
    outputs = json.dumps([m["content"] for m in run.messages])
    assert source["data"][:40] not in outputs


def test_the_second_cell_caches_the_first_and_the_footer_says_so(kernel: Kernel, replay: ReplayServer) -> None:
    long = "The history is long enough to be worth caching. " * 200
    replay.queue(message_script([{"type": "text", "text": long}]))
    assert kernel.run("%%claude --new\nTell me a long story.").ok
    body, _ = last_user(replay)
    assert "cache_control" not in json.dumps(body)  # nothing before the first cell
    replay.queue(message_script([{"type": "text", "text": "Shorter now."}]))
    assert kernel.run("%%claude\nAnd then?").ok
    body, _ = last_user(replay)
    assert body["messages"][1]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    replay.queue(message_script([{"type": "text", "text": "The end."}]))
    assert kernel.run("%%claude\nHow does it end?").ok
    footer = kernel.run("print(claude_nb.last_view().to_html())").stdout
    assert "cache read " in footer
    read = kernel.run("print(_claude.usage.cache_read_input_tokens)").stdout.strip()
    assert int(read) > 1000
    # The conversation kept for later cells holds no breakpoint (it would pile up).
    again = kernel.run("%%claude\nreplay:rich one more")
    assert again.ok, again.error_lines
    body, _ = last_user(replay)
    assert json.dumps(body["messages"]).count("cache_control") <= 2


def test_caching_can_be_turned_off(kernel: Kernel, replay: ReplayServer) -> None:
    assert kernel.run("%config Claude.cache = False").ok
    try:
        assert kernel.run("%%claude --new\nreplay:rich first").ok
        assert kernel.run("%%claude\nreplay:rich second").ok
        body, _ = last_user(replay)
        assert "cache_control" not in json.dumps(body)
    finally:
        assert kernel.run("%config Claude.cache = True").ok


def test_a_saved_notebook_keeps_placeholders_not_base64(replay: ReplayServer, tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext claude_nb\n" + SETUP),
        nbformat.v4.new_code_cell("%%claude\nreplay:rich describe {fig} and {df}"),
        nbformat.v4.new_code_cell("%claude history"),
    ]
    import os

    env = kernel_env(replay)
    saved_env = dict(os.environ)
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
    text = nbformat.writes(nb)
    _, content = last_user(replay)
    data = next(b for b in content if b["type"] == "image")["source"]["data"]
    assert data[:40] not in text and "iVBORw0KGgo" not in text
    assert "[image: fig, " in text and "[DataFrame df: 10,000 × 2]" in text


def test_an_oversized_request_stops_before_it_is_sent(kernel: Kernel, replay: ReplayServer) -> None:
    replay.context_window = 20_000
    try:
        assert kernel.run("%config Claude.budget_tokens = 100").ok
        before = len(replay.requests)
        run = kernel.run("big = 'lorem ipsum ' * 40_000")
        run = kernel.run("%%claude --new\nSummarise {big}")
        assert not run.ok and len(run.error_lines) <= 3
        assert "over the context window" in "\n".join(run.error_lines)
        assert not any(r["path"].endswith("/v1/messages") for r in replay.requests[before:])
        ok = kernel.run("%%claude --new\nreplay:rich {df}")
        assert ok.ok, ok.error_lines
        assert "input tokens of 20,000" in kernel.run("print(claude_nb.last_view().to_html())").stdout
    finally:
        replay.context_window = 200_000
        assert kernel.run("%config Claude.budget_tokens = 50000").ok
