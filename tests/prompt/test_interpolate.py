from __future__ import annotations

from typing import ClassVar

from claude_nb.prompt.interpolate import interpolate


class Obj:
    attr = "A"
    nested: ClassVar[dict[str, list[str]]] = {"k": ["x", "y"]}


NS = {"name": "Ada", "d": {"k": "v", "two words": 2}, "o": Obj(), "items": [10, 20]}


def test_names_attributes_and_keys() -> None:
    assert interpolate("hi {name}", NS) == "hi Ada"
    assert interpolate("{o.attr} {d[k]} {d['k']} {items[1]} {o.nested[k][0]}", NS) == "A v v 20 x"


def test_other_braces_pass_through() -> None:
    for text in (
        'json {"a": {"b": [1, 2]}}',
        "f'{value:>10}' {missing} {name.__class__} {1 + 2} { name }",
        "def f(): return {**kw}",
        "set {1, 2}",
        "{d[nope]} {o.nope}",
    ):
        assert interpolate(text, NS) == text


def test_double_braces_escape() -> None:
    assert interpolate("{{name}} and {name}", NS) == "{name} and Ada"
