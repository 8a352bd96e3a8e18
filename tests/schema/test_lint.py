"""Each lint rule fires on a planted problem, not on a clean schema, and its fix DDL works."""

import json

import pytest

from workbench.schema import Schema
from workbench.schema.lint import RULES

from ..conftest import run_script

CLEAN = """
CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    total numeric(12, 2) NOT NULL
);
CREATE INDEX orders_customer ON orders (customer_id);
"""

PLANTED = {
    "WB001": "CREATE TABLE logbook (note text);",
    "WB002": "CREATE TABLE a (id bigint PRIMARY KEY); CREATE TABLE b (id bigint PRIMARY KEY, a_id bigint NOT NULL "
             "REFERENCES a(id));",
    "WB003": "CREATE TABLE a (id bigint PRIMARY KEY); CREATE TABLE b (id bigint PRIMARY KEY, a_id int NOT NULL "
             "REFERENCES a(id)); CREATE INDEX b_a ON b (a_id);",
    "WB004": "CREATE TABLE invoices (id bigint PRIMARY KEY); CREATE TABLE invoice_lines (id bigint PRIMARY KEY, "
             "invoice_id bigint REFERENCES invoices(id) ON DELETE CASCADE); CREATE INDEX il ON invoice_lines (invoice_id);",
    "WB005": "CREATE TABLE payments (id bigint PRIMARY KEY, amount double precision NOT NULL);",
    "WB006": "CREATE TABLE visits (id bigint PRIMARY KEY, seen_at timestamp NOT NULL);",
    "WB007": "CREATE TABLE clicks (id int PRIMARY KEY);",
    "WB008": "CREATE TABLE things (id serial PRIMARY KEY);",
    "WB009": "CREATE TABLE t (id bigint PRIMARY KEY, a int, b int); CREATE INDEX t_a ON t (a); "
             "CREATE INDEX t_ab ON t (a, b);",
    "WB010": "CREATE TABLE t (id bigint PRIMARY KEY, code text UNIQUE);",
    "WB011": "CREATE TABLE customers (id bigint PRIMARY KEY); CREATE TABLE notes (id bigint PRIMARY KEY, "
             "customer_id bigint NOT NULL);",
    "WB012": "CREATE TABLE a (id bigint PRIMARY KEY, b_id bigint); CREATE TABLE b (id bigint PRIMARY KEY, "
             "a_id bigint); ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b(id); "
             "ALTER TABLE b ADD FOREIGN KEY (a_id) REFERENCES a(id); CREATE INDEX a_b ON a (b_id); "
             "CREATE INDEX b_a ON b (a_id);",
    "WB013": 'CREATE TABLE t (id bigint PRIMARY KEY, "order" int);',
    "WB014": f"CREATE TABLE t (id bigint PRIMARY KEY, {'x' * 70} int);",
    "WB015": "CREATE TABLE a (id bigint PRIMARY KEY, country_code varchar(2)); "
             "CREATE TABLE b (id bigint PRIMARY KEY, country_code varchar(3));",
    "WB016": "CREATE TABLE a (id bigint PRIMARY KEY, code text); CREATE TABLE b (id bigint PRIMARY KEY, "
             "a_code text REFERENCES a(code)); CREATE INDEX b_c ON b (a_code);",
}


def test_a_clean_schema_has_no_findings():
    assert Schema.from_ddl(CLEAN, "postgres").lint() == []


def test_every_rule_has_a_planted_case():
    assert sorted(PLANTED) == sorted(RULES)


@pytest.mark.parametrize("rule", sorted(PLANTED))
def test_planted_problem_yields_exactly_its_rule(rule):
    schema = Schema.from_ddl(PLANTED[rule], "postgres")
    findings = schema.lint()
    assert [f.rule for f in findings] == [rule], findings.text()
    f = findings[0]
    # severity follows the consequence: without a stated scale the key-size rule only advises, a narrower
    # key column is a warning (an ERROR is for keys of another kind), one nullable business key is advice
    severity = {"WB007": "info", "WB003": "warning", "WB010": "info"}.get(rule, RULES[rule][1])
    assert f.name == RULES[rule][0] and f.severity == severity and f.message and f.table


