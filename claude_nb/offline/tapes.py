"""Where a ``%%claude`` cell's cassette is recorded to or replayed from.

``--record PATH`` / ``--replay PATH`` name one file; ``%claude record DIR`` /
``%claude replay DIR`` give every following cell its own file in DIR, named by the
cell's id when the frontend sends one (JupyterLab, Notebook 7) and by its order among
the ``%%claude`` cells run since otherwise (nbclient, the terminal), so a notebook
recorded top to bottom replays top to bottom.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from ..core.errors import ClaudeError
from .cassette import Cassette, CassetteError, Recorder, summarize

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


class Tapes:
    def __init__(self) -> None:
        self.dirs: dict[str, Path | None] = {"record": None, "replay": None}
        self._count = 0

    def folder(self, command: str, value: str) -> str:
        """``%claude record DIR|off`` and ``%claude replay DIR|off``; returns what to print."""
        if value.lower() in ("", "off"):
            if not value and self.dirs[command] is not None:
                return f"{command}ing every %%claude cell to {self.dirs[command]}"
            self.dirs[command] = None
            return f"{command.capitalize()} off."
        other = "replay" if command == "record" else "record"
        self.dirs[command], self.dirs[other] = Path(value).expanduser(), None
        self._count = 0
        if command == "replay" and not self.dirs[command].is_dir():  # type: ignore[union-attr]
            raise ClaudeError(f"no folder {value!r} to replay from")
        where = "saved to" if command == "record" else "played from"
        return f"Every %%claude cell from here is {where} {self.dirs[command]}, one cassette per cell."

    def paths(self, record: str | None, replay: str | None, cell_id: str | None) -> tuple[Path | None, Path | None]:
        if record and replay:
            raise ClaudeError("--record and --replay exclude each other")
        if record or replay:
            return (Path(record).expanduser() if record else None), (Path(replay).expanduser() if replay else None)
        folder = self.dirs["record"] or self.dirs["replay"]
        if folder is None:
            return None, None
        self._count += 1
        name = _SAFE_NAME.sub("_", cell_id) if cell_id else f"cell-{self._count:03d}"
        path = folder / f"{name}.jsonl"
        return (path, None) if self.dirs["record"] is not None else (None, path)

    def load(self, path: Path, request: dict[str, Any]) -> str:
        """Queue the cassette on the offline endpoint; the footer's note (and a warning
        when the cell asks something else than what was recorded)."""
        from . import endpoint as _offline

        try:
            cassette = Cassette.read(path)
        except CassetteError as exc:
            raise ClaudeError(str(exc)) from None
        if not cassette.turns:
            raise ClaudeError(f"the cassette {str(path)!r} holds no answer")
        differs = cassette.differences(summarize(request))
        _offline.queue_replay(cassette)
        note = f"replayed from {path.name}, recorded {cassette.recorded_at or 'earlier'}"
        if differs:
            warning = f"the cassette was recorded for another {', '.join(differs)}; replaying it anyway"
            print(f"claude_nb: {warning} ({path})", file=sys.stderr)
            note += f" — {warning}"
        return note

    def save(self, recorder: Recorder, path: Path) -> None:
        turns = len(recorder.cassette.turns)
        if not turns:
            return  # nothing was streamed (the request failed before it started)
        try:
            recorder.cassette.write(path)
        except (CassetteError, OSError) as exc:
            print(f"claude_nb: the cassette was not saved: {exc}", file=sys.stderr)
            return
        print(f"Recorded {turns} turn{'s' if turns > 1 else ''} to {path}")
