"""Synthetic data on real databases: references hold (the database's own check), keys stay unique,
cycles are broken, the data is reproducible, and a failed seed leaves nothing behind."""

import re

import numpy as np
import pytest

from workbench.errors import SeedError
from workbench.lab.lab import Lab
from workbench.schema import Schema

from ..conftest import corpus_file

SHOP = """
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, country char(2) NOT NULL,
  created_at timestamptz NOT NULL, manager_id bigint REFERENCES customers(id));
CREATE TABLE profiles (customer_id bigint PRIMARY KEY REFERENCES customers(id), bio text);
CREATE TABLE products (id bigint PRIMARY KEY, sku varchar(20) NOT NULL UNIQUE,
  price numeric(10,2) NOT NULL CHECK (price > 0 AND price < 1000));
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
  status text NOT NULL CHECK (status IN ('new','paid','shipped')), created_at timestamptz NOT NULL,
  updated_at timestamptz);
CREATE TABLE order_lines (order_id bigint NOT NULL REFERENCES orders(id), line_no int NOT NULL,
  product_id bigint NOT NULL REFERENCES products(id), qty int NOT NULL CHECK (qty BETWEEN 1 AND 9),
  PRIMARY KEY (order_id, line_no));
CREATE TABLE favourites (customer_id bigint NOT NULL REFERENCES customers(id),
  product_id bigint NOT NULL REFERENCES products(id), PRIMARY KEY (customer_id, product_id));
CREATE TABLE teams (id bigint PRIMARY KEY, name text NOT NULL, lead_id bigint);
CREATE TABLE members (id bigint PRIMARY KEY, team_id bigint NOT NULL REFERENCES teams(id), name text NOT NULL);
ALTER TABLE teams ADD FOREIGN KEY (lead_id) REFERENCES members(id);
"""
ROWS = {"customers": 300, "profiles": 500, "products": 40, "orders": 1500, "order_lines": 3000, "favourites": 2000,
        "teams": 30, "members": 200}

LABS = ["sandbox", "postgres", "mysql"]


@pytest.fixture(params=LABS)
def lab(request):
    from ..conftest import _server_up, need

    if request.param != "sandbox":
        need(_server_up(request.param), f"{request.param} server not reachable")
    with Lab(None if request.param == "sandbox" else request.param, name="test") as lab:
        yield lab


def query(lab, sql):
    return lab.run(sql).rows


def test_seed_keeps_every_constraint(lab):
    lab.load(Schema.from_ddl(SHOP, "postgres"))
    report = lab.seed(ROWS)
    assert lab.fk_check() == []
    if lab.dialect == "sqlite":
        assert lab.connection().execute("PRAGMA foreign_key_check").fetchall() == []
    counts = lab.counts()
    assert counts["profiles"] == 300  # one-to-one: at most one profile per customer
    assert counts["favourites"] == 2000 and counts["order_lines"] == 3000
    assert report.total_rows == sum(counts.values())
    assert query(lab, "SELECT count(*) FROM order_lines GROUP BY order_id, line_no HAVING count(*) > 1") == []
    assert query(lab, "SELECT min(qty), max(qty) FROM order_lines") == [(1, 9)]
    assert {r[0] for r in query(lab, "SELECT DISTINCT status FROM orders")} == {"new", "paid", "shipped"}
    low, high = query(lab, "SELECT min(price), max(price) FROM products")[0]
    assert 0 < float(low) and float(high) < 1000
    assert query(lab, "SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id "
                      "WHERE o.created_at < c.created_at") == [(0,)]  # children come after parents
    assert query(lab, "SELECT count(*) FROM orders WHERE updated_at < created_at") == [(0,)]
    roots = query(lab, "SELECT count(*) FROM customers WHERE manager_id IS NULL")[0][0]
    assert 0 < roots < 300  # a tree: some roots, the rest point at earlier customers
    assert query(lab, "SELECT count(*) FROM teams WHERE lead_id IS NULL")[0][0] < 30  # the cycle was closed
    if lab.dialect == "postgres":  # new rows still get keys after explicit ones went in
        lab.run("INSERT INTO teams (id, name) VALUES (100000, 'x')")


