"""The README and the docs site: a front door of readable length with its picture,
every Python example valid, and the examples marked ``<!-- checked: NAME -->`` run,
in order, in a real kernel against the loopback API (one kernel per NAME)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from claude_nb.replay import ReplayServer

from .conftest import kernel_env
from .kernel import Kernel

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_FENCE = re.compile(r"(?:<!-- checked: (?P<name>[\w-]+) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)\n```", re.S)


def blocks(page: Path) -> list[tuple[str | None, str, str]]:
    """(checked-group name or None, language, code) of every fenced block."""
    return [(m["name"], m["lang"], m["body"]) for m in _FENCE.finditer(page.read_text())]


def checked() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for page in PAGES:
        for name, _lang, body in blocks(page):
            if name:
                groups[name].append(body)
    return dict(groups)


def test_the_readme_is_a_front_door_with_its_picture() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    pictures = re.findall(r"!\[[^\]]*\]\((docs/screenshots/[^)]+)\)", readme)
    assert pictures and all((ROOT / p).is_file() for p in pictures)
    assert "make demo" in readme and "make test" in readme


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_python_example_is_valid(page: Path) -> None:
    transform = TransformerManager().transform_cell
    for _name, lang, body in blocks(page):
        if lang == "python" or (not lang and body.lstrip().startswith("%")):
            compile(transform(body), f"{page.name} example", "exec")


def test_some_examples_are_checked_by_running_them() -> None:
    assert {"quickstart", "widget-api", "widget"} <= set(checked())


@pytest.mark.parametrize("name", sorted(checked()))
def test_the_checked_examples_run(name: str, replay: ReplayServer) -> None:
    kernel = Kernel(kernel_env(replay))
    try:
        for code in checked()[name]:
            run = kernel.run(code, timeout=60)
            assert run.ok, (code, run.error_lines)
    finally:
        kernel.stop()
