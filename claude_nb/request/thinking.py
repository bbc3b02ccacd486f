"""What a request says about thinking, made to fit the model it goes to.

Today's models think by default and hide the text unless asked (``display``
defaults to ``omitted``), so a plain cell asks for adaptive thinking with its text
wherever the model's Models API entry says it takes adaptive thinking — older models
that take it but do not default to it included. What each model takes comes from
its entry (``capabilities.thinking.types``), never from its name:

- the default (``Claude.thinking = "adaptive"``, no cell option) becomes
  ``{"type": "adaptive", "display": ...}`` where the entry takes adaptive, and is left
  out elsewhere (a model the API does not list is sent as asked: nothing forced on it);
- a budget (``--thinking 2048``, type ``enabled``) on a model that refuses it is
  stopped before sending, with what to use instead (``--effort``);
- off (``--no-thinking``, ``False``, ``"off"``) sends ``disabled`` where the model
  takes it, else ``between_tools`` (no up-front thinking; short progress between
  tool calls), else is stopped before sending, naming the model.
"""

from __future__ import annotations

import typing
from typing import Any

from ..core.errors import ClaudeError

MIN_THINKING_BUDGET = 1024
_KNOWN_DISPLAYS = ("summarized", "omitted")
_OFF = ("off", "0", "none", "disabled", "false", "no")


class AutoThinking(dict[str, Any]):
    """The default's thinking: sent only where the model's entry takes adaptive
    thinking. Serializes as the plain dict it holds."""


def thinking_displays() -> tuple[str, ...]:
    """The display modes the installed SDK names for thinking, and the two the API
    documents; newer SDKs may add modes, which then become valid here too."""
    names = list(_KNOWN_DISPLAYS)
    try:
        from anthropic.types import ThinkingConfigEnabledParam

        hint = typing.get_type_hints(ThinkingConfigEnabledParam).get("display")
    except Exception:  # an SDK without the field or the type
        hint = None
    stack = [hint]
    while stack:
        arg = stack.pop()
        if isinstance(arg, str) and arg not in names:
            names.append(arg)
        else:
            stack.extend(typing.get_args(arg))
    return tuple(names)


def with_display(think: dict[str, Any] | None, display: str | None) -> dict[str, Any] | None:
    """Ask for thinking text explicitly where thinking is on: newer models omit it
    unless asked, which would leave the thinking pane empty."""
    if think is None or not display or "display" in think or think.get("type") not in ("enabled", "adaptive"):
        return think
    allowed = thinking_displays()
    if display not in allowed:
        raise ClaudeError(f"--thinking-display takes one of {', '.join(allowed)}, not {display!r}")
    return type(think)({**think, "display": display})


def thinking_param(value: str | int | bool | None) -> dict[str, Any] | None:
    """``"adaptive"`` (or True) → adaptive; an int ≥ 1024 → an enabled budget; off
    (False, ``"off"``) → ``disabled`` (fitted to the model later); None or "" → nothing."""
    if value is None or value == "":
        return None
    if value is True or str(value).lower() == "adaptive":
        return {"type": "adaptive"}
    if value is False or str(value).lower() in _OFF:
        return {"type": "disabled"}
    try:
        budget = int(value)
    except (TypeError, ValueError):
        raise ClaudeError(
            f"--thinking takes a budget in tokens (>= {MIN_THINKING_BUDGET}), 'adaptive' or 'off', not {value!r}"
        ) from None
    if budget < MIN_THINKING_BUDGET:
        raise ClaudeError(f"--thinking budget must be at least {MIN_THINKING_BUDGET} tokens (got {budget})")
    return {"type": "enabled", "budget_tokens": budget}


def default_thinking(display: str | None) -> AutoThinking:
    return AutoThinking(with_display({"type": "adaptive"}, display) or {"type": "adaptive"})


def without_default(request: dict[str, Any]) -> dict[str, Any]:
    """``request`` without the default's thinking: where no model entry can be read
    (recorded answers, an endpoint without the Models API), nothing is forced on."""
    if isinstance(request.get("thinking"), AutoThinking):
        return {k: v for k, v in request.items() if k != "thinking"}
    return request


def fitted(request: dict[str, Any], types: dict[str, bool] | None) -> dict[str, Any]:
    """``request`` with its thinking made to fit the model's thinking ``types`` (from
    its Models API entry; None or empty when unknown: sent as asked, the default left
    out), or a ClaudeError that says what to do instead of the API's 400."""
    think = request.get("thinking")
    if not isinstance(think, dict):
        return request
    model = str(request.get("model", ""))
    kind = think.get("type")
    known = types or {}
    if isinstance(think, AutoThinking):
        if known.get("adaptive"):
            return {**request, "thinking": dict(think)}
        return without_default(request)
    if kind == "enabled" and known.get("enabled") is False:
        raise ClaudeError(
            f"{model} does not take a thinking budget (--thinking N; the Models API says so): it decides how "
            "much to think itself; set how hard it works with --effort low|medium|high|xhigh|max instead"
        )
    if kind == "adaptive" and known.get("adaptive") is False:
        raise ClaudeError(
            f"{model} does not take adaptive thinking (the Models API says so): "
            "give a budget (--thinking 2048) or leave --thinking out"
        )
    if kind == "disabled" and known.get("disabled") is False:
        if known.get("between_tools"):
            return {**request, "thinking": {"type": "between_tools"}}
        raise ClaudeError(
            f"{model} cannot turn thinking off (the Models API says it takes neither 'disabled' nor "
            "'between_tools'): leave --no-thinking out, or pick another model (%claude models)"
        )
    return request


def thinking_option(value: str | None, off: bool) -> str | bool | None:
    """A cell's ``--thinking VALUE`` / ``--no-thinking``, which cannot both be given."""
    if off and value not in (None, ""):
        raise ClaudeError("give --thinking or --no-thinking, not both")
    return False if off else value


def describe_thinking(value: str | int | bool | None, display: str) -> str:
    """``Claude.thinking`` in words, for ``%claude status``."""
    think = thinking_param(value)
    if think is None:
        return "not sent (each model's own default)"
    if think["type"] == "disabled":
        return "off ('disabled', or 'between_tools' where the model takes only that)"
    if think["type"] == "enabled":
        return f"budget {think['budget_tokens']:,} tokens (display: {display})"
    return f"adaptive where the model takes it (display: {display})"
