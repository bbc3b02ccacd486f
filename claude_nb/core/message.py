"""The SDK's Message built from the API's JSON, keeping every block as it came.

A Message is the SDK's GA type when every block is one it knows, else its beta type
(which knows the beta blocks), else built as it stands: the next turn sends it back,
so a block lost or relabelled here is a conversation the API refuses or misreads.
"""

from __future__ import annotations

import typing
from typing import Any

import anthropic

from .plain import field_of


def build_message(data: dict[str, Any]) -> Any:
    """The SDK's Message of ``data``: GA when it holds only GA blocks, else beta,
    else (a block no SDK type knows) built as it stands."""
    return validated(data) or anthropic.types.Message.model_construct(None, **data)


def validated(data: dict[str, Any]) -> Any:
    """``data`` as the SDK's GA Message, or its beta one, whichever has a class for
    every block; None if neither has. Validated where it can be; else built the way
    the SDK builds responses (``model_construct``), since real answers omit fields the
    SDK's types require (``server_tool_use.web_fetch_requests`` in older recordings)."""
    from anthropic.types.beta import BetaMessage

    for kind in (anthropic.types.Message, BetaMessage):
        try:
            message = kind.model_validate(data)
        except Exception:  # a block this type does not know, or a field missing
            message = kind.model_construct(**data)
        if _keeps_blocks(message, data):
            return message
    return None


def _keeps_blocks(message: Any, data: dict[str, Any]) -> bool:
    """Whether every block became a class made for its type: the SDK's unions are
    loose, and build a block they do not know as another (a ``TextBlock`` labelled
    ``mcp_tool_use``), which would then be dumped and sent back wrong."""
    if len(message.content) != len(data["content"]):
        return False
    return all(
        made_for_its_type(block) and field_of(block, "type") == given.get("type")
        for block, given in zip(message.content, data["content"], strict=True)
    )


def made_for_its_type(block: Any) -> bool:
    """Whether the SDK built ``block`` as the class of its own type (see ``_keeps_blocks``)."""
    field = getattr(type(block), "model_fields", {}).get("type")
    return field is not None and field_of(block, "type") in typing.get_args(field.annotation)
