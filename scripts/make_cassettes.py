"""Write the demo cassettes shipped in ``claude_nb/cassettes``.

Each is recorded the way ``%%claude --record`` records: the real SDK and transport
stream an answer from the loopback server through the cassette recorder. The answers
are written here (no key or network is needed to make them). Run it again after
changing an answer:

    python scripts/make_cassettes.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from claude_nb.core.config import default_model
from claude_nb.offline.cassette import Recorder
from claude_nb.replay import ReplayServer, Script, Step, message_script
from claude_nb.wire.resume import ResumingStream

OUT = Path(__file__).resolve().parent.parent / "claude_nb" / "cassettes"

RICH = r"""# Compound interest, briefly

An amount $P$ invested at a yearly rate $r$, compounded $n$ times a year, grows in $t$ years to

$$A = P\left(1 + \frac{r}{n}\right)^{nt}$$

and with continuous compounding to \(A = Pe^{rt}\). Prices stay prices: $100 at 5 % is about
$105.12 after a year, compounded monthly.

## How the frequency matters

| compounding | $n$ | value of $100 after 10 years at 5 % |
|:------------|----:|------------------------------------:|
| yearly      | 1   | 162.89 |
| monthly     | 12  | 164.70 |
| daily       | 365 | 164.86 |
| continuous  | ∞   | 164.87 |

## In Python

```python
from math import exp

def grow(principal: float, rate: float, years: float, n: int | None = 12) -> float:
    # n=None compounds continuously.
    if n is None:
        return principal * exp(rate * years)
    return principal * (1 + rate / n) ** (n * years)

print(f"{grow(100, 0.05, 10):.2f}")  # 164.70
```

Three things to remember:

1. More frequent compounding helps, but with **diminishing returns**.
2. The limit is \[\lim_{n \to \infty} \left(1 + \frac{r}{n}\right)^{n} = e^{r}\]
3. The *rule of 72*: money doubles in about $72 / (100 r)$ years.

> The view you are reading streamed in as it arrived: markdown, the table, the highlighted code
> and the typeset formulas, all rendered in the kernel and sanitized.
"""

THINKING_TEXT = (
    "The user asks for a plan. Let me think about what matters first: the data, then the model, then how to "
    "check it. Loading: the CSV has a date column, so parse dates and sort. Cleaning: missing values in the "
    "price column, a few duplicated rows. Then a baseline — a rolling mean — before anything clever, so there "
    "is a number to beat. Validation must respect time: train on the past, test on the future, never shuffle. "
    "I should keep the plan short and say why each step is there."
)

THINKING_ANSWER = """A plan in four steps, each with its reason:

1. **Load and sort by date** — every later step assumes time order.
2. **Clean**: drop the duplicated rows, fill short gaps in `price` by interpolation, and flag long ones.
3. **Baseline first**: a 7-day rolling mean. Anything cleverer has to beat it to be worth keeping.
4. **Validate forward in time**: train on the past, test on the following weeks — never a shuffled split.

