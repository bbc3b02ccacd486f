"""claude_nb: stream Claude into live notebook widgets.

``%load_ext claude_nb`` registers ``%%claude`` and ``%claude``; ``StreamView``,
``stream`` and ``last_view`` are the programmatic API, and ``map`` asks one question
of every row of a table (live or as a Message Batch).

Loading is instant: the SDK (seconds to import) and the widget stack are imported
when first used, and the SDK is warmed in a background thread at ``%load_ext`` so
the first ``%%claude`` cell does not wait for it either.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .agent.session import Agent, last_agent
    from .api.stream import astream, client, last_view, resumable, stream
    from .core.config import Claude
    from .core.errors import ClaudeError, IncompleteStreamError, MissingKeyError
    from .rows.map import last_map, map  # noqa: A004 - claude_nb.map, as the builtin maps
    from .view.stream_view import StreamView

__all__ = [
    "Agent",
    "Claude",
    "ClaudeError",
    "IncompleteStreamError",
    "MissingKeyError",
    "StreamView",
    "astream",
    "client",
    "last_agent",
    "last_map",
    "last_view",
    "map",
    "resumable",
    "stream",
]
__version__ = "0.1.0"

_LAZY = {
    "Agent": ".agent.session",
    "last_agent": ".agent.session",
    "Claude": ".core.config",
    "ClaudeError": ".core.errors",
    "IncompleteStreamError": ".core.errors",
    "MissingKeyError": ".core.errors",
    "StreamView": ".view.stream_view",
    "astream": ".api.stream",
    "client": ".api.stream",
    "last_map": ".rows.map",
    "last_view": ".api.stream",
    "map": ".rows.map",
    "resumable": ".api.stream",
    "stream": ".api.stream",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'claude_nb' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


def _warm() -> None:
    try:
        import anthropic  # noqa: F401  (the import is the point: it takes seconds)
    except Exception:  # an import error shows, with its cause, when the SDK is first used
        pass


def load_ipython_extension(ipython: Any) -> None:
    from .core.config import Claude
    from .notebook.magic import ClaudeMagics

    settings = Claude(parent=ipython)
    ipython.configurables.append(settings)
    ipython.register_magics(ClaudeMagics(ipython, settings))
    threading.Thread(target=_warm, name="claude-nb-warm-sdk", daemon=True).start()


def unload_ipython_extension(ipython: Any) -> None:
    from .core.config import Claude

    ipython.configurables[:] = [c for c in ipython.configurables if not isinstance(c, Claude)]
