"""Building the Messages API request from settings and per-cell options."""

from __future__ import annotations

from typing import Any

from ..core.config import Claude
from ..core.errors import ClaudeError
from .thinking import default_thinking, thinking_param, with_display

EFFORTS = ("low", "medium", "high", "xhigh", "max")
"""The effort levels the API takes in ``output_config.effort``."""


def build_params(
    settings: Claude,
    messages: list[dict[str, Any]],
    *,
    model: str | None = None,
    max_tokens: int | None = None,
    system: str | None = None,
    thinking: str | int | bool | None = None,
    thinking_display: str | None = None,
    temperature: float | None = None,
    effort: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Keyword arguments for a Messages API request.

    When a thinking budget is at or above the default ``max_tokens`` and no
    ``max_tokens`` was asked for, room is made for the answer after the thinking
    (budget + the default); an explicit ``max_tokens`` that is too small is an error.
    """
    params: dict[str, Any] = {
        "model": model or settings.model,
        "messages": messages,
    }
    display = thinking_display if thinking_display is not None else settings.thinking_display
    if thinking is None and settings.thinking == "adaptive":
        # The default: adaptive thinking with its text, where the model takes it (_thinking).
        think: dict[str, Any] | None = default_thinking(display)
    else:
        think = with_display(thinking_param(thinking if thinking is not None else settings.thinking), display)
    tokens = max_tokens if max_tokens is not None else settings.max_tokens
    if think is not None and think["type"] == "enabled":
        budget = think["budget_tokens"]
        if tokens <= budget:
            if max_tokens is not None:
                raise ClaudeError(f"--max-tokens ({max_tokens}) must exceed the thinking budget ({budget})")
            tokens = budget + settings.max_tokens
    params["max_tokens"] = tokens
    if think is not None:
        params["thinking"] = think
    system_prompt = system if system is not None else settings.system
    if system_prompt:
        params["system"] = system_prompt
    temp = temperature if temperature is not None else settings.temperature
    if temp is not None:
        params["temperature"] = temp  # never sent: see without_sampling
    level = effort if effort is not None else settings.effort
    if level:
        if level not in EFFORTS:
            raise ClaudeError(f"--effort takes one of {', '.join(EFFORTS)}, not {level!r}")
        params["output_config"] = {"effort": level}
    if extra:
        if isinstance(extra.get("output_config"), dict) and "output_config" in params:
            extra = {**extra, "output_config": {**params["output_config"], **extra["output_config"]}}
        params.update(extra)
    return params


SAMPLING = ("temperature", "top_p", "top_k")
"""Refused by API version 2026-10-21, the one every SDK 2.x sends, even at their
defaults ("temperature: Extra inputs are not permitted")."""


def without_sampling(request: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """``request`` without the sampling parameters the API now refuses, and a note that
    says which were left out and why ("" when none were asked for).

    They are still accepted where they were (``-t``, ``Claude.temperature``, a
    ``temperature=`` keyword) so that older notebooks run: the answer comes, and its
    footer says the setting had no effect, instead of every cell failing with a 400."""
    extra = request.get("extra_body")
    asked = [k for k in SAMPLING if k in request or (isinstance(extra, dict) and k in extra)]
    if not asked:
        return request, ""
    request = {k: v for k, v in request.items() if k not in SAMPLING}
    if isinstance(extra, dict):
        request["extra_body"] = {k: v for k, v in extra.items() if k not in SAMPLING}
    names = " and ".join(asked)
    return request, (
        f"{names} not sent: API version 2026-10-21, the one this SDK speaks, refuses sampling parameters "
        "(temperature, top_p, top_k)"
    )


BETA_FIELDS = ("betas", "context_management", "compaction", "mcp_servers", "fallbacks", "thread")
"""Request fields only the beta surface takes (``client.beta.messages``)."""
_BETA_TOOLS = ("mcp_toolset",)


def uses_beta(request: dict[str, Any]) -> bool:
    """Whether ``request`` goes through ``client.beta.messages``: it names a beta feature
    (MCP servers, compaction, context management, server-side fallbacks, ``betas``).
    The GA route would refuse those fields, and its accumulator drops the blocks they
    bring back (an MCP call's input, a compaction summary), which the next turn must
    send back as they came."""
    if any(request.get(name) for name in BETA_FIELDS):
        return True
    extra = request.get("extra_body")
    if isinstance(extra, dict) and any(extra.get(name) for name in BETA_FIELDS):
        return True
    return any(isinstance(t, dict) and t.get("type") in _BETA_TOOLS for t in request.get("tools") or [])


def messages_api(client: Any, request: dict[str, Any]) -> Any:
    """``client.messages``, or ``client.beta.messages`` for a request that uses a beta feature."""
    return client.beta.messages if uses_beta(request) else client.messages


def stream_kwargs(stream_fn: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Split ``params`` into what this SDK's request method names and ``extra_body``.

    SDK releases add and drop request fields; the API still takes fields an older SDK
    does not type, and ``extra_body`` is the SDK's own way to send them.
    """
    import inspect

    try:
        accepted = set(inspect.signature(stream_fn).parameters)
    except (TypeError, ValueError):
        return params
    known = {k: v for k, v in params.items() if k in accepted}
    extra = {k: v for k, v in params.items() if k not in accepted}
    if extra:
        known["extra_body"] = {**known.get("extra_body", {}), **extra}
    return known
