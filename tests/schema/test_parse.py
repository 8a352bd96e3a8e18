import json

import pytest

from workbench.errors import DDLSyntaxError
from workbench.schema import Schema, guess_dialect
from workbench.schema.model import AUTO_INCREMENT, IDENTITY_ALWAYS, SERIAL

SHOP_PG = """
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped');
CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email varchar(255) NOT NULL UNIQUE,
    "Display Name" text,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE customers IS 'People who buy';
COMMENT ON COLUMN customers.email IS 'Login, unique';
CREATE TABLE orders (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    status order_status NOT NULL DEFAULT 'new'::order_status,
    total numeric(12, 2) NOT NULL DEFAULT 0 CHECK (total >= 0),
    region text,
    shard int,
    CONSTRAINT orders_region_shard UNIQUE (region, shard)
);
CREATE TABLE order_lines (
    order_id bigint NOT NULL,
    line_no int NOT NULL,
    sku text NOT NULL,
    qty int NOT NULL CONSTRAINT qty_positive CHECK (qty > 0),
    PRIMARY KEY (order_id, line_no)
);
ALTER TABLE ONLY order_lines ADD CONSTRAINT order_lines_order_fk FOREIGN KEY (order_id) REFERENCES orders(id)
    ON UPDATE CASCADE ON DELETE RESTRICT;
CREATE TABLE shipments (
    id int PRIMARY KEY,
    region text, shard int,
    FOREIGN KEY (region, shard) REFERENCES orders (region, shard) ON DELETE SET NULL
);
CREATE INDEX orders_open ON orders (customer_id) WHERE status <> 'shipped';
CREATE UNIQUE INDEX customers_email_lower ON customers (lower(email));
CREATE VIEW big_orders AS SELECT o.id, o.total AS amount FROM orders o WHERE o.total > 1000;
"""


def test_postgres_model_in_full():
    s = Schema.from_ddl(SHOP_PG, "postgres")
    assert list(s.tables) == ["customers", "orders", "order_lines", "shipments"]
    c = s.table("customers")
    assert c.columns["id"].generated == IDENTITY_ALWAYS and not c.columns["id"].nullable
    assert c.columns["email"].type == "VARCHAR(255)" and not c.columns["email"].nullable
    assert "Display Name" in c.columns  # quoted identifiers keep their case
    assert c.columns["created_at"].type == "TIMESTAMPTZ" and c.columns["created_at"].default == "CURRENT_TIMESTAMP"
    assert c.comment == "People who buy" and c.columns["email"].comment == "Login, unique"
    assert [u.columns for u in c.uniques] == [("email",)]
    o = s.table("orders")
    assert o.columns["id"].generated == SERIAL and o.columns["id"].type == "BIGINT"
    assert o.columns["status"].type == "order_status" and o.columns["status"].default == "'new'"
    assert o.checks[0].column == "total" and o.checks[0].expression == "total >= 0"
    assert [(u.name, u.columns) for u in o.uniques] == [("orders_region_shard", ("region", "shard"))]
    fk = o.foreign_keys[0]
    assert (fk.columns, fk.ref_table, fk.ref_columns, fk.on_delete) == (("customer_id",), "customers", ("id",), "CASCADE")
    lines = s.table("order_lines")
    assert lines.primary_key == ("order_id", "line_no")
    assert lines.foreign_keys[0].name == "order_lines_order_fk"
    assert (lines.foreign_keys[0].on_update, lines.foreign_keys[0].on_delete) == ("CASCADE", "RESTRICT")
    assert lines.checks[0].name == "qty_positive"
    composite = s.table("shipments").foreign_keys[0]
    assert composite.columns == ("region", "shard") and composite.ref_columns == ("region", "shard")
    partial = o.indexes[0]
    assert (partial.name, partial.columns, partial.where) == ("orders_open", ("customer_id",), "status <> 'shipped'")
    expression = c.indexes[0]
    assert expression.unique and expression.columns == ("LOWER(email)",) and expression.expressions == (True,)
    assert s.enums["order_status"].values == ("new", "paid", "shipped")
    assert s.views["big_orders"].columns == ("id", "amount")
    assert s.summary() == "4 tables, 3 foreign keys, 1 view, 1 enum (postgres)"


def test_mysql_and_sqlite_specifics():
    my = Schema.from_ddl("""
    CREATE TABLE `film` (
      `film_id` SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
      `rating` ENUM('G','PG','R') DEFAULT 'G' COMMENT 'MPAA rating',
      `title` VARCHAR(128) NOT NULL,
      PRIMARY KEY (`film_id`),
      KEY `idx_title` (`title`),
      FULLTEXT KEY `ft_title` (`title`)
    ) ENGINE=InnoDB COMMENT='Films';
    """, "mariadb")
    film = my.table("film")
    assert my.dialect == "mysql"
    assert film.columns["film_id"].generated == AUTO_INCREMENT and film.columns["film_id"].type == "SMALLINT UNSIGNED"
    assert film.columns["rating"].type == "ENUM('G', 'PG', 'R')" and film.columns["rating"].comment == "MPAA rating"
    assert film.comment == "Films"
    assert [(i.name, i.method) for i in film.indexes] == [("idx_title", None), ("ft_title", "fulltext")]
    lite = Schema.from_ddl("""
    CREATE TABLE Album (AlbumId INTEGER PRIMARY KEY AUTOINCREMENT, Title NVARCHAR(160) NOT NULL,
                        ArtistId INTEGER REFERENCES Artist (ArtistId));
    CREATE TABLE Artist (ArtistId INTEGER PRIMARY KEY, Name NVARCHAR(120));
    """, "sqlite")
    album = lite.table("album")  # lookups are case-insensitive
    assert album.name == "Album" and album.columns["AlbumId"].generated == AUTO_INCREMENT
    assert album.columns["Title"].type == "VARCHAR(160)"  # sqlglot's neutral spelling of NVARCHAR
    assert album.foreign_keys[0].ref_table == "Artist"  # resolved although Artist comes later


