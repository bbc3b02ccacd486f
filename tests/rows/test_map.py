"""``claude_nb.map`` in this process, through the real SDK over real HTTP, against a
loopback that answers each row from its own prompt, caps requests in flight (429
with ``retry-after`` beyond), overloads some rows once and always refuses a tagged
one, and serves the Message Batches API."""

from __future__ import annotations

import collections
import ctypes
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pydantic
import pytest

import claude_nb
from claude_nb import ClaudeError
from claude_nb.replay import ReplayServer
from claude_nb.replay._limits import Limits
from claude_nb.replay._rows import RowAnswers, last_text

from ..conftest import SENTINEL_KEY

sdk = pytest.mark.sdk  # run again against the oldest supported SDK (the live, schema and batch paths)


@pytest.fixture
def row_answers() -> RowAnswers:
    """One prompt in nine is overloaded (529) the first time it is sent."""
    return RowAnswers(overload_every=9)


@pytest.fixture
def rows_api(row_answers: RowAnswers, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ReplayServer]:
    with ReplayServer(chooser=row_answers) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", SENTINEL_KEY)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        monkeypatch.delenv("CLAUDE_NB_DEMO", raising=False)
        monkeypatch.chdir(tmp_path)
        server.batches.seconds = 0.2
        yield server


def interrupt_when(ready: Callable[[], bool]) -> None:
    """Raise KeyboardInterrupt in this thread once ``ready()``, as the kernel's interrupt
    does in the thread running a cell (this thread need not be the main one, as under
    pytest-xdist)."""
    target = threading.get_ident()

    def fire() -> None:
        deadline = time.monotonic() + 30
        while not ready() and time.monotonic() < deadline:
            time.sleep(0.02)
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(KeyboardInterrupt))

    threading.Thread(target=fire, daemon=True).start()


def tickets(n: int, reject: int | None = None) -> pd.DataFrame:
    text = [f"ticket number {i}" + (" replay:reject" if i == reject else "") for i in range(n)]
    return pd.DataFrame({"text": text, "n": range(n)}, index=pd.Index([f"t{i:03d}" for i in range(n)], name="id"))


def answered(server: ReplayServer) -> collections.Counter[str]:
    """How many times each prompt was sent live (every attempt)."""
    return collections.Counter(
        last_text(r.body) for r in server.requests if r["path"].split("?")[0].endswith("/v1/messages")
    )


@sdk
def test_live_map_aligns_answers_with_the_index_and_keeps_the_refused_row_out(
    rows_api: ReplayServer, row_answers: RowAnswers
) -> None:
    rows_api.limits = Limits(in_flight=6)
    row_answers.delay = 0.02  # answers take time, so requests overlap at the server however busy the machine
    frame = tickets(200, reject=17)
    out = claude_nb.map("Summarize: {text}", frame, mode="live")
    assert isinstance(out, pd.Series)
    assert list(out.index) == list(frame.index)
    for label, row in frame.iterrows():
        if label == "t017":
            assert pd.isna(out[label])
        else:
            assert out[label] == f"Answer to: {row['text']}"
    run = claude_nb.last_map()
    assert run is not None and list(run.errors) == ["t017"]
    assert "this row is refused" in run.errors["t017"]
    assert run.stats.done == 199 and run.stats.failed == 1
    # Concurrency, within the cap; 429s at most half the rows.
    assert 2 <= rows_api.limits.peak <= 6
    assert rows_api.limits.refused <= 100
    assert run.stats.refused == rows_api.limits.refused
    # Every prompt answered once; the requests sent are the rows, one more for each
    # overloaded row and one more for each 429, nothing else.
    counts = _answers_per_prompt(rows_api)
    assert len(counts) == 199 and set(counts.values()) == {1}
    flaky = sum(_flaky(f"Summarize: {t}") for t in frame["text"] if "reject" not in t)
    assert flaky >= 10
    assert sum(answered(rows_api).values()) == 200 + flaky + rows_api.limits.refused


def _flaky(prompt: str) -> bool:
    import hashlib

    return int(hashlib.sha256(prompt.encode()).hexdigest()[:8], 16) % 9 == 0


def test_no_row_is_answered_twice_and_the_same_call_sends_nothing_again(rows_api: ReplayServer) -> None:
    frame = tickets(40)
    claude_nb.map("Summarize: {text}", frame, mode="live")
    statuses = _answers_per_prompt(rows_api)
    assert len(statuses) == 40 and set(statuses.values()) == {1}
    before = len(rows_api.requests)
    again = claude_nb.map("Summarize: {text}", frame, mode="live")
    assert len(rows_api.requests) == before
    assert again.tolist() == [f"Answer to: ticket number {i}" for i in range(40)]
    run = claude_nb.last_map()
    assert run is not None and run.mode == "kept" and run.stats.kept == 40


