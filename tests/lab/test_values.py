import numpy as np
import pytest

from workbench.lab.values import check_constraints, generate
from workbench.schema import types as T


@pytest.mark.parametrize("expression, column, expected, understood", [
    ("status IN ('new', 'paid')", "status", {"choices": ["new", "paid"]}, True),
    ("qty > 0 AND qty <= 100", "qty", {"minimum": 0.0, "exclusive_min": True, "maximum": 100.0}, True),
    ("0 < price", "price", {"minimum": 0.0, "exclusive_min": True}, True),
    ("rating BETWEEN 1 AND 5", "rating", {"minimum": 1.0, "maximum": 5.0}, True),
    ("Lock = 'X'", "Lock", {"choices": ["X"]}, True),
    ("length(name) > 0", "name", {"min_length": 1}, True),
    ("price >= cost", None, {}, False),
    ("(a IS NULL) <> (b IS NULL)", None, {}, False),
])
def test_check_constraints(expression, column, expected, understood):
    found, ok = check_constraints(expression, "postgres")
    assert ok is understood
    if column:
        for key, value in expected.items():
            assert getattr(found[column], key) == value


def info(text, dialect="postgres"):
    return T.info(T.canonical(text, dialect), dialect)


def run(name, text, n=2000, **kw):
    rng = np.random.default_rng(7)
    return generate(name, info(text), n, rng, index=np.arange(n), **kw)


def test_values_follow_names_types_and_constraints():
    emails = run("email", "varchar(120)", unique=True)
    assert len(set(emails)) == 2000 and all("@" in e and len(e) <= 120 for e in emails)
    price = run("unit_price", "numeric(8,2)")
    assert price.dtype.kind == "f" and np.all(np.round(price, 2) == price) and price.max() < 1e6
    qty = run("quantity", "int", constraint=check_constraints("quantity > 0 AND quantity <= 5", "postgres")[0]["quantity"])
    assert qty.min() >= 1 and qty.max() <= 5
    status = run("status", "text", constraint=check_constraints("status IN ('a','b','c')", "postgres")[0]["status"])
    assert set(status) == {"a", "b", "c"}
    codes = run("country_code", "char(2)")
    assert all(len(c) == 2 for c in codes)
    short = run("currency", "char(3)", unique=True)
    assert len(set(short)) == 2000 and all(len(s) == 3 for s in short)
    stamps = run("created_at", "timestamptz")
    assert stamps.dtype.kind == "M" and stamps.max() <= np.datetime64("2026-11-01")
    updated = run("updated_at", "timestamptz", created=stamps)
    assert np.all(updated >= stamps)
    assert run("is_active", "boolean").mean() > 0.8
    assert len(set(run("name", "varchar(10)"))) > 50 and all(len(v) <= 10 for v in run("name", "varchar(10)"))


def test_generation_is_seeded():
    a = run("email", "text", unique=True)
    b = run("email", "text", unique=True)
    assert list(a) == list(b)
