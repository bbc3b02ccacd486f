"""``--schema``: an answer in the shape of a pydantic model or a JSON schema.

The request carries the schema as ``output_config.format`` (structured outputs): a
model's made the way the SDK's ``messages.parse`` makes it (``anthropic.transform_schema``,
public), a dict as written; the finished answer is parsed into an instance of the
model, or a dict.
"""

from __future__ import annotations

import json
from typing import Any

from ..core.errors import ClaudeError


def is_schema(value: Any) -> bool:
    """A pydantic model class or a JSON-schema dict."""
    import pydantic

    return (isinstance(value, type) and issubclass(value, pydantic.BaseModel)) or isinstance(value, dict)


def schema_named(name: str | None, namespace: dict[str, Any]) -> Any:
    """The notebook's model or schema dict ``--schema`` names, or None when none is."""
    if not name:
        return None
    if name not in namespace or not is_schema(namespace[name]):
        raise ClaudeError(f"--schema takes a pydantic model or a JSON-schema dict in the notebook; {name!r} is not one")
    return namespace[name]


def output_format(target: Any) -> dict[str, Any]:
    """A model's schema made as ``messages.parse`` makes it (``transform_schema``: the
    subset structured outputs take); a dict sent as written, as the SDK says to pass
    one (``output_config={"format": ...}``): the user wrote it for the API."""
    import anthropic

    if isinstance(target, dict):
        return {"type": "json_schema", "schema": dict(target)}
    return {"type": "json_schema", "schema": anthropic.transform_schema(target)}


def with_format(params: dict[str, Any], target: Any) -> dict[str, Any]:
    """``params`` asking for JSON of ``target``'s shape (beside any effort asked for)."""
    config = dict(params.get("output_config") or {})
    config["format"] = output_format(target)
    return {**params, "output_config": config}


def parse(text: str, target: Any, name: str) -> Any:
    """The answer as an instance of the model (or the dict), or a ClaudeError saying
    why it is not one."""
    import pydantic

    try:
        if isinstance(target, type) and issubclass(target, pydantic.BaseModel):
            return target.model_validate_json(text)
        return json.loads(text)
    except (ValueError, pydantic.ValidationError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ClaudeError(f"the answer is not a {name}: {first}") from None