def test_not_null_cycles_load_with_the_constraint_suspended(lab):
    schema = Schema.from_ddl("""
    CREATE TABLE stores (id int PRIMARY KEY, manager_id int NOT NULL);
    CREATE TABLE staff (id int PRIMARY KEY, store_id int NOT NULL REFERENCES stores(id));
    ALTER TABLE stores ADD FOREIGN KEY (manager_id) REFERENCES staff(id);
    """, "postgres")
    lab.load(schema)
    lab.seed({"stores": 5, "staff": 50})
    assert lab.fk_check() == [] and lab.counts() == {"stores": 5, "staff": 50}
    if lab.dialect == "postgres":  # the constraint is back, and enforced
        with pytest.raises(Exception, match="foreign key"):
            lab.run("UPDATE stores SET manager_id = -1 WHERE id = 1")


def test_same_seed_same_rows_and_zipf_makes_hot_keys():
    schema = Schema.from_ddl(SHOP, "postgres")
    with Lab() as a, Lab() as b:
        a.load(schema).seed(ROWS, seed=5)
        b.load(schema).seed(ROWS, seed=5)
        sql = "SELECT * FROM orders ORDER BY id"
        assert a.run(sql).rows == b.run(sql).rows
        b.seed(ROWS, seed=6)
        assert a.run(sql).rows != b.run(sql).rows
    with Lab() as uniform, Lab() as zipf:
        uniform.load(schema).seed(ROWS)
        zipf.load(schema).seed(ROWS, distribution="zipf")
        top = "SELECT count(*) AS n FROM orders GROUP BY customer_id ORDER BY n DESC LIMIT 1"
        assert zipf.run(top).rows[0][0] > 5 * uniform.run(top).rows[0][0]


def test_a_failed_seed_rolls_back(lab):
    schema = Schema.from_ddl("CREATE TABLE a (id int PRIMARY KEY, v int NOT NULL);", "postgres")
    lab.load(schema)
    lab.seed(10)
    # a check the seeder cannot see coming: the database refuses the second seed mid-way
    lab.run("CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a(id), "
            "v int NOT NULL CHECK (v < 0))" if lab.dialect != "mysql" else
            "CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL, v int NOT NULL CHECK (v < 0), "
            "FOREIGN KEY (a_id) REFERENCES a(id))")
    lab.schema = Schema.from_ddl("CREATE TABLE a (id int PRIMARY KEY, v int NOT NULL);"
                                 "CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a(id), v int NOT NULL);",
                                 "postgres")
    with pytest.raises(SeedError) as info:
        lab.seed(20)
    # the sandbox finds it in its one CHECK scan after the load, the servers while the rows go in
    assert re.search(r"Loading (20 )?rows into b failed", str(info.value)) and "rolled back" in str(info.value)
    assert lab.counts() == {"a": 10, "b": 0}  # the first seed's rows, untouched


def test_progress_is_reported():
    class Bar:
        def __init__(self):
            self.done = 0
            self.closed = False

        def update(self, n):
            self.done += n

        def close(self):
            self.closed = True

    bar = Bar()
    with Lab() as lab:
        lab.load(Schema.from_ddl(SHOP, "postgres"))
        lab.seed(ROWS, progress=bar)
    assert bar.done == sum(ROWS.values()) - 200 and bar.closed  # profiles: 300 of the 500 asked for


def test_seed_errors_are_clear():
    with Lab() as lab:
        with pytest.raises(SeedError, match="Load a schema before seeding"):
            lab.seed(10)
        lab.load(Schema.from_ddl(SHOP, "postgres"))
        with pytest.raises(SeedError, match="No table 'nope'"):
            lab.seed({"nope": 3})
        with pytest.raises(SeedError, match="Unknown distribution"):
            lab.seed(10, distribution="gauss")


@pytest.mark.parametrize("name", ["chinook_sqlite.schema.sql", "chinook_postgresql.schema.sql",
                                  "chinook_mysql.schema.sql", "sakila_sqlite_schema.sql",
                                  "sakila_postgresql_schema.sql", "sakila_mysql_schema.sql"])
