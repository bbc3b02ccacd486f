"""DataFrames and Series become a short, faithful description, never the whole frame."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import polars as pl
import pytest

from claude_nb.prompt.dataframes import describe, is_frame


def big_frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame({"temperature": rng.normal(15, 5, 10_000).round(2), "city": ["Oslo", "Lima"] * 5_000})


def test_a_big_frame_is_shape_columns_ranges_and_real_rows_within_the_cap() -> None:
    df = big_frame()
    df.loc[17, "temperature"] = np.nan
    d = describe("df", df, 4000)
    assert len(d.text) <= 4000
    assert "(shape (10000, 2)): 10,000 rows × 2 columns" in d.text and "first 5 and last 5 rows shown" in d.text
    assert "temperature (float64)" in d.text and "city (" in d.text
    low, high = df["temperature"].min(), df["temperature"].max()
    assert f"temperature {low:.6g} to {high:.6g}" in d.text
    assert "Missing values: temperature 1" in d.text
    for row in (0, 4, 9_995, 9_999):
        assert f"| {row} | {df['temperature'][row]} | {df['city'][row]} |" in d.text  # as the frame holds it
    assert "| 5 |" not in d.text and "| 9994 |" not in d.text  # a sample, not the frame
    assert d.placeholder == "[DataFrame df: 10,000 × 2]"


def test_the_cap_holds_for_any_frame_and_shrinks_the_sample_first() -> None:
    wide = pd.DataFrame(np.arange(30 * 300).reshape(30, 300), columns=[f"column_{i}" for i in range(300)])
    for limit in (300, 1000, 4000):
        d = describe("wide", wide, limit)
        assert len(d.text) <= limit
        assert d.text.startswith("DataFrame `wide` (shape (30, 300)): 30 rows × 300 columns")
    roomy = describe("wide", wide, 12_000).text
    assert "… and 240 more" in roomy  # columns listed up to a point, then counted
    assert "| 0 | 0 | 1 |" in roomy and "… |" in roomy  # shown columns cut, and said so
    small = describe("df", big_frame(), 450).text
    assert len(small) <= 450
    assert "first 1 and last 1 rows shown" in small or "first 3 and last 2 rows shown" in small


def test_small_and_empty_frames_show_everything_they_have() -> None:
    d = describe("t", pd.DataFrame({"a": [1, 2], "b": ["x|y", "z\nw"]}), 4000)
    assert "2 rows × 2 columns (all rows shown)" in d.text
    assert "| 0 | 1 | x\\|y |" in d.text and "| 1 | 2 | z w |" in d.text  # a cell cannot break the table
    assert "(empty)" in describe("e", pd.DataFrame({"a": []}), 4000).text
    assert "1 row × 1 column" in describe("one", pd.DataFrame({"a": [1]}), 4000).text


def test_a_series_and_polars_frames_are_described_alike() -> None:
    s = describe("t", big_frame()["temperature"], 4000)
    assert s.text.startswith("Series `t` (named 'temperature'): 10,000 values, dtype float64")
    assert s.placeholder == "[Series t: 10,000 values]"
    p = pl.DataFrame({"x": list(range(10_000)), "y": ["a", "b"] * 5_000})
    d = describe("p", p, 4000)
    assert "10,000 rows × 2 columns" in d.text and "x (Int64)" in d.text and "x 0 to 9999" in d.text
    assert "| 9999 | 9999 | b |" in d.text and d.placeholder == "[DataFrame p: 10,000 × 2]"
    assert describe("ps", p["x"], 4000).text.startswith("Series `ps` (named 'x'): 10,000 values")


@pytest.mark.parametrize("value", [[1, 2], {"a": 1}, "DataFrame", np.arange(3)])
def test_other_values_are_not_frames(value: object) -> None:
    assert not is_frame(value)


def test_describing_a_pandas_frame_does_not_import_polars() -> None:
    code = (
        "import sys, pandas as pd\nfrom claude_nb.prompt.context import build\n"
        "build('{df}', {'df': pd.DataFrame({'a': [1]})})\nprint('polars' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
