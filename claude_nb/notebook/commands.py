"""The notebook's loop around an answer: its code into a cell (``%claude code``), an
error into a question (``%claude fix``, ``%%claude --fix``), the endpoint's models
(``%claude models``). The magic wires these; each works on the public pieces."""

from __future__ import annotations

from typing import Any

from ..core.config import Claude
from ..core.errors import ClaudeError, describe_exception
from ..prompt.context import Prompt


def error_report(question: str = "") -> str:
    """The last error as a question (see ``_fix``), the user's own words first."""
    from ..prompt.fix import last_error, report

    error = last_error()
    if error is None:
        raise ClaudeError("no error to fix yet: %claude fix explains the last exception a cell raised")
    text = report(error)
    return f"{question.strip()}\n\n{text}" if question.strip() else text


def with_error(prompt: Prompt, report: str) -> Prompt:
    """The prompt with the error report after it, as written (never interpolated)."""
    if isinstance(prompt.content, str):
        return Prompt(f"{prompt.content}\n\n{report}", f"{prompt.echo}\n\n{report}")
    return Prompt([*prompt.content, {"type": "text", "text": report}], f"{prompt.echo}\n\n{report}")


def insert_code(shell: Any, which: str) -> None:
    """The last answer's code in a new cell below the current one (not replacing it):
    the last Python block, or block ``which`` (1-based)."""
    from ..api.stream import last_view
    from ..render.code import code_blocks, pick_block

    view = last_view()
    blocks = code_blocks(view.text) if view is not None else []
    if not blocks:
        raise ClaudeError("the last answer has no code block" if view is not None else "no answer yet")
    number = None
    if which:
        if not which.isdigit() or not 1 <= int(which) <= len(blocks):
            raise ClaudeError(f"%claude code takes a block number from 1 to {len(blocks)}, not {which!r}")
        number = int(which)
    index = pick_block(blocks, number)
    language, code = blocks[index]
    shell.set_next_input(code.rstrip("\n"), replace=False)
    print(f"Code block {index + 1} of {len(blocks)} ({language or 'no language'}) is in a new cell below.")


def insert_runs(shell: Any) -> None:
    """The code the last agent cell ran, as one new cell below (each run headed by its
    purpose and how it was approved), so the notebook re-runs without the agent."""
    from ..agent.session import last_agent

    agent = last_agent()
    source = agent.runs_source() if agent is not None else ""
    if not source:
        raise ClaudeError(
            "no agent cell has run code yet" if agent is None or not agent.runs else "the agent ran no code"
        )
    shell.set_next_input(source, replace=False)
    ran = len([r for r in agent.runs if r.approval != "declined"]) if agent is not None else 0
    print(f"{ran} run(s) of the last agent cell are in a new cell below.")


def print_models(settings: Claude) -> None:
    """The endpoint's models, newest first, from its Models API."""
    from ..offline import endpoint as _offline
    from ..request import models as _models
    from ..wire.client import get_client

    timeouts = (settings.connect_timeout, settings.read_timeout)
    client = (
        _offline.client(timeouts=timeouts)
        if settings.demo
        else get_client(base_url=settings.base_url, timeouts=timeouts, max_retries=settings.max_retries)
    )
    try:
        models = _models.list_models(client)
    except Exception as exc:
        raise ClaudeError(f"the Models API did not answer: {describe_exception(exc).summary}") from None
    print(_models.table(models) if models else "The Models API lists no models here.")
