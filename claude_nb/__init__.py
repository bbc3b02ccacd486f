"""claude_nb: stream Claude into live notebook widgets.

``%load_ext claude_nb`` registers ``%%claude`` and ``%claude``; ``StreamView``,
``stream`` and ``last_view`` are the programmatic API.
"""

from __future__ import annotations

from typing import Any

from ._api import last_view, stream
from ._config import Claude
from ._errors import ClaudeError, IncompleteStreamError
from ._view import StreamView

__all__ = ["Claude", "ClaudeError", "IncompleteStreamError", "StreamView", "last_view", "stream"]
__version__ = "0.1.0"


def load_ipython_extension(ipython: Any) -> None:
    from ._magic import ClaudeMagics

    settings = Claude(parent=ipython)
    ipython.configurables.append(settings)
    ipython.register_magics(ClaudeMagics(ipython, settings))


def unload_ipython_extension(ipython: Any) -> None:
    ipython.configurables[:] = [c for c in ipython.configurables if not isinstance(c, Claude)]
