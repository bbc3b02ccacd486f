"""DataFrames and Series as a short description the model can read.

``str()`` of a frame is pandas' console repr: no dtypes, no ranges, columns elided
when wide — or, with display options raised, megabytes. The model needs what an
analyst looks at first: the shape, each column's name and type, the numeric ranges,
the missing values, and a few real rows from the head and the tail, marked as a
sample. It never gets the whole frame, and the description fits ``limit`` characters.

pandas and polars are recognised by their module, so neither is imported here unless
the value already comes from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_SHOWN_COLUMNS = 20
_LISTED_COLUMNS = 60
_CELL_CHARS = 40
_SAMPLES = ((5, 5), (3, 2), (1, 1), (0, 0))


@dataclass(frozen=True)
class Description:
    text: str
    placeholder: str


def _library(value: Any) -> str | None:
    module = type(value).__module__.split(".")[0]
    name = type(value).__name__
    if module in ("pandas", "polars") and name in ("DataFrame", "Series"):
        return module
    return None


def is_frame(value: Any) -> bool:
    return _library(value) is not None


class _Table:
    """The few things a description reads, the same for pandas and polars."""

    def __init__(self, value: Any) -> None:
        self.library = _library(value)
        self.kind = type(value).__name__
        self.series_name = getattr(value, "name", None) if self.kind == "Series" else None
        if self.kind == "Series":
            value = value.to_frame()
        self.frame = value
        if self.library == "pandas":
            self.rows = len(value)
            self.columns = [str(c) for c in value.columns]
            self.dtypes = [str(t) for t in value.dtypes]
        else:
            self.rows = int(value.height)
            self.columns = [str(c) for c in value.columns]
            self.dtypes = [str(t) for t in value.dtypes]

    def typed(self) -> list[tuple[str, str]]:
        return list(zip(self.columns, self.dtypes, strict=True))

    def sample(self, head: int, tail: int, columns: int) -> list[list[Any]]:
        """Rows (their label first) of the head and the tail, ``None`` between them."""
        frame = self.frame
        if self.library == "pandas":
            part = frame.iloc[:, :columns]
            top = [
                [label, *row]
                for label, row in zip(part.index[:head], part.iloc[:head].itertuples(index=False), strict=False)
            ]
            if tail and self.rows > head:
                start = max(head, self.rows - tail)
                rows = part.iloc[start:].itertuples(index=False)
                bottom = [[label, *row] for label, row in zip(part.index[start:], rows, strict=True)]
            else:
                bottom = []
        else:
            part = frame.select(frame.columns[:columns])
            top = [[i, *row] for i, row in enumerate(part.head(head).rows())]
            start = max(head, self.rows - tail)
            bottom = [[start + i, *row] for i, row in enumerate(part.slice(start).rows())] if tail else []
        if bottom and len(top) + len(bottom) < self.rows:
            return [*top, [None], *bottom]
        return [*top, *bottom]

    def ranges(self) -> list[str]:
        out = []
        for name, dtype in self.typed()[:_LISTED_COLUMNS]:
            if not _numeric(dtype):
                continue
            column = self._column(name)
            if getattr(column, "ndim", 1) != 1:  # a name two columns share
                continue
            try:
                low, high, mean = column.min(), column.max(), column.mean()
            except Exception:  # an object column that only looks numeric
                continue
            if low is None or _isnan(low):
                continue
            out.append(f"{name} {_value(low)} to {_value(high)} (mean {_value(mean)})")
        return out

    def missing(self) -> list[str]:
        if self.library == "pandas":
            counts = [int(n) for n in self.frame.isna().sum()]
        else:
            counts = [int(n) for n in self.frame.null_count().row(0)]
        return [f"{name} {n:,}" for name, n in zip(self.columns, counts, strict=True) if n]

    def _column(self, name: str) -> Any:
        if self.library == "pandas":
            return self.frame[self.frame.columns[self.columns.index(name)]]
        return self.frame[name]


def _numeric(dtype: str) -> bool:
    return dtype.lower().startswith(("int", "uint", "float", "decimal"))


def _isnan(value: Any) -> bool:
    try:
        return bool(value != value)
    except Exception:
        return False


def _value(value: Any) -> str:
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        return f"{float(value):.6g}"
    return str(value)


def _cell(value: Any) -> str:
    """A value as the frame holds it (full precision: these are real rows), on one line."""
    text = str(value).replace("\n", " ").replace("|", "\\|")
    return text if len(text) <= _CELL_CHARS else text[: _CELL_CHARS - 1] + "…"


def _markdown(table: _Table, head: int, tail: int) -> str:
    shown = min(len(table.columns), _SHOWN_COLUMNS)
    names = [*table.columns[:shown], *(["…"] if shown < len(table.columns) else [])]
    lines = ["| | " + " | ".join(_cell(n) for n in names) + " |", "|---" * (len(names) + 1) + "|"]
    for row in table.sample(head, tail, shown):
        if row == [None]:
            lines.append("| … " * (len(names) + 1) + "|")
            continue
        cells = [_cell(v) for v in row] + (["…"] if shown < len(table.columns) else [])
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _header(name: str, table: _Table, head: int, tail: int) -> str:
    if table.kind == "Series":
        size = f"{table.rows:,} values, dtype {table.dtypes[0]}"
        label = f"Series `{name}`" + (f" (named {table.series_name!r})" if table.series_name is not None else "")
    else:
        size = f"{_count(table.rows, 'row')} × {_count(len(table.columns), 'column')}"
        label = f"DataFrame `{name}` (shape {(table.rows, len(table.columns))})"
    shown = head + tail
    if table.rows == 0:
        sample = "empty"
    elif shown == 0:
        sample = "no rows shown"
    elif shown >= table.rows:
        sample = "all rows shown"
    elif tail:
        sample = f"a sample: first {head} and last {tail} rows shown"
    else:
        sample = f"a sample: first {head} rows shown"
    return f"{label}: {size} ({sample})."


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _columns_line(table: _Table) -> str:
    listed = [f"{n} ({t})" for n, t in table.typed()[:_LISTED_COLUMNS]]
    more = len(table.columns) - len(listed)
    return "Columns: " + ", ".join(listed) + (f", … and {more:,} more" if more > 0 else "")


def describe(name: str, value: Any, limit: int) -> Description:
    """The description of a pandas or polars frame or series, in at most ``limit`` characters."""
    table = _Table(value)
    facts = [] if table.kind == "Series" else [_columns_line(table)]
    ranges, missing = table.ranges(), table.missing()
    if ranges:
        facts.append("Numeric ranges: " + "; ".join(ranges))
    if missing:
        facts.append("Missing values: " + ", ".join(missing))
    text = ""
    for head, tail in _SAMPLES:
        if head + tail >= table.rows:
            head, tail = table.rows, 0
        parts = [_header(name, table, head, tail), *facts]
        if head + tail:
            parts.append(_markdown(table, head, tail))
        text = "\n".join(parts)
        if len(text) <= limit:
            break
    if len(text) > limit:
        text = text[: max(0, limit - 30)].rstrip() + f"\n… (cut at {limit:,} characters)"
    if table.kind == "Series":
        placeholder = f"[Series {name}: {table.rows:,} values]"
    else:
        placeholder = f"[{table.kind} {name}: {table.rows:,} × {len(table.columns):,}]"
    return Description(text, placeholder)
