"""``{name}`` builds the user turn: text and blocks in the order written, placeholders
for people, the interpolation rules unchanged."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from PIL import Image

from claude_nb.prompt.context import build


def test_plain_values_keep_the_prompt_a_string() -> None:
    prompt = build("Hi {name}, {n} items; {missing} and {{name}}", {"name": "Ada", "n": 3})
    assert prompt.content == "Hi Ada, 3 items; {missing} and {name}"
    assert prompt.echo == prompt.content


def test_a_figure_goes_where_it_is_written_between_text_blocks() -> None:
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.bar([1, 2], [3, 4])
    prompt = build("Before the plot {fig} and after it.", {"fig": fig})
    plt.close(fig)
    assert isinstance(prompt.content, list)
    kinds = [b["type"] for b in prompt.content]
    assert kinds == ["text", "image", "text"]
    assert prompt.content[0]["text"] == "Before the plot " and prompt.content[2]["text"] == " and after it."
    assert prompt.echo.startswith("Before the plot [image: fig, ") and "base64" not in prompt.echo


def test_blocks_alone_and_whitespace_between_them() -> None:
    image = Image.new("RGB", (10, 10))
    prompt = build("{a}\n{b}", {"a": image, "b": image})
    assert isinstance(prompt.content, list) and [b["type"] for b in prompt.content] == ["image", "image"]


def test_a_frame_is_set_off_on_its_own_lines_and_echoed_short() -> None:
    df = pd.DataFrame({"x": range(100)})
    prompt = build("Look at {df} closely", {"df": df})
    assert isinstance(prompt.content, str)
    assert prompt.content.startswith("Look at \nDataFrame `df` (shape (100, 1)): 100 rows × 1 column")
    assert prompt.content.endswith("|\n closely")
    assert prompt.echo == "Look at [DataFrame df: 100 × 1] closely"


def test_references_in_code_are_left_alone_and_dunders_never_followed() -> None:
    image = Image.new("RGB", (10, 10))
    prompt = build("`{img}` and {img.__class__} and {img.size}", {"img": image})
    assert prompt.content == "`{img}` and {img.__class__} and (10, 10)"


def test_attribute_and_item_chains_reach_objects_too() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG")
    prompt = build("{data['png']}", {"data": {"png": buffer.getvalue()}})
    assert isinstance(prompt.content, list) and prompt.content[0]["type"] == "image"
    assert prompt.echo == "[image: data['png'], 8×8 PNG]"
