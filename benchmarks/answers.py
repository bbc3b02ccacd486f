"""Deterministic answers of a given size that look like what Claude writes: headings,
prose with inline markup, lists, tables, fenced code, quotes."""

from __future__ import annotations

import random

WORDS = (
    "stream render block token widget kernel frontend message answer model latency buffer frame patch "
    "markdown table list code quote thinking tool result notebook cell output state reducer view "
    "incremental frozen live tail sanitize safe fast measure baseline ratio payload bytes second"
).split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
    i = rng.randrange(len(words))
    word = words[i]
    words[i] = rng.choice([f"**{word}**", f"*{word}*", f"`{word}()`", f"[{word}](https://example.com/{word})"])
    return " ".join(words).capitalize() + "."


def _block(rng: random.Random, n: int) -> str:
    kind = rng.choice(["para", "para", "para", "bullets", "ordered", "table", "code", "quote", "heading"])
    if kind == "heading":
        return f"{'#' * rng.randint(2, 3)} Section {n}: {rng.choice(WORDS)}"
    if kind == "bullets":
        return "\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(2, 5)))
    if kind == "ordered":
        return "\n".join(f"{i}. {_sentence(rng)}" for i in range(1, rng.randint(3, 6)))
    if kind == "table":
        rows = ["| name | value | note |", "|---|---:|---|"]
        for _ in range(5):
            name, value = rng.choice(WORDS), rng.randint(1, 9999)
            rows.append(f"| {name} | {value} | {rng.choice(WORDS)} {rng.choice(WORDS)} |")
        return "\n".join(rows)
    if kind == "code":
        lines = [f"def {rng.choice(WORDS)}_{n}(items: list[int]) -> int:", "    total = 0"]
        for _ in range(rng.randint(3, 10)):
            lines.append(f"    total += sum(x * {rng.randint(2, 9)} for x in items if x > {rng.randint(0, 50)})")
        lines.append("    return total")
        return "```python\n" + "\n".join(lines) + "\n```"
    if kind == "quote":
        return "> " + _sentence(rng)
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 6)))


def answer(size: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    blocks = ["# Benchmark answer"]
    total = len(blocks[0])
    n = 0
    while total < size:
        n += 1
        block = _block(rng, n)
        blocks.append(block)
        total += len(block) + 2
    return "\n\n".join(blocks) + "\n"
