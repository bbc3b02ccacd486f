"""Rows in, answers out: what ``claude_nb.map`` takes (a pandas or polars DataFrame or
Series, or a list of dicts or strings), the prompt each row becomes, and the answers
put back in the input's shape (its index kept; polars in, polars out)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.errors import ClaudeError
from ..prompt.interpolate import compile_template, fill

Template = str | Callable[[Mapping[str, Any]], str]


class Records(Sequence[Mapping[str, Any]]):
    """Rows made on demand from columns (a DataFrame's) or from bare values (a Series',
    a list of strings'): 100,000 rows are not copied into 100,000 dicts up front."""

    def __init__(self, columns: dict[str, Sequence[Any]], length: int) -> None:
        self._columns, self._length = columns, length

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._length))]
        return {name: values[i] for name, values in self._columns.items()}


def _valued(values: Sequence[Any], name: str | None) -> Records:
    columns: dict[str, Sequence[Any]] = {"value": values}
    if name and name != "value":
        columns = {name: values, "value": values}
    return Records(columns, len(values))


@dataclass
class Rows:
    """The input as plain records, and what is needed to give the answers its shape."""

    records: Sequence[Mapping[str, Any]]
    kind: str
    """"pandas", "polars" or "list"."""
    index: Any = None
    """The pandas index (answers are aligned with it)."""

    def __len__(self) -> int:
        return len(self.records)


def _module(value: Any) -> str:
    return type(value).__module__.split(".", 1)[0]


def read_rows(rows: Any) -> Rows:
    """``rows`` as records: a DataFrame's rows (column → value), a Series' values
    (under its name and ``value``), a list of dicts, or a list of strings (``value``)."""
    origin = _module(rows)
    if origin == "pandas":
        import pandas as pd

        if isinstance(rows, pd.DataFrame):
            columns = {str(k): rows[k].tolist() for k in rows.columns}
            return Rows(Records(columns, len(rows)), "pandas", rows.index)
        if isinstance(rows, pd.Series):
            name = None if rows.name is None else str(rows.name)
            return Rows(_valued(rows.tolist(), name), "pandas", rows.index)
    if origin == "polars":
        import polars as pl

        if isinstance(rows, pl.DataFrame):
            return Rows(Records({str(k): rows[k].to_list() for k in rows.columns}, rows.height), "polars")
        if isinstance(rows, pl.Series):
            return Rows(_valued(rows.to_list(), rows.name or None), "polars")
    if isinstance(rows, (list, tuple)):
        if all(isinstance(row, str) for row in rows):
            return Rows(_valued(list(rows), None), "list")
        for i, row in enumerate(rows):
            if not isinstance(row, Mapping):
                kind = type(row).__name__
                raise ClaudeError(f"rows[{i}] is a {kind}: map takes dicts or strings in a list (not both)")
        return Rows([{str(k): v for k, v in row.items()} for row in rows], "list")
    raise ClaudeError(
        f"map takes a pandas or polars DataFrame or Series, or a list of dicts, not a {type(rows).__name__}"
    )


def prompt_maker(template: Template, rows: Rows) -> Callable[[Mapping[str, Any]], str]:
    """A function from a row to its prompt: the template's ``{column}`` references
    filled (compiled once), or the caller's own function."""
    if callable(template):
        return lambda row: str(template(row))
    if not isinstance(template, str) or not template.strip():
        raise ClaudeError("map needs a prompt template (a string with {column} references) or a function of a row")
    names: set[str] = set()
    for record in rows.records[:1]:
        names.update(record)
    compiled = compile_template(template, frozenset(names))
    if not any(isinstance(p, tuple) for p in compiled) and len(rows) > 1:
        columns = ", ".join(sorted(names)[:8]) or "none"
        raise ClaudeError(f"the template names no column, so every row would ask the same; columns: {columns}")
    return lambda row: fill(compiled, row)


def digest(text: str) -> str:
    """A short content hash: which row an answer belongs to, whatever its position."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()


def prompts(make: Callable[[Mapping[str, Any]], str], rows: Rows) -> Iterator[str]:
    for i in range(len(rows.records)):
        try:
            yield make(rows.records[i])
        except Exception as exc:
            raise ClaudeError(f"the template failed on row {i}: {type(exc).__name__}: {exc}") from None


def shaped(rows: Rows, values: list[Any], fields: list[str] | None, name: str = "answer") -> Any:
    """The answers in the input's shape: a Series (``fields`` None) or a DataFrame with
    one column per field; a row with no answer is missing (NA/None)."""
    if rows.kind == "polars":
        import polars as pl

        if fields is None:
            return pl.Series(name, values, dtype=pl.Utf8)
        return pl.DataFrame([_fields(v, fields) for v in values], schema=fields, orient="row")
    try:
        import pandas as pd
    except ImportError:
        if fields is None:
            return values
        return [_fields(v, fields) for v in values]
    index = rows.index if rows.index is not None else None
    if fields is None:
        return pd.Series([pd.NA if v is None else v for v in values], index=index, name=name, dtype="object")
    table = pd.DataFrame([_fields(v, fields) for v in values], index=index, columns=fields)
    return table.astype("object").where(table.notna(), pd.NA)


def _fields(value: Any, fields: list[str]) -> list[Any]:
    if not isinstance(value, Mapping):
        return [None] * len(fields)
    return [value.get(f) for f in fields]
