"""``astream``, the async twin of ``stream``, in a script's own event loop: through
the real SDK against the loopback API, with nothing of IPython running."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import anthropic
import pytest

import claude_nb
from claude_nb.replay import ReplayServer

from ..conftest import SENTINEL_KEY

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK


def test_astream_streams_and_returns_the_message(api: ReplayServer, capsys: pytest.CaptureFixture[str]) -> None:
    message = asyncio.run(claude_nb.astream("replay:thinking go", thinking={"type": "adaptive"}))
    assert message.stop_reason == "end_turn"
    assert [block.type for block in message.content] == ["thinking", "text"]
    out = capsys.readouterr().out
    assert "## Answer" in out and "[thinking…]" in out
    assert SENTINEL_KEY not in out


def test_astream_counts_a_large_request_off_the_event_loop(api: ReplayServer) -> None:
    """Counting a large request's tokens is a round trip that may take seconds: the
    loop's other coroutines run meanwhile (here, while the loopback holds its answer)."""
    api.counting_hold = threading.Event()

    async def main() -> tuple[int, anthropic.types.Message]:
        answer = asyncio.create_task(claude_nb.astream("replay:rich " + "word " * 60_000))
        for _ in range(500):
            if api.counting:
                break
            await asyncio.sleep(0.01)
        waiting = api.counting  # this coroutine ran while the count was unanswered
        assert api.counting_hold is not None
        api.counting_hold.set()
        return waiting, await answer

    waiting, message = asyncio.run(main())
    assert waiting == 1
    assert message.stop_reason == "end_turn"
    assert "/v1/messages/count_tokens" in [r["path"] for r in api.requests]


def test_sampling_parameters_are_not_sent_and_the_answer_says_so(
    api: ReplayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    message = claude_nb.stream("replay:echo hi", temperature=0.2, top_k=5)
    assert message.stop_reason == "end_turn"
    assert not {"temperature", "top_p", "top_k"} & set(api.requests[-1].body)
    assert "temperature and top_k not sent: API version 2026-10-21" in capsys.readouterr().out


def test_a_missing_key_is_a_catchable_claude_error(api: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    sent = len(api.requests)
    with pytest.raises(claude_nb.ClaudeError) as caught:
        claude_nb.stream("replay:rich hi")
    assert isinstance(caught.value, claude_nb.MissingKeyError)
    assert "ANTHROPIC_API_KEY" in str(caught.value).splitlines()[0]
    assert len(api.requests) == sent


def test_demo_mode_names_a_model_it_has_no_recording_of(demo: None, capsys: pytest.CaptureFixture[str]) -> None:
    claude_nb.stream("Explain compound interest", model="claude-nonexistent-9")
    footer = capsys.readouterr().out.strip().splitlines()[-1]
    assert "recorded with claude-sonnet-5-5; claude-nonexistent-9 was asked for and not used" in footer
    assert footer.count("demo mode: a recorded answer") == 1
    claude_nb.stream("Explain compound interest", model="claude-sonnet-5-5")
    assert "was asked for" not in capsys.readouterr().out


def test_demo_recordings_fit_what_the_notebooks_ask(demo: None, capsys: pytest.CaptureFixture[str]) -> None:
    """A web search about Python 3.13 is answered about Python; the resumed answer
    reads as one, its continuation finishing the sentence the break cut."""
    searched = claude_nb.stream("Search the web: what is new in Python 3.13?", server_tools=["web_search"])
    answer = "".join(b.text for b in searched.content if b.type == "text")
    assert "Python 3.13" in answer and "free-threaded" in answer and "sunny" not in answer
    resumed = claude_nb.stream("Write a long answer, and resume it if the stream breaks.")
    text = "".join(b.text for b in resumed.content if b.type == "text")
    assert text.startswith("A stream can break half way through a sentence")
    assert "kept on screen, a continuation is asked for" in text and text.endswith("the same words twice.")
    assert "#" not in text
    assert "resumed once" in capsys.readouterr().out


def test_demo_mode_answers_a_short_ask_shortly_and_says_when_no_recording_fits(
    demo: None, capsys: pytest.CaptureFixture[str]
) -> None:
    first = claude_nb.stream("Explain compound interest")
    history = [
        {"role": "user", "content": "Explain compound interest"},
        {"role": "assistant", "content": [b.model_dump() for b in first.content]},
    ]

    def follow_up(prompt: str, before: list[dict[str, Any]]) -> str:
        answer = claude_nb.stream(messages=[*before, {"role": "user", "content": prompt}])
        return "".join(b.text for b in answer.content if b.type == "text")

    five = follow_up("And in five words?", history)
    assert 1 <= len(five.split()) <= 5, five
    one_sentence = follow_up("Sum it up in one sentence.", history)
    assert len(one_sentence.split()) <= 40 and one_sentence.count(". ") == 0, one_sentence
    unrelated = follow_up("Which columns would you model, and how? A table, please.", history)
    assert unrelated.startswith("Demo mode has no recorded answer for this prompt")
    assert "# Compound interest" not in unrelated
    capsys.readouterr()


@pytest.mark.parametrize(
    ("prompt", "asked"),
    [
        ("And in five words?", (5, "word")),
        ("And in one?", (1, "word")),
        ("Sum it up in one sentence.", (1, "sentence")),
        ("In two sentences: why does compound interest matter for savers?", (2, "sentence")),
        ("Explain compound interest with a small table, a code sample and the formula.", None),
        ("Show me a table and a formula.", None),
    ],
)
def test_what_counts_as_a_short_ask(prompt: str, asked: tuple[int, str] | None) -> None:
    from claude_nb.offline.demo_short import asked_length

    assert asked_length(prompt) == asked


def test_stream_takes_a_schema_and_an_effort(api: ReplayServer, capsys: pytest.CaptureFixture[str]) -> None:
    import pydantic

    class Answer(pydantic.BaseModel):
        value: int

    claude_nb.stream("replay:echo hi", schema=Answer, effort="max")
    config = api.requests[-1].body["output_config"]
    assert config["effort"] == "max" and config["format"]["schema"]["properties"]["value"]["type"] == "integer"
    capsys.readouterr()