def test_scale_aware_key_rule():
    schema = Schema.from_ddl("CREATE TABLE orders (id int PRIMARY KEY);", "postgres")
    assert schema.lint() == []
    findings = schema.lint(expected_rows={"orders": 5e9})
    assert [(f.rule, f.severity) for f in findings] == [("WB007", "warning")]
    assert "5,000,000,000 expected rows" in findings[0].message
    assert findings[0].fix == "ALTER TABLE orders ALTER COLUMN id TYPE BIGINT;"


FIXABLE = ["WB001", "WB002", "WB003", "WB004", "WB005", "WB006", "WB009", "WB010", "WB011", "WB013", "WB016"]


@pytest.mark.parametrize("rule", FIXABLE)
def test_the_suggested_fix_runs_and_clears_the_finding(pg_url, rule):
    from workbench.schema.emit import statements

    schema = Schema.from_ddl(PLANTED[rule], "postgres")
    finding = schema.lint()[0]
    ddl = statements(schema, "postgres")
    if rule == "WB016":  # PostgreSQL refuses the broken foreign key itself: the fix must come first
        first_fk = next(i for i, s in enumerate(ddl) if "FOREIGN KEY" in s)
        ddl.insert(first_fk, finding.fix)
        run_script(pg_url, "\n".join(ddl), "postgres")
    else:
        run_script(pg_url, "\n".join(ddl), "postgres")
        run_script(pg_url, finding.fix, "postgres")
    after = Schema.from_url(pg_url).lint()
    assert rule not in {f.rule for f in after}, after.text()


def test_fixes_are_written_for_the_requested_dialect():
    schema = Schema.from_ddl(PLANTED["WB005"], "postgres")
    assert schema.lint(dialect="mysql")[0].fix == "ALTER TABLE payments MODIFY amount NUMERIC(12, 2) NOT NULL;"
    assert schema.lint(dialect="sqlite")[0].fix.startswith("-- SQLite cannot change a column type")


def test_output_forms():
    findings = Schema.from_ddl(PLANTED["WB001"] + PLANTED["WB013"].replace("t (", "t2 ("), "postgres").lint()
    assert findings.summary() == "1 error, 1 warning, 0 notes"
    data = json.loads(findings.to_json())
    assert data[0]["rule"] == "WB001" and data[0]["severity"] == "error"
    assert "<table>" in findings._repr_html_() and findings.errors[0].rule == "WB001"
    assert findings.text().splitlines()[0].startswith("ERROR   WB001 missing-primary-key logbook:")


def test_ignore_rules():
    assert Schema.from_ddl(PLANTED["WB008"], "postgres").lint(ignore={"WB008"}) == []


@pytest.mark.parametrize("ddl, severity", [
    ("CREATE TABLE a (id bigint PRIMARY KEY); CREATE TABLE b (id bigint PRIMARY KEY, a_id text NOT NULL "
     "REFERENCES a(id)); CREATE INDEX b_a ON b (a_id);", "error"),                   # another kind: an error
    ("CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id bigint PRIMARY KEY, a_id bigint NOT NULL "
     "REFERENCES a(id)); CREATE INDEX b_a ON b (a_id);", None),                      # wider: harmless
])
def test_fk_type_severity_follows_consequence(ddl, severity):
    findings = Schema.from_ddl(ddl, "postgres").lint()
    assert [f.severity for f in findings if f.rule == "WB003"] == ([severity] if severity else [])


def test_nullable_unique_keys_of_several_columns_warn():
    findings = Schema.from_ddl("CREATE TABLE t (id bigint PRIMARY KEY, a bigint NOT NULL, b bigint, UNIQUE (a, b)); "
                               "CREATE TABLE u (id bigint PRIMARY KEY, refresh_token text UNIQUE);", "postgres").lint()
    assert [(f.rule, f.severity, f.table) for f in findings] == [("WB010", "warning", "t")]
