"""Write the notebooks in ``notebooks/`` and run each with no key, saving its outputs.

Each notebook's first code cell turns demo mode on only when no key is set, so with
ANTHROPIC_API_KEY they talk to Claude and without it they play recorded answers (the
footer of every answer says which). Saved with outputs, they read well on GitHub
before anyone runs them. Run from the repository root:

    python scripts/make_notebooks.py            # write and execute all
    python scripts/make_notebooks.py --no-run   # write them without outputs
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "notebooks"

FIRST = "%load_ext claude_nb\n%claude demo auto"
DEMO_NOTE = (
    "The next cell loads the extension and, **only when no API key is set**, turns on demo mode: answers are "
    "recorded ones, played through the real SDK and view with no key and no network, and each says so in its "
    "footer. With `ANTHROPIC_API_KEY` set, the same cells talk to Claude."
)

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {
    "quickstart": [
        (
            "md",
            "# claude_nb quickstart\n\nAsk Claude from a cell and watch the answer arrive: markdown rendered as it "
            "streams, typeset math, highlighted code, a foldable pane for extended thinking, a table of tool calls "
            "and a status footer. The final `anthropic` `Message` lands in a variable, and the saved notebook keeps "
            "a static copy of every answer (this one was saved that way).\n\n" + DEMO_NOTE,
        ),
        ("code", FIRST),
        (
            "md",
            "## Ask\n\nThe cell body is the prompt. The answer streams into the view below the cell; when it ends, "
            "the view becomes plain HTML that survives saving, nbconvert and GitHub. The `Message` is bound to "
            "`_claude` (or `-o NAME`).",
        ),
        ("code", "%%claude\nExplain compound interest with a small table, a code sample and the formula."),
        ("code", "print(_claude.stop_reason, _claude.usage.output_tokens, 'tokens')"),
        (
            "md",
            "## Extended thinking\n\n`--thinking BUDGET` (or `adaptive`) asks Claude to think first. The thinking "
            "streams into a folded pane above the answer — open it to read along.",
        ),
        ("code", "%%claude --thinking 2048 -o plan\nThink it through: plan a forecast of daily prices, briefly."),
        ("code", "[block.type for block in plan.content]"),
        (
            "md",
            "## Variables in prompts\n\n`{name}` inserts a variable from the notebook; other braces (code, JSON) "
            "pass through as written. Consecutive cells are one conversation (`--new` starts over).",
        ),
        ("code", 'topic = "compound interest"'),
        ("code", "%%claude\nIn two sentences: why does {topic} matter for savers?"),
        (
            "md",
            "## When the network breaks\n\nA stream that breaks mid-answer is resumed from what arrived: the footer "
            "says so, and the answer reads as one. (In demo mode this answer's recording breaks on purpose.)",
        ),
        ("code", "%%claude --new\nWrite a long answer, and resume it if the stream breaks."),
        (
            "md",
            "## Where next\n\n- `thinking.ipynb` — the thinking pane and what the API sends back\n"
            "- `tools.ipynb` — your own Python functions as tools, and web search\n"
            "- `widget-api.ipynb` — the view as a widget for your own tools (`StreamView`)\n"
            "- `reproducible.ipynb` — record a notebook's answers and replay them anywhere\n"
            "- `context.ipynb` — DataFrames, figures and files as context, and prompt caching\n"
            "- `loop.ipynb` — an answer's code into a cell, an error into a question (`%claude fix`)\n"
            "- `rows.ipynb` — one question over every row of a DataFrame, live or as a batch (`claude_nb.map`)\n"
            "- `agent.ipynb` — Claude looks at your variables and runs code here, once you click Run (`--agent`)\n\n"
            "`%claude history` shows the conversation, `%claude status` the settings (never the key).",
        ),
        ("code", "%claude history"),
    ],
    "thinking": [
        (
            "md",
            "# Extended thinking\n\nWith thinking on, Claude reasons before it answers. claude_nb streams the "
            "thinking into a folded pane (its label counts it live), the answer below it, and keeps both in the "
            "bound `Message`: the thinking block carries a signature the API checks when the conversation goes "
            "on, so it is sent back unchanged.\n\n" + DEMO_NOTE,
        ),
        ("code", FIRST),
        (
            "md",
            "A budget in tokens (at least 1024), or `adaptive` on models that decide for themselves. "
            "`--thinking-display summarized` (the default here) asks the API for the thinking's text; with "
            "`omitted` the pane only says that thinking happened.",
        ),
        ("code", "%%claude --thinking 2048 -o plan\nThink it through: plan a forecast of daily prices, briefly."),
        (
            "md",
            "The thinking is the first content block, the answer the next. Its text is yours to read; its "
            "signature is what lets the next cell continue the conversation.",
        ),
        (
            "code",
            "thinking, answer = plan.content[0], plan.content[-1]\n"
            'print(thinking.type, len(thinking.thinking), "chars of thinking")\n'
            "print(answer.text[:200])",
        ),
        (
            "md",
            "Settings apply to every cell: `%config Claude.thinking = '2048'` turns thinking on for all of them, "
            "`%config Claude.thinking = ''` off again.",
        ),
        ("code", "%claude status"),
    ],
    "agent": [
        (
            "md",
            "# The notebook agent\n\n`%%claude --agent` gives Claude tools that work in this kernel, in this cell: "
            "it lists the variables, inspects a DataFrame, reads recent cells and the last error without asking "
            "(each result bounded, secrets redacted), and runs code in your namespace **only after you click "
            "Run** under the code it wants to run (or Skip, Edit, Run all for this cell, Stop). Every call is a "
            "row of the table under the answer, and the saved notebook keeps what ran and how it was approved.\n\n"
            + DEMO_NOTE,
        ),
        ("code", FIRST),
        (
            "code",
            "import pandas as pd\n\nsales = pd.DataFrame({\n"
            "    'region': ['north', 'south', 'east', 'west', 'north', 'south'],\n"
            "    'units': [120, 95, 143, 80, 132, 101],\n"
            "    'price': [9.5, 9.0, 10.25, 8.75, 9.5, 9.0],\n})",
        ),
        (
            "md",
            "## Ask, and let it look\n\nIn a notebook page, leave `--auto` out: each run waits for your click, "
            "and the buttons are heard while the cell is still running. This copy was saved by a headless run "
            "(no page to click in), where code runs only with `--auto`: without it every run is declined at once "
            "and Claude is told so. In demo mode the session is a recorded one: it lists, inspects, runs code that "
            "fails, fixes it, and leaves you a cell.",
        ),
        ("code", "%%claude --agent --auto\nWhat is in my data? Summarise one column for me."),
        (
            "md",
            "The variable the fixed run made is here now, like any other:",
        ),
        ("code", "summary"),
        (
            "md",
            "## Keep what ran\n\n`%claude runs` puts the code the last agent cell ran into a new cell below "
            "(in a notebook page), each run headed by its purpose and how it was approved, so the notebook "
            "re-runs without the agent. Limits: `--max-runs N` (default 10), `--run-timeout SECONDS` (default "
            "60; a run past it is interrupted and Claude gets what it printed), and `Claude.agent_approval`.",
        ),
        ("code", "%claude runs"),
    ],
    "tools": [
        (
            "md",
            "# Your functions as tools\n\n`--tools f,g` offers notebook functions to Claude. Each is described "
            "from its signature and docstring (through the SDK's `beta_tool`); when Claude asks, the notebook "
            "runs it, the result goes back, and the answer goes on in the same view. The table under the answer "
            "fills in as each call is made, runs and returns.\n\n" + DEMO_NOTE,
        ),
        ("code", FIRST),
        (
            "code",
            "POPULATION = {'Paris': 2_102_650, 'Tokyo': 14_187_176, 'Lagos': 15_388_000}\n\n\n"
            "def population(city: str) -> int:\n"
            '    """Number of inhabitants of a city.\n\n'
            "    Args:\n"
            "        city: The city's English name, e.g. Paris.\n"
            '    """\n'
            "    return POPULATION[city]",
        ),
        ("code", "%%claude --tools population\nHow many people live in Paris and in Tokyo?"),
        (
            "md",
            "Every turn is kept: the assistant turn with its calls, the user turn with the results, then the "
            "answer. `--max-turns N` bounds the loop (default `Claude.max_turns`). A function that raises "
            "sends its error back to Claude as an error result instead of stopping the cell.",
        ),
        ("code", "import claude_nb\n[m['role'] for m in claude_nb.last_view().messages]"),
        (
            "md",
            "## From Python\n\n`claude_nb.stream` takes the same parameters as `client.messages.stream`, and "
            "Python functions in `tools`.",
        ),
        ("code", "msg = claude_nb.stream('How many people live in Lagos?', tools=[population])"),
        (
            "md",
            "## The API's own tools\n\n`--server-tools web_search` lets Claude search the web (the API runs it); "
            "the sources it cites are listed under the answer.",
        ),
        ("code", "%%claude --new --server-tools web_search\nSearch the web: what is new in Python 3.13?"),
    ],
    "widget-api": [
        (
            "md",
            "# The view as a widget\n\n`StreamView` is the live view `%%claude` uses, as a public ipywidget for "
            "your own notebook tools: give it any stream of Messages API events — `client.messages.stream(...)`, "
            "its async twin, or events you feed by hand — and it renders them incrementally, safely (model "
            "output is sanitized HTML), and leaves a static snapshot behind.\n\n" + DEMO_NOTE,
        ),
        ("code", FIRST),
        (
            "md",
            "`claude_nb.client()` is the client `%%claude` would use (in demo mode, the in-process endpoint); "
            "any `anthropic.Anthropic()` works the same.",
        ),
        (
            "code",
            "import claude_nb\nfrom claude_nb import StreamView\n\n"
            "client = claude_nb.client()\n"
            "view = StreamView()\n"
            "display(view)\n"
            "message = view.consume(client.messages.stream(\n"
            "    model='claude-sonnet-5-5', max_tokens=1024,\n"
            "    messages=[{'role': 'user', 'content': 'Show me a table and a formula.'}],\n"
            "))",
        ),
        ("code", "print(view.status, len(view.text), 'chars;', message.usage.output_tokens, 'output tokens')"),
        (
            "md",
            "## Async\n\nWith `AsyncAnthropic` the kernel stays free while the answer arrives (a page reloaded "
            "meanwhile follows it live). Top-level `await` works in a notebook cell.",
        ),
        (
            "code",
            "aclient = claude_nb.client(asynchronous=True)\n"
            "aview = StreamView()\n"
            "display(aview)\n"
            "amessage = await aview.aconsume(aclient.messages.stream(\n"
            "    model='claude-sonnet-5-5', max_tokens=1024,\n"
            "    messages=[{'role': 'user', 'content': 'Think it through: plan a forecast.'}],\n"
            "))",
        ),
        (
            "md",
            "## Events by hand\n\n`feed` takes raw events one at a time (SDK objects or plain dicts in the wire "
            "format), from wherever they come: a queue, another process, a log.",
        ),
        (
            "code",
            "events = [\n"
            "    {'type': 'message_start', 'message': {'id': 'msg_1', 'type': 'message', 'role': 'assistant',\n"
            "        'model': 'hand-made', 'content': [], 'stop_reason': None, 'stop_sequence': None,\n"
            "        'usage': {'input_tokens': 3, 'output_tokens': 1}}},\n"
            "    {'type': 'content_block_start', 'index': 0, 'content_block': {'type': 'text', 'text': ''}},\n"
            "    *({'type': 'content_block_delta', 'index': 0, 'delta': {'type': 'text_delta', 'text': piece}}\n"
            "      for piece in ['Fed ', 'by **hand**: ', '$e^{i\\\\pi} + 1 = 0$']),\n"
            "    {'type': 'content_block_stop', 'index': 0},\n"
            "    {'type': 'message_delta', 'delta': {'stop_reason': 'end_turn', 'stop_sequence': None},\n"
            "        'usage': {'output_tokens': 9}},\n"
            "    {'type': 'message_stop'},\n"
            "]\n"
            "hand = StreamView()\n"
            "display(hand)\n"
            "for event in events:\n"
            "    hand.feed(event)\n"
            "hand.message.content[0].text",
        ),
        ("code", "html = hand.to_html()  # the static snapshot: sanitized, self-contained\nlen(html)"),
    ],
    "reproducible": [
        (
            "md",
            "# Reproducible notebooks: record and replay\n\nA notebook that calls an LLM cannot be re-run to get "
            "the same results — unless its answers are recorded. `%%claude --record PATH` saves the raw stream "
            "of an answer (every turn of a tool loop, every resumed stream) as a *cassette*; `--replay PATH` "
            "plays it back with no key and no network: the same widget, the same bound `Message`. The format is "
            "documented in `docs/cassettes.md`: a header line, then one JSON line per event, never the key.\n\n"
            + DEMO_NOTE,
        ),
        ("code", FIRST),
        (
            "md",
            "Recordings go to a folder of their own here, so running this notebook changes none of its files "
            "(`{tapes}` in a magic's line is the variable's value, as in any IPython magic).",
        ),
        ("code", "import pathlib, tempfile\ntapes = pathlib.Path(tempfile.mkdtemp(prefix='claude-nb-tapes-'))"),
        ("code", "%%claude --record {tapes}/interest.jsonl -o recorded\nExplain compound interest with a table."),
        ("code", "print((tapes / 'interest.jsonl').read_text()[:400])"),
        (
            "md",
            "Played back, the request is built and checked as live (it goes to an in-process endpoint that "
            "speaks the API's wire format), and the answer is the recorded one. A cassette recorded for another "
            "prompt, model or tools still plays, with a warning.",
        ),
        (
            "code",
            "%%claude --new --replay {tapes}/interest.jsonl -o replayed\nExplain compound interest with a table.",
        ),
        ("code", "assert replayed.content == recorded.content\nprint('same content blocks:', len(replayed.content))"),
        (
            "md",
            "A cassette committed with the notebook plays in any clone, with no key: `cassettes/interest.jsonl` "
            "was recorded the same way.",
        ),
        (
            "code",
            "%%claude --new --replay cassettes/interest.jsonl -o committed\nExplain compound interest with a table.",
        ),
        (
            "md",
            "## A whole notebook\n\n`%claude record DIR` records every `%%claude` cell after it, one cassette per "
            "cell (named by cell id, or by order); `%claude replay DIR` plays them back. Commit the folder with "
            "the notebook, and anyone — CI, a reviewer, Binder — re-runs it exactly.",
        ),
        ("code", "%claude record {tapes}/run"),
        ("code", "%%claude --new\nThink it through: plan a forecast of daily prices."),
        ("code", "%claude record off\n%claude replay {tapes}/run"),
        ("code", "%%claude --new\nThink it through: plan a forecast of daily prices."),
        ("code", "%claude replay off\nsorted(p.name for p in (tapes / 'run').iterdir())"),
    ],
    "loop": [
        (
            "md",
            "# The notebook loop\n\nAsk for code, put it in a cell, run it; when it fails, ask why and take "
            "the fix. `%claude code` puts the last answer's code in a new cell below (the last Python block, "
            "or block N); `%claude fix` sends the last error — its type and message, your own frames, the "
            "cell that raised — and streams the answer.\n\n" + DEMO_NOTE,
        ),
        ("code", FIRST),
        ("code", "%%claude --new\nWrite a function that gives each value's share of the total, and try it."),
        ("code", "%claude code"),
        (
            "md",
            "In JupyterLab the code is now in a new cell below (here, run headless, it is written out as "
            "inserted). It fails on a list that sums to zero:",
        ),
        (
            "raises",
            "def shares(values):\n    total = sum(values)\n    return [v / total for v in values]\n\n"
            "print(shares([3, 1]))\nprint(shares([0, 0]))",
        ),
        ("code", "%claude fix"),
        ("code", "%claude code"),
        ("md", "The fix, as inserted, runs:"),
        (
            "code",
            "def shares(values):\n    total = sum(values)\n    if total == 0:\n        return [0.0 for _ in values]\n"
            "    return [v / total for v in values]\n\nprint(shares([3, 1]))\nprint(shares([0, 0]))",
        ),
    ],
    "rows": [
        (
            "md",
            "# Many rows at once\n\n`claude_nb.map(template, rows)` asks the same question of every row of a "
            "DataFrame and gives the answers back as a Series on the same index. Requests go many at once, paced "
            'to the API\'s rate limits (`mode="live"`), or as a Message Batch at half the price '
            '(`mode="batch"`); every answer is written to `.claude_nb/` as it arrives, so an interrupted call '
            "— or the same call in a new kernel — sends only the rows still missing.\n\n" + DEMO_NOTE,
        ),
        ("code", FIRST),
        (
            "code",
            "import tempfile\nfrom typing import Literal\n\nimport claude_nb\nimport pandas as pd\nimport pydantic\n\n"
            "good = ['love it', 'works great', 'fast delivery', 'excellent value', 'would recommend']\n"
            "bad = ['broke after a week', 'slow support', 'missing parts', 'terrible fit', 'want a refund']\n"
            "plain = ['arrived on Tuesday', 'blue, as pictured', 'a standard size']\n"
            "texts = [f'{a}, {b}' for a, b in zip(good * 4 + bad * 4 + plain * 4, (plain + good + bad) * 4)][:50]\n"
            "reviews = pd.DataFrame({'review': texts}, index=pd.RangeIndex(1001, 1051, name='ticket'))\n"
            "checkpoints = tempfile.mkdtemp()  # a fresh folder, so this demo starts from nothing\n"
            "reviews.head()",
        ),
        (
            "md",
            "## Live\n\nThe template uses `{column}` as `%%claude` cells do. While it runs, a line shows what "
            "is done, failed, retrying and in flight, the tokens, and the time left, with a Stop button; when it "
            "ends, the line stays as a summary. A row that fails for good is missing (`NA`), and "
            "`claude_nb.last_map().errors` says why; the call itself does not fail.",
        ),
        (
            "code",
            "labels = claude_nb.map(\n"
            "    'Classify the sentiment of this review as positive, negative or neutral. One word.\\n\\n'\n"
            "    'Review: {review}',\n"
            "    reviews, mode='live', max_tokens=5, folder=checkpoints,\n"
            ")\nlabels.value_counts()",
        ),
        (
            "md",
            "## Structured rows\n\nWith `schema` (a pydantic model or a JSON-schema dict, sent as the API's "
            "structured output format) the answer is a DataFrame with one column per field.",
        ),
        (
            "code",
            "class Review(pydantic.BaseModel):\n"
            "    sentiment: Literal['positive', 'negative', 'neutral']\n"
            "    stars: int\n\n"
            "fields = claude_nb.map('Read this review and fill in the fields.\\n\\nReview: {review}', reviews,\n"
            "                       schema=Review, mode='live', folder=checkpoints)\n"
            "fields.join(reviews).head()",
        ),
        (
            "md",
            '## As a batch, at half the price\n\n`mode="batch"` sends the rows to the Message Batches API '
            "(up to 100,000 requests a batch, results within a day, most within an hour). The progress polls "
            "it; results come in any order and are joined back by id. Rows that errored for a reason a retry can "
            "fix, or expired, are sent once more. The batch id is written down before waiting, so after a kernel "
            "restart the same call picks the running batch up instead of paying for a second. "
            '`mode="auto"` (the default) turns to a batch when going live would take more than ten minutes.',
        ),
        (
            "code",
            "summaries = claude_nb.map('Summarize this review in a few words: {review}', reviews, mode='batch',\n"
            "                          folder=checkpoints)\nsummaries.head(3)",
        ),
        (
            "md",
            "## The same call again sends nothing\n\nEvery answer above is in the checkpoint folder; asking again "
            "reads them back (an interrupted call would send only what is missing):",
        ),
        (
            "code",
            "again = claude_nb.map('Summarize this review in a few words: {review}', reviews, mode='batch',\n"
            "                      folder=checkpoints)\n"
            "print(claude_nb.last_map().stats.kept, 'rows kept,', again.equals(summaries))",
        ),
    ],
    "context": [
        (
            "md",
            "# The notebook as context\n\nA notebook's value is its live objects. In a `%%claude` cell, `{name}` "
            "sends each one as what the API understands, at its place in the prompt: a DataFrame as a short "
            "description (shape, column types, ranges, missing values and a sample of real rows, never the whole "
            "frame), a matplotlib figure or an image as the picture itself, a `Path` to a PDF as a document and to "
            "a text file as its contents. Everything else is `str()` as before, and nothing is evaluated.\n\n"
            + DEMO_NOTE,
        ),
        ("code", FIRST),
        (
            "code",
            "import numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt\n\n"
            "rng = np.random.default_rng(42)\n"
            "sales = pd.DataFrame({\n"
            "    'day': pd.date_range('2026-01-01', periods=10_000, freq='h'),\n"
            "    'units': rng.poisson(20, 10_000),\n"
            "    'price': rng.normal(9.5, 1.2, 10_000).round(2),\n"
            "})\n"
            "fig, ax = plt.subplots(figsize=(6, 3))\n"
            "sales.set_index('day')['units'].resample('D').sum().plot(ax=ax, title='Units per day')\n"
            "plt.close(fig)  # shown to Claude, not here",
        ),
        (
            "md",
            "## A DataFrame\n\n10,000 rows become about 1 KB: enough for Claude to reason about the columns and "
            "values, within `Claude.context_chars` (4,000 characters by default).",
        ),
        ("code", "%%claude\nWhat stands out in {sales}?"),
        (
            "md",
            "## A figure\n\nThe figure goes as one PNG `image` block between the text before and after it, "
            "scaled to what the API uses. People see a placeholder instead of the base64, in the history too:",
        ),
        ("code", "%%claude\nHere is the plot: {fig} Does it agree with the table?"),
        ("code", "%claude history"),
        (
            "md",
            "## Prompt caching, on by default\n\nEvery cell resends the conversation before it. Each request marks "
            "the end of that history for the API's prompt cache, so a later cell reads the earlier ones at a tenth "
            "of the input price; the footer says `cache read N, write M` when the API reports it. "
            "`%config Claude.cache = False` turns it off. A request estimated above `Claude.budget_tokens` "
            "(50,000) is counted first and its size shown; one over the model's context window stops before it "
            "is sent.",
        ),
        ("code", "%%claude\nWhich columns would you model, and how? A table, please."),
        (
            "md",
            "The API caches nothing shorter than the model's minimum (1,024 tokens for most models), so the first "
            "cells above wrote nothing. The conversation is past it now: the next cells write it to the cache and "
            "read it back (see their footers).",
        ),
        ("code", "%%claude\nSum it up in one sentence."),
        ("code", "%%claude\nAnd in five words?"),
        ("code", "%%claude\nAnd in one?"),
        (
            "code",
            "u = _claude.usage\nprint('cache read:', u.cache_read_input_tokens, ' written:', "
            "u.cache_creation_input_tokens)",
        ),
    ],
}


def build(name: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, source in NOTEBOOKS[name]:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
        if kind == "raises":  # a cell shown failing on purpose: the run goes on past it
            cell.metadata["tags"] = ["raises-exception"]
        nb.cells.append(cell)
    return nb


def run(nb: nbformat.NotebookNode, workdir: Path) -> None:
    env_keys = [k for k in os.environ if k.startswith("ANTHROPIC_")]
    saved = {k: os.environ.pop(k) for k in env_keys}
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}).execute()
    finally:
        os.environ.update(saved)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-run", action="store_true")
    parser.add_argument("names", nargs="*", help="only these notebooks (default: all)")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    for name in args.names or NOTEBOOKS:
        nb = build(name)
        if not args.no_run:
            run(nb, OUT)
        nbformat.write(nb, OUT / f"{name}.ipynb")
        print(f"wrote notebooks/{name}.ipynb", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
