"""The schema through every surface: the propose_schema tool, %%schema / %er, the CLI."""

import json
import subprocess
import sys

import pytest

from workbench.agent.session import Architect
from workbench.design.aggregate import Design
from workbench.schema import Schema
from workbench.testing import Reply

from ..conftest import texts
from .test_lint import PLANTED
from .test_parse import SHOP_PG

V1 = "CREATE TABLE links (id bigint PRIMARY KEY, url text NOT NULL);"
V2 = V1 + " CREATE TABLE clicks (id bigint PRIMARY KEY, link_id bigint NOT NULL REFERENCES links(id));"


class Shown(list):
    def show(self, obj):
        self.append(obj)


def test_propose_schema_stores_versions_and_reports_changes(api_env):
    from workbench.agent.renderer import Renderer

    shown = Shown()

    class R(Renderer):
        def show(self, obj):
            shown.show(obj)

    api_env.enqueue(
        Reply.tool_call("propose_schema", {"ddl": V1, "dialect": "postgres", "rationale": "start small"}),
        Reply.tool_call("propose_schema", {"ddl": V2, "dialect": "postgres"}),
        Reply.text("Two versions stored."))
    Architect("shortener").ask("design it", renderer=R())
    first = api_env.message_requests[1]["messages"][-1]["content"][0]
    second = api_env.message_requests[2]["messages"][-1]["content"][0]
    assert "is_error" not in first and "Stored as version 1 of schema 'main'" in first["content"]
    assert "This is the first version." in first["content"]
    assert "Stored as version 2" in second["content"]
    assert "- clicks: 2 cols, PK id, FK link_id→links" in second["content"]
    assert "Lint: 0 errors, 1 warning, 0 notes." in second["content"]
    assert "WB002 fk-without-index at clicks.link_id" in second["content"]
    assert "Changes since the previous version: 1 change (1 add table); risk: 1 safe." in second["content"]
    design = Design("shortener")
    assert [v["version"] for v in design.versions("schema", "main")] == [1, 2]
    assert design.versions("schema", "main")[0]["body"]["rationale"] == "start small"
    assert design.schema("main") == Schema.from_ddl(V2, "postgres")
    assert design.schema("main", version=1).summary() == "1 table, 0 foreign keys (postgres)"
    report = shown[-1]
    bundle = report._repr_mimebundle_()
    assert "<svg" in bundle["text/html"] and "Schema main v2" in bundle["text/plain"]


def test_bad_ddl_is_an_error_result_with_line_and_column(api_env):
    bad = "CREATE TABLE links (\n  id bigint PRIMARY KEY,\n  url text NOT NULL DEFAULT,\n  x int\n);"
    api_env.enqueue(Reply.tool_call("propose_schema", {"ddl": bad, "dialect": "postgres"}),
                    Reply.tool_call("propose_schema", {"ddl": "-- nothing", "dialect": "postgres"}),
                    Reply.text("I will fix it."))
    Architect("d").ask("go")
    result = api_env.message_requests[1]["messages"][-1]["content"][0]
    assert result["is_error"] is True
    assert "DDL syntax error at line 3, column 28" in result["content"]
    empty = api_env.message_requests[2]["messages"][-1]["content"][0]
    assert empty["is_error"] and "defines no tables" in empty["content"]
    assert Design("d").versions("schema") == []


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_er_lint_diff(tmp_path):
    (tmp_path / "v1.sql").write_text(V1)
    (tmp_path / "v2.sql").write_text(V2)
    (tmp_path / "bad.sql").write_text(PLANTED["WB001"])
    out = run_cli("er", str(tmp_path / "v2.sql"), "-o", str(tmp_path / "v2.svg"))
    assert out.returncode == 0 and "v2.svg: 2 of 2 tables" in out.stdout
    assert (tmp_path / "v2.svg").read_text().startswith("<svg")
    # designs that travel: Mermaid and DBML out, and DBML back in as a source
    assert run_cli("er", str(tmp_path / "v2.sql"), "-o", str(tmp_path / "v2.mmd")).returncode == 0
    assert (tmp_path / "v2.mmd").read_text().startswith("erDiagram\n")
    assert run_cli("er", str(tmp_path / "v2.sql"), "-o", str(tmp_path / "v2.dbml")).returncode == 0
    assert "Table clicks {" in (tmp_path / "v2.dbml").read_text()
    again = run_cli("er", str(tmp_path / "v2.dbml"), "-o", str(tmp_path / "again.svg"))
    assert again.returncode == 0 and "again.svg: 2 of 2 tables" in again.stdout
    (tmp_path / "broken.dbml").write_text("Table x {\n  id int [pk\n}\n")
    broken = run_cli("lint", str(tmp_path / "broken.dbml"))
    assert broken.returncode != 0 and "line 3, column 1" in broken.stderr
    wrong = run_cli("er", str(tmp_path / "v2.sql"), "-o", str(tmp_path / "v2.pdf"))
    assert wrong.returncode != 0 and ".mmd (Mermaid) or .dbml" in wrong.stderr
    clean = run_cli("lint", str(tmp_path / "v1.sql"))
    assert clean.returncode == 0 and clean.stdout.strip() == "No lint findings."
    warn = run_cli("lint", str(tmp_path / "v2.sql"), "--format", "json")
    assert warn.returncode == 0 and json.loads(warn.stdout)[0]["rule"] == "WB002"
    error = run_cli("lint", str(tmp_path / "bad.sql"))
    assert error.returncode == 1 and "WB001" in error.stdout
    diff = run_cli("diff", str(tmp_path / "v1.sql"), str(tmp_path / "v2.sql"), "--to", "sqlite")
    assert diff.returncode == 0
    assert diff.stdout.startswith("-- 1 change (1 add table); risk: 1 safe\nCREATE TABLE clicks (")
    missing = run_cli("lint", str(tmp_path / "nope.sql"))
    assert missing.returncode == 2 and "No file" in missing.stderr