def _answers_per_prompt(server: ReplayServer) -> collections.Counter[str]:
    """Prompts the loopback answered (not refused or overloaded), as it recorded them."""
    seen: collections.Counter[str] = collections.Counter()
    for line in Path.cwd().joinpath(".claude_nb").glob("map-*.jsonl"):
        for row in map(json.loads, line.read_text().splitlines()):
            if "a" in row:
                seen[row["h"]] += 1
    return seen


def test_an_interrupt_keeps_what_arrived_and_the_same_call_finishes_the_rest(rows_api: ReplayServer) -> None:
    rows_api.limits = Limits(rpm=600)  # about ten a second: 60 rows take six
    frame = tickets(60)
    interrupt_when(lambda: len(rows_api.requests) >= 15)
    with pytest.raises(ClaudeError, match=r"stopped: \d+ of 60 done; run again to finish"):
        claude_nb.map("Summarize: {text}", frame, mode="live")
    first = claude_nb.last_map()
    assert first is not None and 0 < first.stats.complete < 60
    done_before = {p for p, n in answered(rows_api).items()}
    rows_api.limits = None
    out = claude_nb.map("Summarize: {text}", frame, mode="live")
    assert out.notna().all()
    second = claude_nb.last_map()
    assert second is not None and second.stats.kept == first.stats.complete
    counts = _answers_per_prompt(rows_api)
    assert len(counts) == 60 and set(counts.values()) == {1}, "a row answered before was asked again"
    assert len(done_before) >= first.stats.complete


class Ticket(pydantic.BaseModel):
    label: str
    urgency: int


@sdk
def test_a_schema_gives_one_column_per_field_and_is_sent_as_the_output_format(rows_api: ReplayServer) -> None:
    frame = tickets(12, reject=3)
    out = claude_nb.map("Classify: {text}", frame, schema=Ticket, mode="live")
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["label", "urgency"] and list(out.index) == list(frame.index)
    assert out.loc["t003"].isna().all()
    assert out.drop(index="t003")["urgency"].between(1, 5).all()
    sent = [r.body for r in rows_api.requests if r["path"].endswith("/v1/messages")]
    assert all(b["output_config"]["format"]["type"] == "json_schema" for b in sent)
    assert set(sent[0]["output_config"]["format"]["schema"]["properties"]) == {"label", "urgency"}
    plain = {"type": "object", "properties": {"topic": {"type": "string"}}, "required": ["topic"]}
    topics = claude_nb.map("Topic of: {text}", frame.head(3), schema=plain, mode="live")
    assert list(topics.columns) == ["topic"] and topics["topic"].notna().all()
    assert rows_api.requests[-1].body["output_config"]["format"] == {"type": "json_schema", "schema": plain}


@sdk
def test_batch_mode_joins_results_by_id_and_sends_errored_and_expired_rows_once_more(
    rows_api: ReplayServer, row_answers: RowAnswers
) -> None:
    row_answers.overload_every = 0
    text = [f"row {i}" for i in range(30)]
    text[4] += " replay:error-once"
    text[9] += " replay:expire-once"
    text[13] += " replay:reject"
    out = claude_nb.map("Summarize: {text}", pd.DataFrame({"text": text}, index=range(100, 130)), mode="batch")
    created = rows_api.batches.created
    assert [len(b.requests) for b in created] == [30, 2], "one batch for the rows, a second only for the failed"
    ids = {r["custom_id"] for r in created[0].requests}
    assert len(ids) == 30
    for i, line in enumerate(text):
        if i == 13:
            assert pd.isna(out[100 + i])
        else:
            assert out[100 + i] == f"Answer to: {line.split(' replay:')[0]}"
    run = claude_nb.last_map()
    assert run is not None and run.mode == "batch" and list(run.errors) == [113]
    assert run.batches == [b.id for b in created]
    assert not any(r["path"].endswith("/v1/messages") for r in rows_api.requests), "nothing sent live"


def test_a_lost_create_answer_is_found_by_listing_and_no_second_batch_is_made(
    rows_api: ReplayServer, row_answers: RowAnswers
) -> None:
    row_answers.overload_every = 0
    rows_api.batches.lose_next_create = True
    out = claude_nb.map("Summarize: {value}", [f"line {i}" for i in range(8)], mode="batch")
    assert out.notna().all()
    assert len(rows_api.batches.created) == 1


