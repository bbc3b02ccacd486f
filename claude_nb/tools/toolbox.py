"""Tools a notebook hands to Claude: its own Python functions and the API's server tools.

A function becomes a tool through the SDK's own ``beta_tool`` / ``beta_async_tool``:
the name, the docstring's description and its ``Args:`` section, and a JSON schema
from the signature and type hints (pydantic), with the SDK's input validation when
it is called. Definitions ask for fine-grained input streaming, so the tool table
shows an input while it is generated. Server tools (web search, web fetch, code
execution) are looked up by name in the installed SDK's request types, newest
version first, so a new tool version arrives with an SDK upgrade instead of a table
kept here.

Running a call never raises into the stream: an exception, an unknown tool name or
an input that did not parse each become an ``is_error`` result the model can read.
What a function returns is sent as the model can best read it: text as it is, data
as JSON, a DataFrame described as in a prompt, and a figure, an image or a PDF as
the image or document block itself (the table shows its placeholder).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import threading
import time
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..core.config import DEFAULT_CONTEXT_CHARS
from ..core.errors import ClaudeError
from ..prompt import attachments as _attachments
from ..prompt import dataframes as _frames

_JSONABLE = (dict, list, int, float, bool, type(None))
"""Results sent as JSON; anything else may be an image or a document."""

RESULT_CHARS = 100_000
"""The most characters of one tool result the model is sent (the rest is cut, and said so)."""

SERVER_TOOLS = ("web_search", "web_fetch", "code_execution")
"""Short names ``--server-tools`` takes; any name the SDK's types define works too."""


@dataclass
class Outcome:
    """What running one call gave: the text the model gets, and how it went."""

    content: str
    is_error: bool
    seconds: float
    status: str
    """``done``, ``error`` or ``skipped`` (not run)."""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    """Image or document blocks the result is (``content`` then names them)."""
    ends: str = ""
    """Set when this call ends the loop: why, as the answer's last note says it."""

    def result_block(self, tool_use_id: str) -> dict[str, Any]:
        content: Any = [{"type": "text", "text": self.content}, *self.blocks] if self.blocks else self.content
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": tool_use_id, "content": content}
        if self.is_error:
            block["is_error"] = True
        return block


@dataclass
class ToolResult:
    """What a tool function may return to send image or document blocks with its text."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    is_error: bool = False
    ends: str = ""
    """Why this call ends the tool loop (its result is kept, no turn follows); empty: it goes on."""


def _tool_for(fn: Callable[..., Any]) -> Any:
    import anthropic

    make = anthropic.beta_async_tool if inspect.iscoroutinefunction(fn) else anthropic.beta_tool
    try:
        return make(fn, eager_input_streaming=True)
    except TypeError:  # an SDK whose beta_tool has no eager_input_streaming
        return make(fn)


class Toolbox:
    """The tools of one request: definitions to send, and functions to run by name."""

    def __init__(self, tools: Iterable[Any] = (), *, result_chars: int = RESULT_CHARS) -> None:
        self.definitions: list[dict[str, Any]] = []
        self._runnable: dict[str, Any] = {}
        self.result_chars = result_chars
        for tool in tools:
            self.add(tool)

    def add(self, tool: Any) -> None:
        """A function, an SDK function tool (``@beta_tool``), or a ready definition (dict)."""
        if isinstance(tool, dict):
            self.definitions.append(dict(tool))
            return
        if not (hasattr(tool, "to_dict") and hasattr(tool, "call")):
            if not callable(tool):
                raise ClaudeError(f"a tool must be a function or a tool definition, not {type(tool).__name__}")
            tool = _tool_for(tool)
        definition = dict(tool.to_dict())
        self.definitions.append(definition)
        self._runnable[str(definition["name"])] = tool

    def __bool__(self) -> bool:
        return bool(self.definitions)

    @property
    def names(self) -> list[str]:
        return list(self._runnable)

    def _outcome(self, value: Any, started: float) -> Outcome:
        seconds = time.monotonic() - started
        if isinstance(value, ToolResult):
            status = "error" if value.is_error else "done"
            return Outcome(self._text(value.text), value.is_error, seconds, status, list(value.blocks), value.ends)
        if not isinstance(value, (str, *_JSONABLE)):
            try:
                found = _attachments.attachment("result", value, file_chars=0)
            except Exception as exc:  # an image the API cannot take (too large, unreadable)
                return Outcome(f"{type(exc).__name__}: {exc}", True, seconds, "error")
            if isinstance(found, _attachments.Attachment):
                return Outcome(found.placeholder, False, seconds, "done", [found.block])
        return Outcome(self._text(value), False, seconds, "done")

    def _text(self, value: Any) -> str:
        if isinstance(value, str):
            text = value
        elif isinstance(value, _JSONABLE):
            text = json.dumps(value, ensure_ascii=False, default=str)
        elif _frames.is_frame(value):  # described as in a prompt, not pandas' console repr
            text = _frames.describe("result", value, min(self.result_chars, DEFAULT_CONTEXT_CHARS)).text
        else:
            text = str(value)
        if len(text) > self.result_chars:
            more = len(text) - self.result_chars
            text = text[: self.result_chars] + f"\n[… {more:,} more characters cut]"
        return text

    def _lookup(self, call: dict[str, Any]) -> tuple[Any, Outcome | None]:
        name = str(call.get("name", ""))
        tool = self._runnable.get(name)
        if tool is None:
            known = ", ".join(self._runnable) or "none"
            return None, Outcome(f"No tool named {name!r} is defined (defined: {known}).", True, 0.0, "error")
        if not isinstance(call.get("input"), dict) or "_unparsed" in call["input"]:
            return None, skipped("its input was not valid JSON")
        return tool, None

    def _error(self, exc: BaseException, started: float) -> Outcome:
        message = f"{type(exc).__name__}: {exc}"
        cause = exc.__cause__
        if cause is not None and type(cause).__name__ == "ValidationError":
            message += "\n" + str(cause)[:800]
        return Outcome(message, True, time.monotonic() - started, "error")

    def run(self, call: dict[str, Any]) -> Outcome:
        """Run one call here (a coroutine function in a thread of its own, since a
        notebook's thread already runs an event loop)."""
        tool, refused = self._lookup(call)
        if refused is not None:
            return refused
        started = time.monotonic()
        try:
            if inspect.iscoroutinefunction(tool.call):
                value = _run_coroutine(tool.call(call["input"]))
            else:
                value = tool.call(call["input"])
        except Exception as exc:
            return self._error(exc, started)
        return self._outcome(value, started)

    async def arun(self, call: dict[str, Any]) -> Outcome:
        tool, refused = self._lookup(call)
        if refused is not None:
            return refused
        started = time.monotonic()
        try:
            value = tool.call(call["input"])
            if inspect.isawaitable(value):
                value = await value
        except Exception as exc:
            return self._error(exc, started)
        return self._outcome(value, started)


def skipped(why: str) -> Outcome:
    return Outcome(f"Not run: {why}.", True, 0.0, "skipped")


def _run_coroutine(coro: Any) -> Any:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="claude_nb-tool")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")