def test_cli_reads_a_live_database(sqlite_url, tmp_path):
    from ..conftest import run_script

    run_script(sqlite_url, Schema.from_ddl(SHOP_PG, "postgres").to_ddl("sqlite"), "sqlite")
    out = run_cli("er", sqlite_url, "--focus", "orders", "-o", str(tmp_path / "o.dot"))
    assert out.returncode == 0 and '"orders" [label=' in (tmp_path / "o.dot").read_text()


@pytest.mark.kernel
def test_schema_and_er_magics_in_a_kernel(kernel, sqlite_url):
    from ..conftest import run_script

    kernel.run("%load_ext workbench")
    first = kernel.run(f"%%schema shop\n{SHOP_PG}")
    assert first["status"] == "ok", texts(first)
    html = texts(first, "text/html")
    assert "Schema shop v1" in html and "<svg" in html and "Lint:" in html
    bound = kernel.run("print(type(shop).__name__, len(shop.tables))")
    assert texts(bound).strip() == "Schema 4"
    second = kernel.run("%%schema shop\nCREATE TABLE customers (id bigint PRIMARY KEY);")
    assert "Changes:" in texts(second, "text/html") and "3 drop table" in texts(second)
    focus = kernel.run("%er shop --focus customers")
    assert focus["outputs"][0]["data"]["image/svg+xml"].startswith("<svg")
    stored = kernel.run("%er")  # the design's newest schema
    assert "customers" in texts(stored)
    mermaid = kernel.run("%er shop --focus customers --format mermaid")
    assert texts(mermaid, "text/markdown").startswith("```mermaid\nerDiagram\n    customers {")
    dbml = kernel.run("%er shop --format dbml")
    assert "Table customers {" in texts(dbml, "text/markdown") and texts(dbml, "text/markdown").startswith("```dbml")
    run_script(sqlite_url, "CREATE TABLE live_table (id INTEGER PRIMARY KEY);", "sqlite")
    live = kernel.run(f"%er {sqlite_url}")
    assert "live_table" in texts(live)
    bad = kernel.run("%%schema\nCREATE TABLE t (\n  id int,\n  name text DEFAULT\n);")
    assert bad["status"] == "error" and bad["error"]["ename"] == "DDLSyntaxError"
    assert "line 4" in bad["error"]["evalue"]
    none = kernel.run("%er nothing_here")
    assert "UsageError" in texts(none)


NOT_SQL = {
    "empty.sql": (b"", "empty.sql holds no SQL statements (it is empty)"),
    "comments.sql": (b"-- nothing yet\n/* later */ ;\n\n", "comments.sql holds no SQL statements (only comments"),
    "logo.sql": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "logo.sql is not a text SQL file: it holds a NUL byte at "
                                                           "byte offset 8"),
    "latin1.sql": (V1.encode() + b"\n-- caf\xe9\n", f"latin1.sql is not a UTF-8 text SQL file: byte 0xe9 at byte "
                                                       f"offset {len(V1) + 7} (line 2)"),
}


@pytest.mark.parametrize("name", sorted(NOT_SQL))
def test_an_empty_or_binary_file_is_named_for_what_it_is_in_the_cli_and_the_api(isolated, name):
    data, says = NOT_SQL[name]
    (isolated / name).write_bytes(data)
    for command in (["lint", name], ["er", name, "-o", "out.svg"], ["lint", name, "--dialect", "sqlite"]):
        run = run_cli(*command, cwd=isolated)
        assert run.returncode == 2 and says in run.stderr, (command, run.stderr)
        assert "No lint findings" not in run.stdout and "Traceback" not in run.stderr and "\ufffd" not in run.stderr
    from workbench.errors import SchemaError

    with pytest.raises(SchemaError, match="holds no SQL statements|not a (UTF-8 )?text SQL file"):
        Schema.from_source(str(isolated / name))


def test_ddl_text_with_a_nul_character_is_not_sql_and_an_empty_old_file_still_diffs(isolated):
    from workbench.errors import SchemaError

    with pytest.raises(SchemaError, match="not text SQL: it holds a NUL character at offset 9"):
        Schema.from_ddl("CREATE TA\x00BLE t (id int)")
    (isolated / "none.sql").write_bytes(b"")
    (isolated / "v1.sql").write_text(V1)
    run = run_cli("diff", "none.sql", "v1.sql", cwd=isolated)  # a start from nothing: create everything
    assert run.returncode == 0 and "CREATE TABLE links" in run.stdout
