"""``claude_nb.map``: one prompt template asked of every row of a table.

Rows answered already (by this call before an interrupt, or in another kernel) are
read from the checkpoint and not sent again; the rest go live (many at once, paced
to the API's limits) or as a Message Batch (half price, minutes to hours). The
answers come back in the input's shape; a row that failed for good is missing
(NA), with its reason in ``last_map().errors``; failures of rows never raise.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import ClaudeError
from ..core.hearing import Hearing
from .call import prepare_call, template_id
from .checkpoint import Checkpoint
from .live import Job
from .run import MapRunner
from .stats import MapStats
from .table import Rows, Template, shaped

MODES = ("auto", "live", "batch")

DEMO_NOTE = "demo mode: each answer made by the loopback from its own row, not by Claude (no API key used)"

_last: MapRun | None = None


@dataclass
class MapRun:
    """What the last ``map`` call did: its ``result``, each failed row's reason
    (``errors``: index label → reason), the counts, the checkpoint file and batches."""

    result: Any
    errors: dict[Any, str]
    stats: MapStats
    path: Path
    mode: str
    batches: list[str] = field(default_factory=list)
    note: str = ""
    done: threading.Event = field(default_factory=threading.Event, repr=False)
    """Set when the call has ended (at once for ``wait=True``)."""

    def wait(self, timeout: float | None = None) -> Any:
        """The result, once the call has ended (``wait=False`` calls run on meanwhile)."""
        if not self.done.wait(timeout):
            raise TimeoutError(f"the map call is still running: {self.stats.line()}")
        return self.result

    def __repr__(self) -> str:
        state = self.mode if self.done.is_set() else "running"
        return f"<claude_nb map, {state}: {self.stats.line()}; checkpoint {self.path}>"


def last_map() -> MapRun | None:
    """The most recent ``map`` call in this kernel (its result, errors and counts)."""
    return _last


def map(  # noqa: A001 - the name says what it does, as the builtin's does
    template: Template,
    rows: Any,
    *,
    schema: Any = None,
    mode: str = "auto",
    model: str | None = None,
    system: str | None = None,
    max_tokens: int | None = None,
    thinking: str | int | None = None,
    effort: str | None = None,
    concurrency: int = 64,
    max_retries: int | None = None,
    retry_failed: bool = False,
    folder: str | Path | None = None,
    wait: bool = True,
    **params: Any,
) -> Any:
    """Ask ``template`` of every row of ``rows``; the answers in the input's shape.

    ``template``: a string with ``{column}`` references (as in ``%%claude``), or a
    function of a row (a dict) returning the prompt. ``rows``: a pandas or polars
    DataFrame or Series, or a list of dicts or strings. Returns a Series aligned with
    the input's index (polars in, polars out); with ``schema`` (a pydantic model or a
    JSON-schema dict, sent as ``output_config.format``) a DataFrame with one column per
    field. A row that failed is missing; ``last_map().errors`` says why.

    ``mode``: "live" (many requests at once, within the rate limits; at most
    ``concurrency`` in flight), "batch" (the Message Batches API: half price, results
    within 24 hours) or "auto" (live, unless the live estimate is over ten minutes).
    Answers are kept in ``.claude_nb/`` (or ``folder``) as they arrive: the same call
    again, in this kernel or a new one, sends only the rows still missing (and rows
    refused for good only with ``retry_failed``). The other keywords are request
    options (``model``, ``system``, ``max_tokens``, ``thinking``, ``effort``, ...).

    ``wait=False`` returns at once a ``MapRun`` whose ``wait()`` gives the result: the
    call goes on while other cells run, and its progress has a Stop button (a call
    that blocks its cell is stopped with the kernel's interrupt, which keeps what
    arrived too: the kernel cannot hear a button while the cell runs).
    """
    global _last
    from ..api.stream import has_widget_frontend

    if mode not in MODES:
        raise ClaudeError(f"mode takes one of {', '.join(MODES)}, not {mode!r}")
    if concurrency < 1:
        raise ClaudeError("concurrency needs a number of requests, 1 or more")
    options = {"model": model, "max_tokens": max_tokens, "system": system, "thinking": thinking, "effort": effort}
    call = prepare_call(template, rows, schema, options, params)
    header = {"model": call.request["model"], "template": template_id(template)[:300], "rows": len(call.table)}
    checkpoint = Checkpoint.open(call.key, header, folder)
    note = "; ".join(n for n in (call.note, DEMO_NOTE if call.settings.demo else "") if n)
    try:
        jobs, stats = _plan(call.hashes, checkpoint, retry_failed)
        runner = MapRunner(call, jobs, checkpoint, stats, max_retries, concurrency)
    except BaseException:
        checkpoint.close()
        raise
    if wait:
        # A blocking call hears its Stop button where the kernel lets it (else: interrupt).
        runner.hearing = Hearing.open(quiet=True)
    try:
        runner.show(
            has_widget_frontend(), note, stop_button=not wait or runner.hearing.live
        )  # a missing key is said here
    except BaseException:
        runner.hearing.close()
        checkpoint.close()
        raise
    handle = _last = MapRun(None, {}, stats, checkpoint.path, "running", [], note)

    def body() -> None:
        try:
            handle.mode, handle.batches = runner.go(mode)
        except Exception as exc:  # said in one line, after the summary of what was kept
            runner.fatal = runner.fatal or f"{type(exc).__name__}: {exc}".splitlines()[0]
        finally:
            runner.hearing.close()  # what the page sent meanwhile goes back behind the cell
            checkpoint.close()
            handle.result, handle.errors = _collect(call.table, call.hashes, checkpoint, call.fields, schema)
            handle.done.set()
        runner.finish(handle.errors)

    if wait:
        body()
        return handle.result
    from ..api.background import start

    start(body, _shell(), name="claude_nb.map", stop_button=False)
    return handle


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _plan(hashes: list[str], checkpoint: Checkpoint, retry_failed: bool) -> tuple[list[Job], MapStats]:
    """The rows to send (one request per distinct prompt) and the counts so far."""
    stats = MapStats(total=len(hashes))
    first: dict[str, int] = {}
    weight: dict[str, int] = {}
    for position, h in enumerate(hashes):
        if h in checkpoint.answers:
            stats.kept += 1
            continue
        failure = checkpoint.failures.get(h)
        if failure is not None and failure.final and not retry_failed:
            stats.failed += 1
            continue
        if h in first:
            weight[h] = weight.get(h, 1) + 1
        else:
            first[h] = position
    stats.weights = weight
    return [Job(0.0, position, h) for h, position in first.items()], stats


def _collect(
    table: Rows, hashes: list[str], checkpoint: Checkpoint, fields: list[str] | None, schema: Any
) -> tuple[Any, dict[Any, str]]:
    values: list[Any] = []
    errors: dict[Any, str] = {}
    labels = list(table.index) if table.index is not None else None
    parsed: dict[str, Any] = {}
    for position, h in enumerate(hashes):
        label = labels[position] if labels is not None else position
        answer = checkpoint.answers.get(h)
        if answer is None:
            failure = checkpoint.failures.get(h)
            if failure is not None:
                errors[label] = failure.reason
            values.append(None)
            continue
        if fields is None:
            values.append(answer)
            continue
        if h not in parsed:
            parsed[h] = _parse(answer, schema)
        value = parsed[h]
        if isinstance(value, str):
            errors[label] = value
            values.append(None)
        else:
            values.append(value)
    return shaped(table, values, fields), errors


def _parse(text: str, schema: Any) -> dict[str, Any] | str:
    """The answer as a dict of fields, or the reason it is not one."""
    try:
        data = json.loads(text)
        if hasattr(schema, "model_validate"):
            data = schema.model_validate(data).model_dump()
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"the answer is not JSON of the schema: {first}"
    return data if isinstance(data, dict) else "the answer is not a JSON object"