# -- server tools ------------------------------------------------------------------------
_DATED = re.compile(r"^(?P<name>[a-z_]+)_(?P<date>\d{8})$")


def _literal(hints: dict[str, Any], key: str) -> str | None:
    args = typing.get_args(hints.get(key))
    while args and not isinstance(args[0], str):  # Required[Literal[...]]
        args = typing.get_args(args[0])
    return str(args[0]) if args else None


def _server_tool_types(module: Any) -> dict[str, list[str]]:
    """Tool name → its versioned type names in ``module`` (newest first)."""
    found: dict[str, list[str]] = {}
    for attr in dir(module):
        if not attr.endswith("Param") or "Tool2" not in attr:
            continue
        try:
            hints = typing.get_type_hints(getattr(module, attr))
        except Exception:
            continue
        kind, name = _literal(hints, "type"), _literal(hints, "name")
        if kind and name and _DATED.match(kind):
            found.setdefault(name, []).append(kind)
    return {name: sorted(kinds, reverse=True) for name, kinds in found.items()}


def _beta_for(kind: str) -> str | None:
    """The beta header a beta-only tool type needs, as the SDK's beta names spell it."""
    from anthropic.types import AnthropicBetaParam

    match = _DATED.match(kind)
    if match is None:
        return None
    date = match["date"]
    wanted = f"{match['name'].replace('_', '-')}-{date[:4]}-{date[4:6]}-{date[6:]}"
    names = [a for arg in typing.get_args(AnthropicBetaParam) for a in (typing.get_args(arg) or (arg,))]
    return wanted if wanted in names else None


def server_tool(spec: str) -> tuple[dict[str, Any], str | None]:
    """A server tool's definition and the beta header it needs (None when generally
    available), from a name (``web_search``: the newest version the SDK types) or a
    versioned type (``web_search_20250305``)."""
    import anthropic.types as ga
    import anthropic.types.beta as beta

    released, betas = _server_tool_types(ga), _server_tool_types(beta)
    match = _DATED.match(spec)
    name = match["name"] if match and match["name"] in {**released, **betas} else spec
    if name not in released and name not in betas:
        known = ", ".join(sorted({*released, *betas}))
        raise ClaudeError(f"no server tool named {spec!r} in this anthropic SDK (it knows: {known})")
    kinds = released.get(name, [])
    kind = spec if match else (kinds[0] if kinds else betas[name][0])
    if kind in kinds:
        return {"type": kind, "name": name}, None
    if kind not in betas.get(name, []):
        raise ClaudeError(f"this anthropic SDK has no {kind!r} (it has: {', '.join(kinds + betas.get(name, []))})")
    return {"type": kind, "name": name}, _beta_for(kind)


def server_tools(names: str) -> tuple[list[dict[str, Any]], list[str]]:
    """``web_search,code_execution`` → their definitions and the beta headers they need."""
    definitions, betas = [], []
    for spec in (n.strip() for n in names.split(",")):
        if spec:
            definition, beta = server_tool(spec)
            definitions.append(definition)
            if beta:
                betas.append(beta)
    return definitions, betas


def lookup_functions(names: str, namespace: dict[str, Any]) -> list[Callable[..., Any]]:
    """``f,g`` → the callables of those names in the notebook, or one clear error."""
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    missing = [n for n in wanted if n not in namespace]
    not_callable = [n for n in wanted if n in namespace and not callable(namespace[n])]
    problems = []
    if missing:
        problems.append(f"not defined: {', '.join(missing)}")
    if not_callable:
        problems.append(f"not callable: {', '.join(not_callable)}")
    if problems:
        raise ClaudeError(f"--tools: {'; '.join(problems)}")
    return [namespace[n] for n in wanted]