@pytest.mark.parametrize("target", LABS)
def test_chinook_and_sakila_seed_and_pass_the_databases_fk_checks(name, target):
    from ..conftest import _server_up, need

    if target != "sandbox":
        need(_server_up(target), f"{target} server not reachable")
    dialect = "postgres" if "postgres" in name else "mysql" if "mysql" in name else "sqlite"
    schema = Schema.from_ddl(corpus_file(name).read_text(), dialect)
    with Lab(None if target == "sandbox" else target, name="corpus") as lab:
        lab.load(schema)
        report = lab.seed(200, progress=False)
        assert lab.fk_check() == []
        if lab.dialect == "sqlite":
            assert lab.connection().execute("PRAGMA foreign_key_check").fetchall() == []
        counts = lab.counts()
        assert all(n > 0 for n in counts.values()), counts
        assert report.total_rows == sum(counts.values())


def test_numpy_free_values_come_back():
    with Lab() as lab:
        lab.load(Schema.from_ddl(SHOP, "postgres"))
        lab.seed(ROWS)
        row = lab.run("SELECT * FROM customers LIMIT 1").rows[0]
        assert not any(isinstance(v, np.generic) for v in row)


def test_sandbox_sets_indexes_and_checks_aside_during_the_load_and_still_enforces_them():
    """The sandbox builds secondary indexes after the rows are in and checks CHECKs in one scan;
    the database ends up with every index and check, and a violation still rolls the seed back."""
    schema = Schema.from_ddl(SHOP, "postgres")
    with Lab() as lab:
        lab.load(schema)
        lab.apply("CREATE INDEX orders_status ON orders (status)")
        before = lab.run("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").rows
        assert any(name == "customers_email_key" for name, _ in before)  # UNIQUE as a droppable unique index
        lab.seed(ROWS)
        assert lab.run("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").rows == before
        assert lab.connection().execute("PRAGMA ignore_check_constraints").fetchone() == (0,)
        with pytest.raises(Exception, match="CHECK"):
            lab.run("UPDATE orders SET status = 'lost' WHERE id = 1")
        with pytest.raises(Exception, match="UNIQUE"):
            lab.run("UPDATE customers SET email = (SELECT email FROM customers WHERE id = 2) WHERE id = 1")
        # a CHECK added in the lab that the seeder does not know: verified after the load, seed rolled back
        lab.run("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL CHECK (length(body) > 500))")
        lab.schema = Schema.from_ddl(SHOP + "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);", "postgres")
        with pytest.raises(SeedError, match=r"into notes failed: 1,000 of them break CHECK \(LENGTH\(body\) > 500\)"):
            lab.seed(ROWS)
        assert lab.counts()["orders"] == 1500 and lab.counts()["notes"] == 0
        assert lab.connection().execute("PRAGMA ignore_check_constraints").fetchone() == (0,)
        after = lab.run("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").rows
        assert [row for row in after if "notes" not in row[0]] == before  # the dropped indexes came back


@pytest.mark.parametrize("chunk", [97, 1000])
def test_chunked_generation_keeps_keys_unique_and_references_whole_across_chunks(lab, chunk, monkeypatch):
    """Rows are generated and loaded a chunk at a time: the pair keys, the counters within an order,
    one-to-one profiles, the self-reference and the broken cycle hold across chunk boundaries, checked
    by the database itself (every row: the full FK check, the unique indexes and keys)."""
    from workbench.lab import seed as seeding

    monkeypatch.setattr(seeding, "CHUNK", chunk)
    lab.load(Schema.from_ddl(SHOP, "postgres"))
    report = lab.seed(ROWS, progress=False)
    assert lab.fk_check() == []
    counts = lab.counts()
    assert report.total_rows == sum(counts.values()) and counts["order_lines"] == 3000
    lines = lab.run("SELECT count(*), count(DISTINCT order_id) FROM order_lines").rows[0]
    assert lines[1] > 1 and lines[0] == 3000
    assert lab.run("SELECT max(n) FROM (SELECT count(*) AS n FROM order_lines GROUP BY order_id) t").rows[0][0] > 1
    assert lab.run("SELECT count(*) FROM profiles").rows[0][0] == 300  # one per customer, never more


