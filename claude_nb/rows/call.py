"""A ``map`` call made ready: the rows read, each row's prompt hashed, the request
built without its messages, and the key the call's checkpoint is filed under."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.errors import ClaudeError
from .table import Rows, Template, digest, prompt_maker, prompts, read_rows


@dataclass
class Call:
    """A call made ready: the rows, their prompts' hashes, the request without its
    messages, and the key its checkpoint is filed under."""

    settings: Any
    table: Rows
    make: Any
    request: dict[str, Any]
    note: str
    fields: list[str] | None
    hashes: list[str]
    key: str


def prepare_call(template: Template, rows: Any, schema: Any, options: dict[str, Any], params: dict[str, Any]) -> Call:
    """Everything ``map`` knows before it sends anything (and all a checkpoint needs)."""
    from ..api.stream import current_settings
    from ..request.params import build_params, without_sampling
    from ..request.thinking import without_default

    settings = current_settings()
    table = read_rows(rows)
    make = prompt_maker(template, table)
    # Rows keep the model's own thinking default (no text asked for on every row);
    # thinking asked for explicitly is sent as asked.
    request = without_default(build_params(settings, [], extra=params, **options))
    request, note = without_sampling(request)
    request.pop("messages", None)
    fields = None
    if schema is not None:
        from ..request.schema import is_schema, with_format

        if not is_schema(schema):
            raise ClaudeError("schema takes a pydantic model or a JSON-schema dict")
        request = with_format(request, schema)
        fields = schema_fields(schema)
    hashes = [digest(p) for p in prompts(make, table)]
    key = digest(json.dumps({"template": template_id(template), "request": request}, sort_keys=True, default=str))
    return Call(settings, table, make, request, note, fields, hashes, key)


def schema_fields(schema: Any) -> list[str]:
    """The columns a schema's answers fill: a model's fields or a dict's properties."""
    fields = getattr(schema, "model_fields", None)
    if isinstance(fields, Mapping):
        return list(fields)
    props = schema.get("properties") if isinstance(schema, Mapping) else None
    if not isinstance(props, Mapping) or not props:
        raise ClaudeError("schema needs properties (an object schema): they become the result's columns")
    return list(props)


def template_id(template: Template) -> str:
    if isinstance(template, str):
        return template
    return f"{getattr(template, '__module__', '')}.{getattr(template, '__qualname__', repr(template))}"
