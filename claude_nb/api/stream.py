"""The programmatic entry points: ``stream`` and ``last_view``."""

from __future__ import annotations

import asyncio
from typing import Any

import anthropic

from ..agent.session import Agent
from ..core.config import Claude
from ..core.errors import ClaudeError
from ..offline import demo as _demo
from ..offline import endpoint as _offline
from ..reduce.reducer import FORMAT, NOTE
from ..request import budget as _budget
from ..request import models as _models
from ..request.params import build_params
from ..request.schema import with_format
from ..request.thinking import fitted, with_display, without_default
from ..tools.loop import AsyncToolLoop, ToolLoop
from ..tools.toolbox import Toolbox, server_tools
from ..view.stop import StopPressed
from ..view.stream_view import StreamView
from ..wire.client import get_async_client, get_client
from ..wire.resume import AsyncResumingStream, ResumingStream

_last: StreamView | None = None


def last_view() -> StreamView | None:
    """The StreamView of the most recent ``%%claude`` run (or ``stream`` call) in this kernel."""
    return _last


def remember(view: StreamView) -> None:
    global _last
    _last = view


def has_widget_frontend() -> bool:
    """True inside a Jupyter kernel; False in terminal IPython or a plain script."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def current_settings() -> Claude:
    """The shell's configured ``Claude`` settings when the extension is loaded."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    for configurable in getattr(shell, "configurables", []) if shell is not None else []:
        if isinstance(configurable, Claude):
            return configurable
    return Claude(parent=shell) if shell is not None else Claude()


def new_view(settings: Claude, model: str) -> StreamView:
    widgets = has_widget_frontend()
    view = StreamView(
        model=model,
        frame_interval=settings.frame_interval,
        allow_remote_images=settings.allow_remote_images,
        echo=not widgets,
    )
    if widgets:
        from IPython.display import display

        display(view)
    remember(view)
    return view


def stream(
    prompt: str | None = None, *, messages: list[dict[str, Any]] | None = None, **params: Any
) -> anthropic.types.Message:
    """Display a live view and stream one answer into it; return the final Message.

    ``params`` are passed to ``client.messages.create`` (``model``, ``max_tokens``,
    ``system``, ``thinking``, ...), with the ``Claude`` settings as defaults.
    ``tools`` may hold Python functions: they are described to the model from their
    signature and docstring, run when it asks, and the answer goes on in the same
    view until it stops asking or ``max_turns`` is reached. ``server_tools`` names
    the API's own tools (``["web_search", "code_execution"]``). ``agent=True`` (or an
    ``Agent``) adds the notebook tools: Claude reads variables, cells and the last
    error, and runs code in this kernel once the user clicks Run (``Claude.agent_approval``).
    ``schema`` (a pydantic model or a JSON-schema dict) asks for JSON of that shape
    (``output_config.format``); ``effort`` is ``output_config.effort``.
    Failed requests are retried and broken streams resumed as the settings say
    (``Claude.max_retries``, ``Claude.max_resumes``), visibly.
    """
    settings, request = _request(prompt, messages, params)
    view, pending = prepare(settings, request)
    try:
        return view.consume(pending)
    except StopPressed:  # the page's Stop: what arrived is the answer
        if view.message is None:
            raise ClaudeError("stopped before any of the answer arrived") from None
        return view.message


async def astream(
    prompt: str | None = None, *, messages: list[dict[str, Any]] | None = None, **params: Any
) -> anthropic.types.Message:
    """The async twin of ``stream``: the kernel stays free while the answer arrives
    (a page reloaded meanwhile follows it live), with the same retries and resumes."""
    settings, request = _request(prompt, messages, params)
    timeouts = (settings.connect_timeout, settings.read_timeout)
    if settings.demo:
        _offline.set_speed(settings.demo_tokens_per_second)
        client = _offline.client(asynchronous=True, timeouts=timeouts)
    else:
        client = get_async_client(base_url=settings.base_url, timeouts=timeouts, max_retries=0)
    sync = (
        _offline.client(timeouts=timeouts)
        if settings.demo
        else get_client(base_url=settings.base_url, timeouts=timeouts, max_retries=0)
    )
    # The model's entry and a large request's count are blocking round trips (up to
    # seconds): off the loop, so the kernel's other coroutines (a view being reloaded,
    # a second answer) go on.
    request, retiring = await asyncio.to_thread(fit_to_model, sync, settings, request, offline=settings.demo)
    size = await asyncio.to_thread(_budget.check, sync, request, settings.budget_tokens, sized)
    view = new_view(settings, request["model"])
    shown_as_json(view, request)
    if retiring:
        view.feed({"type": NOTE, "text": retiring})
    if settings.demo:
        view.feed({"type": NOTE, "text": _demo.NOTE})
    if size:
        view.feed({"type": NOTE, "text": size})
    return await view.aconsume(_pending(client, settings, request))


