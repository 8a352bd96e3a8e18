"""Bad input gets a project error: property-based tests (hypothesis) over every parser of user and model text.

Only the workbench's own exceptions (WorkbenchError, or UsageError for a magic line) may come out, and
no example may take longer than 5 s. `WORKBENCH_FUZZ_EXAMPLES` raises the number of examples for a long
run (benchmarks/fuzz.sh runs 10,000 per property).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.errors import WorkbenchError

EXAMPLES = int(os.environ.get("WORKBENCH_FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES, deadline=5000, suppress_health_check=[HealthCheck.too_slow,
                                                                             HealthCheck.function_scoped_fixture])

NAMES = st.one_of(st.sampled_from(["id", "user", "order", "cube", "exclude", "select", "key", "check", "window",
                                   "release", "condition", "mod", "t", "x y", 'q"uote', "b`ack", "ünï", ""]),
                  st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12))
TYPES = st.sampled_from(["int", "bigint", "serial", "text", "varchar(20)", "varchar", "numeric(10,2)", "numeric(1e5)",
                         "oid", "regclass", "regtype", "bit varying(5)", "bit(3)", "varbit", "double precision",
                         "timestamp with time zone", "time(3) without time zone", "int[]", "text[][]", "jsonb",
                         "uuid", "enum('a','b')", "set('x')", "tinyint(1)", "BIGINT(20) UNSIGNED", "citext",
                         "geometry(Point,4326)", "interval day to second", "character varying(255)", "bytea",
                         "mood", "public.mood", "\"Weird Type\"", ""])
CONSTRAINTS = st.sampled_from(["", "NOT NULL", "NULL", "PRIMARY KEY", "UNIQUE", "DEFAULT 0", "DEFAULT now()",
                               "DEFAULT 'x'", "DEFAULT ('now'::text)::timestamp", "REFERENCES other(id)",
                               "REFERENCES other", "CHECK (x > 0)", "CHECK (", "GENERATED ALWAYS AS IDENTITY",
                               "AUTO_INCREMENT", "AUTOINCREMENT", "COLLATE \"C\"", "ON UPDATE CURRENT_TIMESTAMP",
                               "COMMENT 'hi'", "DEFAULT $$x$$", "FOREIGN KEY()"])
TAILS = st.sampled_from(["", ";", ") ENGINE=InnoDB;", ") WITHOUT ROWID;", ") PARTITION BY RANGE (id);",
                         ", PRIMARY KEY USING BTREE (a, b));", ", FOREIGN KEY() REFERENCES x);", " $$", "'", "`", "\"",
                         "/*", "--", "\\copy x from 'y'", "\nDELIMITER //\n", "\x00"])


@st.composite
def ddl(draw):
    columns = draw(st.lists(st.tuples(NAMES, TYPES, CONSTRAINTS), min_size=0, max_size=6))
    body = ", ".join(f"{n} {t} {c}".strip() for n, t, c in columns)
    prefix = draw(st.sampled_from(["CREATE TABLE", "CREATE TEMP TABLE", "CREATE TABLE IF NOT EXISTS", "create table",
                                   "CREATE SCHEMA s CREATE TABLE", "ALTER TABLE", "CREATE INDEX ix ON", "CREATE VIEW",
                                   "COPY", "INSERT INTO", ""]))
    text = f"{prefix} {draw(NAMES)} ({body}{draw(TAILS)}"
    noise = draw(st.text(max_size=40))
    return draw(st.sampled_from([text, text + "\n" + noise, noise + text, text * 2]))


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
@FUZZ
@given(text=ddl())
def test_ddl_parsing_raises_only_project_errors(dialect, text):
    from workbench.schema import Schema

    try:
        schema = Schema.from_ddl(text, dialect)
    except WorkbenchError:
        return
    for target in ("postgres", "mysql", "sqlite"):  # what was read can be emitted again, in every dialect
        try:
            schema.to_ddl(target)
            schema.lint()
        except WorkbenchError:
            pass


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=4), max_leaves=20)
NODE = st.fixed_dictionaries({"id": NAMES, "kind": st.sampled_from(["service", "postgres", "redis", "kafka", "x.y.Z",
                                                                    "aws.compute.EC2", "", "<b>"])},
                             optional={"label": st.text(max_size=30), "group": NAMES, "replicas": st.integers(-2, 5),
                                       "tags": st.lists(st.text(max_size=5), max_size=3)})


@FUZZ
@given(spec=st.one_of(st.fixed_dictionaries({"nodes": st.lists(NODE, max_size=5)},
                                            optional={"title": st.text(max_size=30),
                                                      "edges": st.lists(st.fixed_dictionaries(
                                                          {"source": NAMES, "target": NAMES},
                                                          optional={"mode": st.sampled_from(["sync", "async", "x"]),
                                                                    "label": st.text(max_size=20)}), max_size=5),
                                                      "groups": st.lists(st.fixed_dictionaries(
                                                          {"id": NAMES}, optional={"parent": NAMES,
                                                                                   "label": st.text(max_size=10)}),
                                                          max_size=3)}),
                      JSON_VALUES))
def test_architecture_specs_raise_only_project_errors(spec):
    from workbench.architecture.spec import Architecture

    try:
        arch = Architecture.from_dict(spec) if isinstance(spec, dict) else Architecture.from_yaml(str(spec))
        arch.lint()
        arch.render("svg")
    except WorkbenchError:
        pass


@FUZZ
@given(text=st.one_of(st.text(max_size=300), st.builds(lambda v: f"openapi: 3.1.0\ninfo: {v}\npaths: {v}\n",
                                                       st.text(max_size=40))))
def test_openapi_text_raises_only_project_errors(text):
    from workbench.design.api import ApiContract

    try:
        ApiContract.from_text(text).for_model()
    except WorkbenchError:
        pass


@pytest.fixture(scope="module")
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    from workbench.notebook.magics import WorkbenchMagics

    ip = InteractiveShell.instance()
    ip.register_magics(WorkbenchMagics(ip))
    return ip


LINES = st.one_of(st.text(max_size=60), st.builds(lambda a, b: f"{a} {b}", st.sampled_from(
    ["-d", "--design", "-m", "--max-steps", "--budget", "--db", "--rows", "--repeat", "--focus", "--depth", "-o",
     "--dialect", "'", '"', "--cluster", "show", "use", "export", "history", "model", "reset"]),
    st.text(max_size=20)))


@FUZZ
@given(line=LINES, magic=st.sampled_from(["architect", "design", "er", "lab"]))
def test_magic_lines_raise_only_usage_or_project_errors(shell, tmp_path_factory, line, magic):
    from IPython.core.error import UsageError

    os.chdir(tmp_path_factory.getbasetemp())
    try:
        shell.run_line_magic(magic, line)
    except (UsageError, WorkbenchError):
        pass


@FUZZ
@given(line=LINES, magic=st.sampled_from(["architect", "schema", "arch", "lab"]), cell=st.text(max_size=80))
def test_cell_magic_lines_raise_only_usage_or_project_errors(shell, tmp_path_factory, line, magic, cell):
    from IPython.core.error import UsageError

    os.chdir(tmp_path_factory.getbasetemp())
    try:
        shell.run_cell_magic(magic, line, cell)
    except (UsageError, WorkbenchError):
        pass


def test_an_interpolated_object_whose_repr_raises_is_named_not_fatal():
    from workbench.notebook.interpolate import interpolate

    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no repr for you")

        __str__ = __repr__

    text = interpolate("Look at {thing}.", {"thing": Hostile()})
    assert "Hostile" in text and "no repr" in text