The folded pane above holds the thinking that led here; open it to read how the plan was reached.
"""


PYTHON_313 = "https://docs.python.org/3/whatsnew/3.13.html"
SEARCH_ANSWER = (
    "Python 3.13 brings a new interactive interpreter (multi-line editing, colour, paste mode), an "
    "experimental free-threaded build without the GIL, an experimental JIT compiler, and better error "
    'messages; it also removes the long-deprecated "dead batteries" modules.'
)


def web_search(model: str) -> Script:
    """A web search about the question the tools notebook asks, answered with citations."""
    citation = {
        "type": "web_search_result_location",
        "url": PYTHON_313,
        "title": "What's New In Python 3.13",
        "encrypted_index": "Eo8BCioIAhgB",
        "cited_text": "Python 3.13 is the latest stable release of the Python programming language.",
    }
    hit = {
        "type": "web_search_result",
        "url": PYTHON_313,
        "title": "What's New In Python 3.13",
        "encrypted_content": "EqgfCioIARgB",
        "page_age": "2 months ago",
    }
    return message_script(
        [
            {"type": "text", "text": "I'll look that up."},
            {"type": "server_tool_use", "id": "srvtoolu_01", "name": "web_search", "input": {"query": "Python 3.13"}},
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01", "content": [hit]},
            {"type": "text", "text": SEARCH_ANSWER, "citations": [citation]},
        ],
        model=model,
        chunk=10,
        usage_extra={"server_tool_use": {"web_search_requests": 1}},
    )


RESUMED = (
    "A stream can break half way through a sentence, and the answer still reads as one: what arrived "
    "is kept on screen, a continuation is asked for, and the rest of the sentence follows from exactly "
    "where it stopped, so you never pay for the same words twice."
)
RESUME_CUT = RESUMED.index("a continuation")


def resumed_once(model: str) -> Any:
    """The first request's stream breaks after RESUME_CUT characters; the continuation
    request gets the rest, which finishes the same sentence."""

    def answer(request: dict[str, Any]) -> Script:
        if len(request.get("messages", [])) > 1:
            return message_script([{"type": "text", "text": RESUMED[RESUME_CUT:]}], model=model, chunk=10)
        script = message_script([{"type": "text", "text": RESUMED[:RESUME_CUT]}], model=model, chunk=10, finish=False)
        script.steps.append(Step("drop"))
        return script

    return answer


CODE_ANSWER = """Here is a function that gives each value's share of the total:

```python
def shares(values):
    total = sum(values)
    return [v / total for v in values]

print(shares([3, 1]))
print(shares([0, 0]))
```
"""

FIX_ANSWER = """`sum([0, 0])` is `0`, so `v / total` divides by zero. When the total is zero there are no \
shares to take: return zeros (or raise a clearer error, if an empty total is a mistake in your data).

```python
def shares(values):
    total = sum(values)
    if total == 0:
        return [0.0 for _ in values]
    return [v / total for v in values]

print(shares([3, 1]))
print(shares([0, 0]))
```
"""


def _record(server: ReplayServer, name: str, script: Script | None, request: dict[str, Any]) -> None:
    import anthropic

    if script is not None:
        server.queue(script)
    recorder = Recorder(request)
    client = recorder.client(anthropic.Anthropic(api_key="sk-ant-make-cassettes", base_url=server.base_url))
    stream = ResumingStream(client, request, max_retries=0, max_resumes=1, sleep=lambda _s: None)
    for _ in stream:
        pass
    path = recorder.cassette.write(OUT / f"{name}.jsonl")
    print(f"{path}: {len(recorder.cassette.turns)} turn(s)", file=sys.stderr)


def main() -> int:
    model = default_model()
    base: dict[str, Any] = {"model": model, "max_tokens": 4096}
    with ReplayServer(chooser=resumed_once(model)) as server:
        _record(
            server,
            "rich",
            message_script([{"type": "text", "text": RICH}], model=model, chunk=10, input_tokens=41),
            {
                **base,
                "messages": [{"role": "user", "content": "Explain compound interest with a table, code and math."}],
            },
        )
        thinking = {"type": "enabled", "budget_tokens": 2048, "display": "summarized"}
        _record(
            server,
            "thinking",
            message_script(
                [{"type": "thinking", "thinking": THINKING_TEXT}, {"type": "text", "text": THINKING_ANSWER}],
                model=model,
                chunk=10,
                input_tokens=38,
            ),
            {
                **base,
                "thinking": thinking,
                "messages": [{"role": "user", "content": "Think it through: plan a forecast of daily prices."}],
            },
        )
        search = {**base, "tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 3}]}
        search["messages"] = [{"role": "user", "content": "Search the web: what is new in Python 3.13?"}]
        _record(server, "web_search", web_search(model), search)
        resume = {**base, "messages": [{"role": "user", "content": "Write a long answer (it will resume)."}]}
        _record(server, "resume", None, resume)  # both turns are the chooser's: it breaks, then it goes on
        for name, text, prompt in (
            ("code", CODE_ANSWER, "Write a function that gives each value's share of the total, and try it."),
            ("fix", FIX_ANSWER, "This notebook cell raised an error. What is the cause, and how do I fix it?"),
        ):
            _record(
                server,
                name,
                message_script([{"type": "text", "text": text}], model=model, chunk=10, input_tokens=60),
                {**base, "messages": [{"role": "user", "content": prompt}]},
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
