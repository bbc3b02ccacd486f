"""The package's shape: stages as folders that import only earlier stages, no import
circle (deferred imports counted), the streaming path free of the loopback server,
and modules of a readable size."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "claude_nb"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def imports() -> dict[str, set[str]]:
    """Every module of the package and the package modules it imports anywhere in its
    body (at load time, inside functions, under ``TYPE_CHECKING`` excepted)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        typing_only = {
            id(node)
            for guard in ast.walk(tree)
            if isinstance(guard, ast.If) and "TYPE_CHECKING" in ast.unparse(guard.test)
            for stmt in guard.body
            for node in ast.walk(stmt)
        }
        found: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, path.name == "__init__.py", node.level, node.module)
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                if target in modules and target != name:
                    found.add(target)
        graph[name] = found
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    # Package __init__ modules are left out: importing a submodule runs them, but they
    # only name what they import lazily.
    nodes = {n for n in graph if not PACKAGE.name == n and not n.endswith("__init__")}
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in nodes:
                continue
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(nodes):
        if node not in state:
            visit(node)
    return found


def test_no_import_circle_even_through_deferred_imports() -> None:
    graph = imports()
    assert graph["claude_nb.core.errors"] and graph["claude_nb.view.stream_view"], (
        "the scan found the package's imports"
    )
    assert _cycles(graph) == []


def test_the_circle_check_sees_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_only_demo_and_replay_modules_import_the_loopback_server() -> None:
    allowed = {
        "claude_nb.offline.demo",
        "claude_nb.offline.demo_short",
        "claude_nb.offline.endpoint",
        "claude_nb.offline.playback",
    }
    users = {
        name
        for name, targets in imports().items()
        if not name.startswith("claude_nb.replay") and any(t.startswith("claude_nb.replay") for t in targets)
    }
    assert users <= allowed, users - allowed


STAGES = (
    "core",
    "request",
    "wire",
    "reduce",
    "render",
    "view",
    "prompt",
    "tools",
    "agent",
    "replay",
    "offline",
    "api",
    "rows",
    "notebook",
)
"""The stages in the order they may import each other: each imports only those before
it (and itself), never one after it; the package's ``__init__`` re-exports."""


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def backward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports from an earlier stage into a later one, deferred imports included."""
    found = []
    for module, targets in graph.items():
        here = stage_of(module)
        if here is None:
            continue
        for target in targets:
            there = stage_of(target)
            if there is not None and STAGES.index(there) > STAGES.index(here):
                found.append((module, target))
    return sorted(found)


def test_every_module_lives_in_a_stage_and_stages_import_only_earlier_ones() -> None:
    graph = imports()
    loose = [m for m in graph if m != "claude_nb" and stage_of(m) not in STAGES]
    assert loose == [], "a module outside the stages"
    assert backward_imports(graph) == []


def test_the_direction_check_sees_a_backward_import() -> None:
    graph = {"claude_nb.reduce.state": {"claude_nb.view.snapshot"}, "claude_nb.view.snapshot": set()}
    assert backward_imports(graph) == [("claude_nb.reduce.state", "claude_nb.view.snapshot")]


def test_each_stage_says_what_it_does_and_may_import() -> None:
    for stage in STAGES:
        init = PACKAGE / stage / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and "import" in doc, f"{stage}/__init__.py has no docstring naming what it may import"


def test_the_public_surface_is_the_flat_one() -> None:
    import claude_nb

    for name in claude_nb.__all__:
        assert getattr(claude_nb, name) is not None


def test_modules_stay_readable() -> None:
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    assert max(sizes.values()) < 400, {k: v for k, v in sizes.items() if v >= 400}


def test_the_renderer_is_one_pass() -> None:
    """The incremental renderer owns the parse state; healing, lists and the last line
    are pure transformations that never call the renderer back."""
    graph = imports()
    helpers = ("claude_nb.render.heal", "claude_nb.render.lists", "claude_nb.render.tail")
    for helper in helpers:
        assert "claude_nb.render.markdown" not in graph[helper], helper
        assert "claude_nb.render.incremental" not in graph[helper], helper
    assert set(helpers) <= graph["claude_nb.render.incremental"]