def test_dump_noise_is_skipped_and_counted():
    s = Schema.from_ddl("""
    SET statement_timeout = 0;
    SELECT pg_catalog.set_config('search_path', '', false);
    \\restrict abc123
    CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.updated_at := now(); RETURN NEW; END; $$;
    ALTER FUNCTION public.touch() OWNER TO postgres;
    CREATE SEQUENCE public.t_id_seq START WITH 1 INCREMENT BY 1;
    CREATE TABLE public.t (id integer DEFAULT nextval('public.t_id_seq'::regclass) NOT NULL, note text);
    ALTER TABLE public.t OWNER TO postgres;
    ALTER SEQUENCE public.t_id_seq OWNED BY public.t.id;
    ALTER TABLE ONLY public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);
    CREATE TRIGGER t_touch BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION public.touch();
    GRANT SELECT ON public.t TO PUBLIC;
    """, "postgres")
    t = s.table("t")
    assert t.primary_key == ("id",) and t.primary_key_name == "t_pkey"
    assert t.columns["id"].generated == SERIAL and t.columns["id"].default is None
    assert s.skipped["CREATE FUNCTION"] == 1 and s.skipped["CREATE TRIGGER"] == 1 and s.skipped["GRANT"] == 1
    assert s.warnings[0].startswith("skipped 10 statements the model does not use")  # \\restrict too
    assert s.skipped["psql \\restrict"] == 1


def test_pg_dump_identity_columns():
    s = Schema.from_ddl("""
    CREATE TABLE public.accounts (id bigint NOT NULL, name text);
    ALTER TABLE public.accounts ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
        SEQUENCE NAME public.accounts_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1
    );
    ALTER TABLE ONLY public.accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);
    """, "postgres")
    assert s.table("accounts").columns["id"].generated == IDENTITY_ALWAYS


def test_mysql_delimiter_blocks():
    s = Schema.from_ddl("""
    CREATE TABLE a (id INT PRIMARY KEY);
    DELIMITER ;;
    CREATE TRIGGER a_ins AFTER INSERT ON a FOR EACH ROW BEGIN
      INSERT INTO log VALUES (NEW.id);
    END;;
    DELIMITER ;
    CREATE TABLE b (id INT PRIMARY KEY, a_id INT, FOREIGN KEY (a_id) REFERENCES a (id));
    """, "mysql")
    assert list(s.tables) == ["a", "b"] and s.skipped["CREATE TRIGGER"] == 1


@pytest.mark.parametrize("ddl, line, column, words", [
    ("CREATE TABLE a (\n  id int,\n  name varchar(10) NOT NULL DEFAULT,\n  x int\n);", 3, 36, "DEFAULT needs a value"),
    ("CREATE TABLE a (id int);\n\nCREATE TABL b (id int);", 3, 1, "unknown statement CREATE TABL"),
    ("CREATE TABLE a (id int);\nThis is prose, not SQL;", 2, 1, "is not a SQL statement"),
    ("CREATE TABLE a (\n  id int,,\n  b int\n);", 2, 10, "empty element"),
    ("CREATE TABLE a (id int, name text 'oops);", 1, None, "cannot read the SQL text"),
])
def test_syntax_errors_name_line_and_column(ddl, line, column, words):
    with pytest.raises(DDLSyntaxError) as info:
        Schema.from_ddl(ddl, "postgres")
    err = info.value
    assert err.line == line
    if column is not None:
        assert err.column == column
    assert words in str(err)
    assert f"line {line}" in str(err)


def test_new_syntax_inside_a_valid_table_keeps_the_table():
    s = Schema.from_ddl("CREATE TABLE film (id int PRIMARY KEY, hours numeric(4,2) "
                        "GENERATED ALWAYS AS (round(id / 60.0, 2)) VIRTUAL, title text NOT NULL);", "postgres")
    assert list(s.table("film").columns) == ["id", "hours", "title"]
    assert any("'VIRTUAL' not understood" in w for w in s.warnings)


def test_deterministic_model_and_bytes():
    first = Schema.from_ddl(SHOP_PG, "postgres")
    second = Schema.from_ddl(SHOP_PG, "postgres")
    assert json.dumps(first.to_dict(), sort_keys=True) == json.dumps(second.to_dict(), sort_keys=True)
    for dialect in ("postgres", "sqlite", "mysql"):
        assert first.to_ddl(dialect) == second.to_ddl(dialect)
    assert first.er().source == second.er().source
    assert first.lint().text() == second.lint().text()
    assert Schema.from_dict(first.to_dict()) == first


@pytest.mark.parametrize("text, name, expected", [
    ("CREATE TABLE a (id int) ENGINE=InnoDB;", "x.sql", "mysql"),
    ("CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT);", "x.sql", "sqlite"),
    ("CREATE TABLE a (id int);", "dump_sqlite.sql", "sqlite"),
    ("CREATE TABLE a (id serial);", "x.sql", "postgres"),
])
def test_guess_dialect(text, name, expected):
    assert guess_dialect(text, name) == expected