def client(*, asynchronous: bool = False) -> Any:
    """The client ``%%claude`` would use now, for ``StreamView.consume``: the configured
    endpoint and timeouts (in demo mode, the in-process endpoint of recorded answers).
    It retries failed requests itself, as any client does; ``resumable`` shows them."""
    settings = current_settings()
    timeouts = (settings.connect_timeout, settings.read_timeout)
    if settings.demo:
        _offline.set_speed(settings.demo_tokens_per_second)
        return _offline.client(asynchronous=asynchronous, timeouts=timeouts)
    get = get_async_client if asynchronous else get_client
    return get(base_url=settings.base_url, timeouts=timeouts, max_retries=settings.max_retries)


def resumable(
    client: Any,
    *,
    max_retries: int = 2,
    max_resumes: int = 3,
    max_turns: int = 10,
    tool_result_chars: int = 100_000,
    cache: bool = False,
    **request: Any,
) -> Any:
    """A request's stream, retried before it starts and resumed when it breaks, for
    ``StreamView.consume`` (an ``Anthropic`` client) or ``aconsume`` (``AsyncAnthropic``).
    Build the client with ``max_retries=0`` so that every wait is shown in the view.

    With Python functions in ``tools`` (or server tools) it is a tool loop: calls are
    run as the model asks, and every turn streams into the same view, at most
    ``max_turns`` of them. ``cache`` marks each request for the API's prompt cache
    (the history, a loop's earlier turns, a long system prompt)."""
    import anthropic

    asynchronous = isinstance(client, anthropic.AsyncAnthropic)
    request, toolbox = split_tools(request, tool_result_chars)
    if toolbox or _has_server_tools(request):
        loop = AsyncToolLoop if asynchronous else ToolLoop
        return loop(
            client,
            request,
            toolbox,
            max_turns=max_turns,
            max_retries=max_retries,
            max_resumes=max_resumes,
            cache=cache,
        )
    twin = AsyncResumingStream if asynchronous else ResumingStream
    return twin(client, request, max_retries=max_retries, max_resumes=max_resumes, cache=cache)


def split_tools(request: dict[str, Any], result_chars: int = 100_000) -> tuple[dict[str, Any], Toolbox]:
    """The request with only tool definitions (dicts) in ``tools``, and the functions
    among them (and under ``server_tools``, by name) turned into a toolbox and definitions."""
    request = dict(request)
    given = list(request.pop("tools", None) or [])
    toolbox = Toolbox((t for t in given if not isinstance(t, dict)), result_chars=result_chars)
    definitions = [t for t in given if isinstance(t, dict)]
    names = request.pop("server_tools", None) or []
    if names:
        extra, betas = server_tools(names if isinstance(names, str) else ",".join(names))
        definitions.extend(extra)
        if betas:
            headers = dict(request.get("extra_headers") or {})
            present = [b for b in str(headers.get("anthropic-beta", "")).split(",") if b]
            headers["anthropic-beta"] = ",".join(dict.fromkeys([*present, *betas]))
            request["extra_headers"] = headers
    if definitions:
        request["tools"] = definitions
    return request, toolbox


def _has_server_tools(request: dict[str, Any]) -> bool:
    return any(t.get("type") not in (None, "custom") for t in request.get("tools") or [])