def test_a_unique_key_construction_does_not_guarantee_is_guarded_across_chunks(monkeypatch):
    """A UNIQUE date repeats across chunks unless the generator remembers what it made: it drops the
    repeats (reported in the row count) and the database's unique index accepts the rest."""
    from workbench.lab import seed as seeding

    monkeypatch.setattr(seeding, "CHUNK", 400)
    with Lab() as lab:
        lab.load(Schema.from_ddl("CREATE TABLE days (id int PRIMARY KEY, day date NOT NULL UNIQUE);", "postgres"))
        report = lab.seed({"days": 4000}, progress=False)
        n, distinct = lab.run("SELECT count(*), count(DISTINCT day) FROM days").rows[0]
        assert n == distinct == report["days"] < 4000


def test_keys_numbered_one_to_n_are_kept_as_a_range_not_an_array():
    """What outlives a chunk is bounded: a referenced 1..n key is a range; creation times are arrays."""
    from workbench.lab.seed import FillOrder, Generator, rows_for

    schema = Schema.from_ddl(SHOP, "postgres")
    generator = Generator(schema, FillOrder(schema, rows_for(schema, ROWS)), seed=1, distribution="uniform", chunk=100)
    for _ in generator.stream():
        pass
    customers = generator.made["customers"]
    assert customers.n == 300 and customers.kept["id"].parts is None
    assert customers.created is not None and customers.created.count == 300
    assert generator.samples["orders"].n == 1500 and set(generator.samples["orders"].columns) >= {"id", "status"}


def test_the_after_seed_check_reads_a_sample_and_finds_a_broken_reference():
    with Lab() as lab:
        lab.load(Schema.from_ddl(SHOP, "postgres"))
        lab.seed(ROWS, progress=False)
        conn = lab.connection()
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("UPDATE orders SET customer_id = 999999 WHERE id = 7")
        problems = lab.driver.seeded_fk_check(conn, lab.schema, list(lab.schema.tables.values()), [])
        assert problems == ["orders(customer_id): 1 sampled rows without a parent"]


@pytest.mark.parametrize("target", ["postgres", "mysql"])
def test_a_seed_runs_without_the_labs_query_timeout_and_puts_it_back(target):
    """The statement timeout is for queries: a large seed's COPY or INSERT may take minutes."""
    from ..conftest import _server_up, need

    need(_server_up(target), f"{target} server not reachable")
    show = "SHOW statement_timeout" if target == "postgres" else "SELECT @@SESSION.max_statement_time"
    with Lab(target, name="timeout", timeout=7) as lab:
        lab.load(Schema.from_ddl("CREATE TABLE t (id int PRIMARY KEY);", "postgres"))
        conn = lab.connection()
        before = lab.run(show).rows[0][0]
        with lab.driver.seeding(conn, list(lab.schema.tables.values()), []):
            cursor = conn.cursor()
            cursor.execute(show)
            during = cursor.fetchone()[0]
            cursor.close()
        after = lab.run(show).rows[0][0]
        assert str(before) in ("7s", "7000ms", "7", "7.0", "7.000000") and str(during) in ("0", "0.0", "0.000000")
        assert after == before


def test_a_unique_column_that_is_null_for_a_whole_chunk_does_not_trip_the_guard(monkeypatch):
    """Soft-delete markers are mostly NULL: a chunk can hold no key at all, and the next one still goes in."""
    from workbench.lab import seed as seeding

    monkeypatch.setattr(seeding, "CHUNK", 5)
    with Lab() as lab:
        lab.load(Schema.from_ddl("CREATE TABLE t (id int PRIMARY KEY, deleted_at timestamp UNIQUE);", "postgres"))
        report = lab.seed({"t": 400}, progress=False)
        n, distinct, non_null = lab.run("SELECT count(*), count(DISTINCT deleted_at), count(deleted_at) FROM t").rows[0]
        assert n == report["t"] > 0 and distinct == non_null
