"""Where there is no widget frontend (a script, terminal IPython) a view writes the
answer to stdout as it arrives, with notices and tool calls in brackets and the
footer at the end."""

from __future__ import annotations

import sys
from typing import Any

from ..reduce.reducer import NOTICE, TOOL, StreamState, field_of
from ..render import pieces as _pieces


class TerminalEcho:
    def __init__(self) -> None:
        self._thinking_said = False

    def event(self, kind: Any, event: Any, state: StreamState) -> None:
        out = sys.stdout
        if kind == NOTICE and field_of(event, "text"):
            out.write(f"\n[{field_of(event, 'text')}]\n")
            out.flush()
        elif kind == "content_block_delta":
            delta = field_of(event, "delta")
            if field_of(delta, "type") == "text_delta":
                out.write(field_of(delta, "text", ""))
                out.flush()
            elif field_of(delta, "type") == "thinking_delta" and not self._thinking_said:
                self._thinking_said = True
                out.write("[thinking…]\n")
        elif kind == "content_block_stop":
            block = state.blocks[-1] if state.blocks else None
            if block is not None and block.type in ("tool_use", "server_tool_use"):
                out.write(f"\n[tool call {block.data.get('name')} {block.input}]\n")
        elif kind == TOOL and field_of(event, "content") is not None:
            content = str(field_of(event, "content"))
            preview = content if len(content) <= 200 else content[:199] + "…"
            out.write(f"[{field_of(event, 'status')}: {preview}]\n")
            out.flush()

    def end(self, state: StreamState, now: float) -> None:
        sys.stdout.write("\n" + _pieces.footer_text(state, now) + "\n")
        sys.stdout.flush()
