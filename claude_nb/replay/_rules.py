"""The requests the real Messages API rejects, rejected here the same way.

A loopback server that accepts anything hides client bugs: a follow-up turn sent
without the ``tool_result`` blocks the API requires, a thinking block altered on
its way back, a prefill ending in whitespace. Each rule answers with the API's
status, error type and message text (as the API words them), so a test sees what a
user of the real API would see.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._models import thinking_refusal

_THINKING_DOCS = "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
_SECRET = b"claude-nb-loopback"
MIN_THINKING_BUDGET = 1024
_THINKING_TYPES = ("enabled", "adaptive", "disabled", "between_tools")


@dataclass(frozen=True)
class Rejection:
    status: int
    error_type: str
    message: str


def sign_thinking(text: str) -> str:
    """The signature the loopback API gives a thinking block: an HMAC of its text, so a
    block sent back altered (or with another block's signature) is caught."""
    return "sig_" + hmac.new(_SECRET, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _bad(message: str) -> Rejection:
    return Rejection(400, "invalid_request_error", message)


def thinks_by_default(model: str) -> bool:
    """Today's models (the 5 family, Fable, Mythos) think when ``thinking`` is left out."""
    match = re.search(r"claude-(?:opus|sonnet|haiku)-(\d+)", model)
    return bool(match and int(match.group(1)) >= 5) or any(name in model for name in ("fable", "mythos"))


def thinking_enabled(body: dict[str, Any]) -> bool:
    """Whether the answer may hold thinking: asked for, or the model's own default."""
    thinking = body.get("thinking")
    if thinking is None:
        return thinks_by_default(str(body.get("model", "")))
    return isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive", "between_tools")


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content or [] if isinstance(b, dict)]


def check_headers(headers: dict[str, str]) -> Rejection | None:
    if not headers.get("x-api-key") and not headers.get("authorization"):
        return Rejection(401, "authentication_error", "x-api-key header is required")
    if not headers.get("anthropic-version"):
        return _bad("anthropic-version: header is required")
    return None


def check_body(body: dict[str, Any], issued: Mapping[str, str] | None = None) -> Rejection | None:
    """The first rule the request breaks, or None. ``issued`` maps signatures this
    server streamed (a replayed recording's, made by the real API) to their text."""
    for name in ("model", "max_tokens", "messages"):
        if name not in body:
            return _bad(f"{name}: Field required")
    return _check_thinking_param(body) or _check_output_config(body) or _check_messages(body, issued or {})


EFFORTS = ("low", "medium", "high", "xhigh", "max")


def _check_output_config(body: dict[str, Any]) -> Rejection | None:
    config = body.get("output_config")
    if config is None:
        return None
    if not isinstance(config, dict):
        return _bad("output_config: Input should be a valid dictionary")
    effort = config.get("effort")
    if effort is not None and effort not in EFFORTS:
        return _bad("output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'")
    fmt = config.get("format")
    if fmt is not None and (
        not isinstance(fmt, dict) or fmt.get("type") != "json_schema" or not isinstance(fmt.get("schema"), dict)
    ):
        return _bad(
            "output_config.format: Input should be a JSON schema format ({'type': 'json_schema', 'schema': {...}})"
        )
    return None


def _check_thinking_param(body: dict[str, Any]) -> Rejection | None:
    thinking = body.get("thinking")
    if thinking is None:
        return None
    if not isinstance(thinking, dict) or thinking.get("type") not in _THINKING_TYPES:
        return _bad(
            "thinking: Input tag does not match any of the expected tags: "
            "'enabled', 'disabled', 'adaptive', 'between_tools'"
        )
    kind = thinking["type"]
    display = thinking.get("display")
    if display is not None and (kind not in ("enabled", "adaptive") or display not in ("summarized", "omitted")):
        if kind not in ("enabled", "adaptive"):
            return _bad(f"thinking.{kind}.display: Extra inputs are not permitted")
        return _bad(f"thinking.{kind}.display: Input should be 'summarized' or 'omitted'")
    refused = thinking_refusal(body)
    if refused:
        return _bad(refused)
    if kind == "enabled":
        budget = thinking.get("budget_tokens")
        if not isinstance(budget, int):
            return _bad("thinking.enabled.budget_tokens: Field required")
        if budget < MIN_THINKING_BUDGET:
            return _bad(
                f"thinking.enabled.budget_tokens: Input should be greater than or equal to {MIN_THINKING_BUDGET}"
            )
        if int(body.get("max_tokens") or 0) <= budget:
            return _bad(
                "`max_tokens` must be greater than `thinking.budget_tokens`. "
                f"Please consult our documentation at {_THINKING_DOCS}#max-tokens-and-context-window-size"
            )
    if kind in ("enabled", "adaptive") and body.get("temperature") not in (None, 1, 1.0):
        return _bad("`temperature` may only be set to 1 when thinking is enabled or in adaptive mode.")
    return None


def _check_messages(body: dict[str, Any], issued: Mapping[str, str]) -> Rejection | None:
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        return _bad("messages: at least one message is required")
    thinking = thinking_enabled(body)
    budgeted = isinstance(body.get("thinking"), dict) and body["thinking"].get("type") == "enabled"
    last = len(messages) - 1
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ("user", "assistant"):
            return _bad(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        content = message.get("content")
        final_assistant = i == last and role == "assistant"
        if (content == "" or content == []) and not final_assistant:
            return _bad(
                f"messages.{i}: all messages must have non-empty content "
                "except for the optional final assistant message"
            )
        blocks = _blocks(message)
        for j, block in enumerate(blocks):
            if block.get("type") == "text" and not block.get("text") and isinstance(content, list):
                return _bad(f"messages.{i}.content.{j}.text: text content blocks must be non-empty")
        problem = (
            _check_assistant(i, blocks, messages, thinking, final_assistant, issued)
            if role == "assistant"
            else _check_tool_results(i, blocks, messages)
        )
        if problem is not None:
            return problem
    return _check_dropped_thinking(messages, budgeted)


def _check_assistant(
    i: int, blocks: list[dict[str, Any]], messages: list[Any], thinking: bool, final: bool, issued: Mapping[str, str]
) -> Rejection | None:
    kinds = [b.get("type") for b in blocks]
    has_thinking = any(k in ("thinking", "redacted_thinking") for k in kinds)
    if has_thinking and kinds[0] not in ("thinking", "redacted_thinking"):
        return _bad(
            f"messages.{i}.content.0: If an assistant message contains any thinking blocks, "
            f"the first block must be `thinking` or `redacted_thinking`. Found `{kinds[0]}`."
        )
    for j, block in enumerate(blocks):
        text, signature = str(block.get("thinking", "")), block.get("signature")
        if block.get("type") == "thinking" and signature != sign_thinking(text) and issued.get(str(signature)) != text:
            return _bad(f"messages.{i}.content.{j}: Invalid `signature` in `thinking` block")
    if final:
        if has_thinking and not thinking:
            return _bad(
                f"messages.{i}.content.0: When thinking is disabled, an `assistant` message in the final position "
                "cannot contain `thinking`. To use thinking blocks, enable `thinking` in your request."
            )
        if kinds and kinds[-1] in ("thinking", "redacted_thinking"):
            return _bad(f"messages.{i}: The final block in an assistant message cannot be `thinking`.")
        texts = [b for b in blocks if b.get("type") == "text"]
        if texts and kinds[-1] == "text" and str(texts[-1].get("text", "")) != str(texts[-1].get("text", "")).rstrip():
            return _bad("messages: final assistant content cannot end with trailing whitespace")
        return None
    tool_ids = [str(b.get("id")) for b in blocks if b.get("type") == "tool_use"]
    if tool_ids:
        answered = (
            {str(b.get("tool_use_id")) for b in _blocks(messages[i + 1]) if b.get("type") == "tool_result"}
            if messages[i + 1].get("role") == "user"
            else set()
        )
        missing = [t for t in tool_ids if t not in answered]
        if missing:
            return _bad(
                f"messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                f"{', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` block "
                "in the next message."
            )
    return None


def _check_tool_results(i: int, blocks: list[dict[str, Any]], messages: list[Any]) -> Rejection | None:
    previous = messages[i - 1] if i > 0 else None
    known = (
        {str(b.get("id")) for b in _blocks(previous) if b.get("type") == "tool_use"}
        if isinstance(previous, dict) and previous.get("role") == "assistant"
        else set()
    )
    seen_other = False
    for j, block in enumerate(blocks):
        if block.get("type") != "tool_result":
            seen_other = True
            continue
        tool_id = str(block.get("tool_use_id"))
        if tool_id not in known:
            return _bad(
                f"messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` blocks: {tool_id}. "
                "Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
            )
        if seen_other:
            return _bad(
                f"messages.{i}.content.{j}: `tool_result` blocks must come first in a user message, "
                "before any other content."
            )
    return None


def _check_dropped_thinking(messages: list[Any], thinking: bool) -> Rejection | None:
    """With a thinking budget, the assistant turn a tool loop continues from must keep
    its thinking: the API checks the last assistant message followed by tool results.
    (Adaptive thinking may skip a turn's thinking, so it cannot be required there.)"""
    if not thinking:
        return None
    for i in range(len(messages) - 2, -1, -1):
        message = messages[i]
        if message.get("role") != "assistant":
            continue
        follower = _blocks(messages[i + 1])
        if not any(b.get("type") == "tool_result" for b in follower):
            return None
        first = (_blocks(message) or [{"type": "none"}])[0].get("type")
        if first in ("thinking", "redacted_thinking"):
            return None
        return _bad(
            f"messages.{i}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{first}`. "
            "When `thinking` is enabled, a final `assistant` message must start with a thinking block "
            "(preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include "
            "thinking blocks from previous turns. To avoid this requirement, disable `thinking`. "
            f"Please consult our documentation at {_THINKING_DOCS}"
        )
    return None


_BETA_ONLY = ("context_management", "compaction", "mcp_servers", "fallbacks", "thread")


def check_beta(headers: dict[str, str], body: dict[str, Any]) -> Rejection | None:
    """Beta fields need a beta header (the GA route does not take them), and a
    compaction block goes back with its summary, as it came."""
    if not headers.get("anthropic-beta"):
        for name in _BETA_ONLY:
            if name in body:
                return _bad(f"{name}: Extra inputs are not permitted")
    for i, message in enumerate(body.get("messages") or []):
        if not isinstance(message, dict):
            continue
        for j, block in enumerate(_blocks(message)):
            summary = block.get("content") is not None or block.get("encrypted_content")
            if block.get("type") == "compaction" and not summary:
                return _bad(f"messages.{i}.content.{j}.compaction.content: Field required")
            if block.get("type") == "mcp_tool_use" and not headers.get("anthropic-beta"):
                return _bad(f"messages.{i}.content.{j}: `mcp_tool_use` blocks need the MCP connector beta")
    return None