def test_a_running_batch_is_adopted_by_the_same_call(rows_api: ReplayServer, row_answers: RowAnswers) -> None:
    row_answers.overload_every = 0
    rows_api.batches.seconds = 2.5
    rows = [{"text": f"note {i}"} for i in range(10)]
    interrupt_when(lambda: len(rows_api.requests) >= 2)  # the batch made, and asked about once
    with pytest.raises(ClaudeError, match="goes on at the API"):
        claude_nb.map("Summarize: {text}", rows, mode="batch")
    assert len(rows_api.batches.created) == 1
    out = claude_nb.map("Summarize: {text}", rows, mode="batch")
    assert out.tolist() == [f"Answer to: note {i}" for i in range(10)]
    assert len(rows_api.batches.created) == 1, "the running batch was adopted, not made again"


def test_polars_in_polars_out_and_lists_and_functions_as_templates(rows_api: ReplayServer) -> None:
    import polars as pl

    frame = pl.DataFrame({"city": ["Oslo", "Lima", "Pune"]})
    out = claude_nb.map("Where is {city}?", frame, mode="live")
    assert isinstance(out, pl.Series) and out.to_list() == [f"Answer to: Where is {c}?" for c in frame["city"]]
    series = pd.Series(["a", "b"], index=[5, 6], name="letter")
    assert claude_nb.map("Say {letter}", series).to_dict() == {5: "Answer to: Say a", 6: "Answer to: Say b"}
    made = claude_nb.map(lambda row: f"Double {row['x']}", [{"x": 1}, {"x": 2}])
    assert made.tolist() == ["Answer to: Double 1", "Answer to: Double 2"]


def test_the_key_is_never_written_and_mistakes_are_one_line(rows_api: ReplayServer) -> None:
    claude_nb.map("Summarize: {text}", tickets(5), mode="live")
    for path in Path.cwd().joinpath(".claude_nb").iterdir():
        assert SENTINEL_KEY not in path.read_text()
    with pytest.raises(ClaudeError, match="names no column"):
        claude_nb.map("Summarize this", tickets(3))
    with pytest.raises(ClaudeError, match="mode takes one of"):
        claude_nb.map("{text}", tickets(3), mode="fast")
    with pytest.raises(ClaudeError, match="map takes"):
        claude_nb.map("{text}", 42)


def test_a_refused_key_stops_the_call_at_once(rows_api: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "")
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    with pytest.raises(claude_nb.MissingKeyError):
        claude_nb.map("Summarize: {text}", tickets(3), mode="live")


def test_auto_tries_one_row_live_and_turns_to_a_batch_when_live_would_be_long(
    rows_api: ReplayServer, row_answers: RowAnswers, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claude_nb.rows import run as _map_run

    monkeypatch.setattr(_map_run, "AUTO_LIVE_ROWS", 20)  # (200 by default) to keep the test short
    row_answers.overload_every = 0
    rows_api.limits = Limits(rpm=2)  # 39 more rows would take twenty minutes live
    out = claude_nb.map("Summarize: {value}", [f"entry {i}" for i in range(40)])
    assert out.notna().all()
    live = [r for r in rows_api.requests if r["path"].endswith("/v1/messages")]
    assert len(live) == 1, "one row is tried live first"
    assert [len(b.requests) for b in rows_api.batches.created] == [39]
    run = claude_nb.last_map()
    assert run is not None and run.mode == "batch"
    rows_api.limits = Limits(rpm=60_000)
    claude_nb.map("Describe: {value}", [f"entry {i}" for i in range(40)])
    assert len(rows_api.batches.created) == 1, "at 60,000 a minute live takes a second: no batch"
    assert claude_nb.last_map().mode == "live"  # type: ignore[union-attr]


def test_a_running_batch_is_left_to_its_own_rows(rows_api: ReplayServer, row_answers: RowAnswers) -> None:
    """The same template over other rows neither adopts nor resends another call's batch."""
    row_answers.overload_every = 0
    rows_api.batches.seconds = 1.0
    first = [f"first {i}" for i in range(5)] + ["first 5 replay:error-once"]
    interrupt_when(lambda: len(rows_api.batches.created) == 1)
    with pytest.raises(ClaudeError, match="goes on at the API"):
        claude_nb.map("Summarize: {value}", first, mode="batch")
    other = claude_nb.map("Summarize: {value}", [f"other {i}" for i in range(4)], mode="batch")
    assert other.tolist() == [f"Answer to: other {i}" for i in range(4)]
    assert [len(b.requests) for b in rows_api.batches.created] == [6, 4]
    again = claude_nb.map("Summarize: {value}", first)  # auto: its batch is running, so it is adopted
    assert again.tolist() == [f"Answer to: first {i}" for i in range(6)]
    assert [len(b.requests) for b in rows_api.batches.created] == [6, 4, 1], "its errored row, once more"
