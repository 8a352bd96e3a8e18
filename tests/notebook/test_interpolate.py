import pandas as pd
import pytest

from workbench.notebook.interpolate import describe, interpolate


class Box:
    size = 3
    _hidden = "no"


NS = {"name": "orders", "box": Box(), "In": ["", "x = 1", "SELECT * FROM t"], "n": 42}


@pytest.mark.parametrize("text, expected", [
    ("table {name}", "table orders"),
    ("size {box.size}", "size 3"),
    ("query: {In[2]}", "query: SELECT * FROM t"),
    ("last: {In[-1]}", "last: SELECT * FROM t"),
    ("{unknown} stays", "{unknown} stays"),
    ('json {"a": {"b": 1}} stays', 'json {"a": {"b": 1}} stays'),
    ("code: def f(): return {n: 1}", "code: def f(): return {n: 1}"),
    ("number {n}", "number 42"),
    ("set {1, 2}", "set {1, 2}"),
    ("escaped {{name}} stays literal", "escaped {name} stays literal"),
    ("private {box._hidden}", "private {box._hidden}"),
    ("missing attr {box.nope}", "missing attr {box.nope}"),
    ("out of range {In[9]}", "out of range {In[9]}"),
    ("f-string {name!r}", "f-string {name!r}"),
])
def test_only_existing_names_are_replaced(text, expected):
    assert interpolate(text, NS) == expected


def test_dataframes_interpolate_as_columns_and_first_rows():
    df = pd.DataFrame({"id": range(100), "email": [f"u{i}@x.io" for i in range(100)]})
    text = interpolate("rows: {df}", {"df": df})
    assert "DataFrame with 100 rows × 2 columns: id (int64), email" in text
    assert "0,u0@x.io" in text and "4,u4@x.io" in text and "5,u5@x.io" not in text


def test_long_values_are_cut():
    assert "[cut:" in describe("x" * 30_000)
