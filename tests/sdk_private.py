"""Hide the SDK's private parts the way a renamed SDK would: its stream module without
``accumulate_event`` (the SDK's own code keeps the function it was built with), and
the retry methods gone from the client classes. Used in-process and in kernels."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager

import anthropic

_MODULES = ("anthropic.lib.streaming._messages", "anthropic.lib.streaming._beta_messages")
_RETRY_METHODS = ("_should_retry", "_calculate_retry_timeout")

HIDE_IN_KERNEL = f"""
import sys, types, anthropic, anthropic.lib.streaming
for _name in {_MODULES!r}:
    _real = sys.modules[_name]
    _stub = types.ModuleType(_real.__name__)
    _stub.__dict__.update({{k: v for k, v in vars(_real).items() if k != "accumulate_event"}})
    sys.modules[_name] = _stub
for _cls in {{*anthropic.Anthropic.__mro__, *anthropic.AsyncAnthropic.__mro__}}:
    for _name in {_RETRY_METHODS!r}:
        if _name in vars(_cls):
            delattr(_cls, _name)
"""


@contextmanager
def hidden() -> Iterator[None]:
    real = {name: sys.modules[name] for name in _MODULES}
    removed: list[tuple[type, str, object]] = []
    for name, module in real.items():
        stub = types.ModuleType(module.__name__)
        stub.__dict__.update({k: v for k, v in vars(module).items() if k != "accumulate_event"})
        sys.modules[name] = stub
    try:
        for cls in {*anthropic.Anthropic.__mro__, *anthropic.AsyncAnthropic.__mro__}:
            for name in _RETRY_METHODS:
                if name in vars(cls):
                    removed.append((cls, name, vars(cls)[name]))
                    delattr(cls, name)
        yield
    finally:
        sys.modules.update(real)
        for cls, name, value in removed:
            setattr(cls, name, value)
