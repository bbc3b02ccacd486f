"""The key ``%claude login`` keeps in kernel memory, in a module of its own.

Both the client (which sends it) and the error messages (which must never show it)
need it; here neither has to import the other.
"""

from __future__ import annotations

_memory_key: str | None = None


def memory_key() -> str | None:
    return _memory_key


def set_memory_key(key: str | None) -> None:
    global _memory_key
    _memory_key = key or None