def _request(
    prompt: str | None, messages: list[dict[str, Any]] | None, params: dict[str, Any]
) -> tuple[Claude, dict[str, Any]]:
    if (prompt is None) == (messages is None):
        raise TypeError("pass either prompt or messages")
    settings = current_settings()
    msgs = messages if messages is not None else [{"role": "user", "content": prompt}]
    known = {k: params.pop(k) for k in ("model", "max_tokens", "system", "temperature", "effort") if k in params}
    max_turns = params.pop("max_turns", None)
    agent = params.pop("agent", None)
    if agent:
        # The notebook tools, beside any the caller gave.
        params["tools"] = [*(params.get("tools") or []), *agent_for(agent, settings).tools()]
    schema = params.pop("schema", None)
    thinking = params.pop("thinking", None)
    display = params.pop("thinking_display", None)
    if isinstance(thinking, dict):  # a ready-made API value: passed on, asking for the text unless it says
        enabled = thinking.get("type") in ("enabled", "adaptive")
        params["thinking"] = with_display(thinking, display or settings.thinking_display) if enabled else thinking
        thinking = "off"
    request = build_params(settings, msgs, thinking=thinking, thinking_display=display, extra=params, **known)
    if max_turns is not None:
        request["max_turns"] = max_turns
    if schema is not None:  # a pydantic model or a JSON-schema dict: output_config.format
        request = with_format(request, schema)
    return settings, request


def agent_for(agent: Any, settings: Claude) -> Agent:
    """``agent=True`` with the settings' approval and limits, or the caller's ``Agent``."""
    return agent if isinstance(agent, Agent) else Agent.configured(settings)


def prepare(
    settings: Claude, request: dict[str, Any], *, offline: str | None = None, wrap: Any = None
) -> tuple[StreamView, Any]:
    """The client (the key check happens here, before anything is shown or sent), a
    displayed view, and the not-yet-sent stream for ``view.consume``: retried and
    resumed here (the client itself does not retry, so the view can say it waits).

    ``offline`` (or demo mode) sends the request to the in-process endpoint, whose
    answers are recorded, and says so in the view's footer; ``wrap`` wraps the client
    (a cassette recorder)."""
    timeouts = (settings.connect_timeout, settings.read_timeout)
    if offline is None and settings.demo:
        offline = _demo.NOTE
    if offline is not None:
        _offline.set_speed(settings.demo_tokens_per_second)
        client = _offline.client(timeouts=timeouts)
    else:
        client = get_client(base_url=settings.base_url, timeouts=timeouts, max_retries=0)
    request, retiring = fit_to_model(client, settings, request, offline=offline is not None)
    size = _budget.check(client, request, settings.budget_tokens, sized)
    view = new_view(settings, request["model"])
    shown_as_json(view, request)
    if retiring:
        view.feed({"type": NOTE, "text": retiring})
    if offline is not None:
        view.feed({"type": NOTE, "text": offline})
    if size:
        view.feed({"type": NOTE, "text": size})
    return view, _pending(wrap(client) if wrap else client, settings, request)


def fit_to_model(
    client: Any, settings: Claude, request: dict[str, Any], *, offline: bool
) -> tuple[dict[str, Any], str]:
    """The request made to fit its model's Models API entry (thinking types, options it
    lacks: refused here with one line, before anything is sent), and the footer's word
    on the model's retirement. Recorded answers have no entry: nothing is forced on."""
    if offline:
        return without_default(request), ""
    # The lookup is a small read; it may take at most half the read timeout, so a
    # server that never answers ends the cell within about 1.5 read timeouts.
    found = _models.entry(client, str(request["model"]), timeout=min(3.0, settings.read_timeout / 2))
    request = fitted(request, found.thinking_types if found is not None else None)
    _models.refuse_unsupported(client, request)
    return request, _models.retirement_note(found)


def shown_as_json(view: StreamView, request: dict[str, Any]) -> None:
    """An answer asked to follow a schema streams as JSON code."""
    config = request.get("output_config")
    if isinstance(config, dict) and config.get("format"):
        view.feed({"type": FORMAT, "format": "json"})


def sized(request: dict[str, Any]) -> dict[str, Any]:
    """The request as it will be sent, for counting: functions as their tool definitions."""
    plain, toolbox = split_tools({k: v for k, v in request.items() if k != "max_turns"})
    if toolbox.definitions:
        plain["tools"] = [*(plain.get("tools") or []), *toolbox.definitions]
    return plain


def _pending(client: Any, settings: Claude, request: dict[str, Any]) -> Any:
    """The request's stream (or tool loop) with the settings' retries, resumes and turns."""
    request = dict(request)
    return resumable(
        client,
        max_retries=settings.max_retries,
        max_resumes=settings.max_resumes,
        max_turns=request.pop("max_turns", settings.max_turns),
        tool_result_chars=settings.tool_result_chars,
        cache=settings.cache,
        **request,
    )
