"""to_ddl runs on real databases and round-trips; reflection reads back the same structure."""

import pytest

from workbench.errors import SchemaError
from workbench.schema import Schema

from ..conftest import run_script
from .test_parse import SHOP_PG

DIALECTS = ["postgres", "sqlite", "mysql"]


def shape(schema: Schema) -> dict:
    """What must survive a trip through any database: tables, columns, keys."""
    out = {}
    for t in schema.tables.values():
        if t.partition_of:
            continue
        out[t.name.lower()] = {
            "columns": [c.lower() for c in t.columns],
            "pk": tuple(c.lower() for c in t.primary_key),
            "fks": sorted((tuple(c.lower() for c in f.columns), f.ref_table.lower().rsplit(".", 1)[-1],
                           tuple(c.lower() for c in f.ref_columns)) for f in t.foreign_keys),
            "not_null": sorted(c.lower() for c, col in t.columns.items() if not col.nullable),
        }
    return out


@pytest.mark.parametrize("dialect", DIALECTS)
def test_round_trip_in_each_dialect(dialect):
    source = Schema.from_ddl(SHOP_PG, "postgres")
    ddl = source.to_ddl(dialect)
    again = Schema.from_ddl(ddl, dialect)
    assert Schema.from_ddl(again.to_ddl(dialect), dialect) == again
    assert shape(again) == shape(source)
    if dialect == "postgres":
        assert again == source  # same dialect: the whole model survives


def _url(request, dialect):
    return request.getfixturevalue({"postgres": "pg_url", "sqlite": "sqlite_url", "mysql": "mysql_url"}[dialect])


@pytest.mark.parametrize("dialect", DIALECTS)
def test_emitted_ddl_runs_and_reflects_back(request, dialect):
    url = _url(request, dialect)
    source = Schema.from_ddl(SHOP_PG, "postgres")
    run_script(url, source.to_ddl(dialect), dialect)
    live = Schema.from_url(url)
    assert live.dialect == dialect
    assert shape(live) == shape(source)
    if dialect == "postgres":
        assert set(live.views["big_orders"].columns) == {"id", "amount"}
    else:  # a view's query is dialect-specific: carried as commented source, not translated silently
        assert live.views == {}
        assert "-- view big_orders is written for postgres; translate it by hand" in source.to_ddl(dialect)
    orders = live.table("orders")
    assert any(i.where for i in orders.indexes) == (dialect != "mysql")  # MySQL has no partial indexes
    if dialect == "postgres":
        assert live.enums["order_status"].values == ("new", "paid", "shipped")
        assert live.table("customers").comment == "People who buy"
        assert live.table("customers").columns["id"].generated == "identity always"
        assert live.table("orders").columns["id"].generated == "serial"


def test_reflection_is_read_only(pg_url, sqlite_url):
    import sqlalchemy as sa

    from workbench.schema.reflect import read_only_engine

    run_script(pg_url, "CREATE TABLE t (id int PRIMARY KEY);", "postgres")
    run_script(sqlite_url, "CREATE TABLE t (id int PRIMARY KEY);", "sqlite")
    for url in (pg_url, sqlite_url):
        engine = read_only_engine(url)
        with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as info:
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        assert "read-only" in str(info.value).lower() or "readonly" in str(info.value).lower()
        engine.dispose()


def test_from_url_errors_are_clear(tmp_path):
    with pytest.raises(SchemaError, match="No SQLite file"):
        Schema.from_url(f"sqlite:///{tmp_path / 'missing.db'}")
    with pytest.raises(SchemaError, match="Cannot reflect postgresql://nobody:\\*\\*\\*@127.0.0.1:1/x"):
        Schema.from_url("postgresql://nobody:secret@127.0.0.1:1/x")


def test_metadata_in_and_out(pg_url):
    import sqlalchemy as sa
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class Author(Base):
        __tablename__ = "authors"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(sa.String(200), unique=True)

    class Book(Base):
        __tablename__ = "books"
        id: Mapped[int] = mapped_column(primary_key=True)
        author_id: Mapped[int] = mapped_column(sa.ForeignKey("authors.id", ondelete="CASCADE"), index=True)
        price: Mapped[float] = mapped_column(sa.Numeric(10, 2))
        __table_args__ = (sa.CheckConstraint("price >= 0", name="price_positive"),)

    s = Schema.from_metadata(Base.metadata, "postgres")
    assert list(s.tables) == ["authors", "books"]
    book = s.table("books")
    assert book.foreign_keys[0].ref_table == "authors" and book.foreign_keys[0].on_delete == "CASCADE"
    assert book.columns["price"].type == "DECIMAL(10, 2)" and book.columns["id"].generated == "serial"
    assert book.checks[0].name == "price_positive" and book.indexes[0].columns == ("author_id",)
    assert s.table("authors").uniques[0].columns == ("email",)
    # and out again: MetaData from the Schema creates the same structure on a real server
    engine = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    s.to_metadata().create_all(engine)
    engine.dispose()
    assert shape(Schema.from_url(pg_url)) == shape(s)
