"""Nothing secret or active leaks: one redaction path on every way out, labels are text, links are inert."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.secrets import redact

from .conftest import KEY, texts

AWS_ID, AWS_SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
BEARER = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PASSWORD = "S3cretPW"
PLANTED = [AWS_ID, AWS_SECRET, BEARER, PASSWORD, "sk-ant-api03-PlantedKey0123456789", "AIzaSyD-planted0123456789abcdefghijklmn",
           "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"]


@pytest.mark.parametrize("text, secret", [
    (f"postgresql://u:{PASSWORD}@host:badport/db", PASSWORD),
    (f"postgresql://host/db?user=u&password={PASSWORD}", PASSWORD),
    (f"host=db.internal user=app password={PASSWORD} dbname=shop", PASSWORD),
    (f"Server=db;Uid=app;Pwd={PASSWORD};", PASSWORD),
    (f"export AWS_ACCESS_KEY_ID={AWS_ID}\nexport AWS_SECRET_ACCESS_KEY={AWS_SECRET}", AWS_SECRET),
    (f"aws keys: {AWS_ID} / {AWS_SECRET}", AWS_ID),
    (f"Authorization: Bearer {BEARER}", BEARER),
    (f"token {BEARER}", BEARER),
    ("ANTHROPIC_API_KEY=sk-ant-api03-PlantedKey0123456789", "sk-ant-api03-PlantedKey0123456789"),
    ("GOOGLE key AIzaSyD-planted0123456789abcdefghijklmn", "AIzaSyD-planted0123456789abcdefghijklmn"),
    ("gh ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8", "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"),
    ('{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEv\\n-----END PRIVATE KEY-----\\n"}',
     "MIIEv"),
])
def test_every_credential_form_is_masked(text, secret):
    assert secret not in redact(text)


def test_values_of_credential_variables_are_masked_wherever_they_occur(monkeypatch):
    monkeypatch.setenv("MY_SERVICE_TOKEN", "plain-but-secret-value")
    monkeypatch.setenv("PGPASSWORD", "another-pass")
    assert "plain-but-secret-value" not in redact("I used plain-but-secret-value today")
    assert "another-pass" not in redact('{"note": "another-pass"}')
    assert redact("CREATE TABLE users (password_hash text, api_token_id bigint);") == \
        "CREATE TABLE users (password_hash text, api_token_id bigint);"


def test_a_prompt_full_of_secrets_leaves_no_trace_in_store_exports_or_outputs(api_env, isolated):
    from workbench.agent.renderer import ConsoleRenderer
    from workbench.agent.session import Architect
    from workbench.design.aggregate import Design
    from workbench.testing import Reply

    prompt = (f"Our creds: AWS_ACCESS_KEY_ID={AWS_ID} AWS_SECRET_ACCESS_KEY={AWS_SECRET}; the admin API takes "
              f"Authorization: Bearer {BEARER}; the DB is postgresql://app:{PASSWORD}@db.internal/shop.")
    api_env.enqueue(Reply.tool_call("write_file", {"path": "notes.md", "content": f"key {AWS_ID} {AWS_SECRET}"},
                                    text=f"Noted the key {AWS_ID}."),
                    Reply.text(f"Stored. Never put {BEARER} in code."))
    import io

    out = io.StringIO()
    result = Architect("leaky").ask(prompt, renderer=ConsoleRenderer(out))
    design = Design("leaky")
    design.export(isolated / "doc.html", conversation=True)
    design.export(isolated / "doc.md", conversation=True)
    found = []
    for path in [*(isolated / ".workbench").rglob("*"), isolated / "doc.html", isolated / "doc.md",
                 *(isolated / "doc_files").rglob("*")]:
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {s[:8]}…" for s in PLANTED if s.encode() in data]
    found += [f"console: {s[:8]}…" for s in PLANTED if s in out.getvalue()]
    assert found == []
    assert "***" in design.messages()[0]["content"][1]["text"]  # masked, not dropped
    # the answer whose signed thinking repeated the key (it cannot be masked, and must go back with the tool
    # results) was withheld: not stored, its tool call not run, and the next turn goes on
    assert result.status == "withheld" and not (isolated / ".workbench" / "designs" / "leaky" / "notes.md").exists()
    api_env.enqueue(Reply.text("Next answer."))
    assert Architect("leaky").ask("go on").status == "ok" and api_env.refused == []


def test_a_malformed_url_shows_no_password_in_the_notebook(kernel):
    kernel.run("%load_ext workbench")
    for cell in (f"%%lab --db postgresql://u:{PASSWORD}@host:badport/db\nSELECT 1",
                 f"%er postgresql://u:{PASSWORD}@host:badport/db",
                 f"%%lab --db 'postgresql://h/db?password={PASSWORD}'\nSELECT 1"):
        result = kernel.run(cell)
        shown = texts(result) + "".join(result["error"].get("traceback", []) if result["error"] else [])
        assert result["status"] == "error"
        assert PASSWORD not in shown, shown
        assert "Traceback" not in shown or "UnexpectedError" in shown


def test_doctor_and_cli_errors_mask_passwords(isolated):
    env = {**os.environ, "WORKBENCH_PG_URL": f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/test?sslmode=disable",
           "WORKBENCH_MYSQL_URL": f"mysql://root@127.0.0.1:3306/test?password={PASSWORD}"}
    doctor = subprocess.run([sys.executable, "-m", "workbench.cli", "doctor"], capture_output=True, text=True, env=env)
    er = subprocess.run([sys.executable, "-m", "workbench.cli", "er", f"postgresql://u:{PASSWORD}@h:bad/db", "-o",
                         "x.svg"], capture_output=True, text=True)
    assert PASSWORD not in doctor.stdout + doctor.stderr
    assert er.returncode == 2 and PASSWORD not in er.stdout + er.stderr and "Traceback" not in er.stderr


def test_the_bash_tool_sees_no_credentials_not_even_in_its_parents_environment(monkeypatch, isolated):
    from workbench.design.workspace import Workspace

    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    code, output = Workspace(isolated / "ws").run_bash(
        "env; cat /proc/$PPID/environ 2>/dev/null | tr '\\0' '\\n'; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'")
    assert KEY not in output and "ANTHROPIC_API_KEY" not in output


HOSTILE = {"title": "<b>Title</b>", "nodes": [
    {"id": "a", "label": '<<table><tr><td href="javascript:alert(1)">click</td></tr></table>>', "kind": "service"},
    {"id": "b", "label": "<<external>>", "kind": "postgres", "group": "g"},
    {"id": "c", "label": "<b>API</b> <img src=x onerror=alert(1)>", "kind": "service"}],
    "edges": [{"source": "a", "target": "b", "label": "<a href='javascript:x'>go</a>"}],
    "groups": [{"id": "g", "label": "<u>group</u>"}]}


def test_labels_shaped_like_graphviz_html_are_drawn_as_text(isolated):
    from workbench.architecture.spec import Architecture
    from workbench.design.aggregate import Design
    from workbench.notebook.display import clean_bundle

    arch = Architecture.from_dict(HOSTILE)
    svg = arch.render("svg")
    assert not re.search(r"href=\"(?!#|data:image/)|<img\b|<script\b|\son\w+=\"", svg)  # links only to itself
    assert "&lt;&lt;external&gt;&gt;" in svg and "&lt;b&gt;API&lt;/b&gt;" in svg
    bundle = clean_bundle(Design("labels").add_architecture(HOSTILE)._repr_mimebundle_())
    assert not re.search(r"<a\b[^>]*href=\"?javascript|<img\b|\sonerror=", bundle["text/html"])
    for name in ("doc.html", "doc.md"):  # no label can make the export fail
        Design("labels").export(isolated / name)
        assert (isolated / name).stat().st_size > 0


def test_notebook_outputs_pass_the_cleaning(kernel):
    kernel.run("%load_ext workbench")
    spec = "\n".join(["title: '<script>alert(1)</script>'", "nodes:",
                      "  - {id: a, kind: service, label: '<<table><tr><td href=\"javascript:alert(1)\">x</td></tr></table>>'}",
                      "  - {id: b, kind: postgres, label: '<<external>>'}", "edges:", "  - {source: a, target: b}"])
    result = kernel.run(f"%%arch evil\n{spec}")
    assert result["status"] == "ok", texts(result)
    html = texts(result, "text/html")
    assert "javascript:alert" not in html.replace("&quot;javascript:alert", "") or "href=\"javascript" not in html
    assert not re.search(r"<script\b", html) and not re.search(r"href=\"javascript", html)


def test_the_redactor_is_the_only_one():
    """One redaction path: no other module masks secrets on its own."""
    package = Path(__file__).resolve().parents[1] / "workbench"
    others = [p.name for p in package.rglob("*.py") if p.name != "secrets.py" and
              re.search(r"def (redact|mask_url|mask_secret)", p.read_text())]
    assert others == []


def test_a_credential_set_changed_or_removed_between_redactions_is_seen(monkeypatch):
    """redact keeps the environment's credentials between calls (hundreds a turn): a change is still seen."""
    from workbench.secrets import redact

    monkeypatch.setenv("SHOP_API_TOKEN", "first-value-0001")
    assert redact("a first-value-0001 b") == "a *** b"
    monkeypatch.setenv("SHOP_API_TOKEN", "second-value-0002")
    assert redact("first-value-0001 second-value-0002") == "first-value-0001 ***"
    monkeypatch.setenv("BILLING_PASSWORD", "third-value-0003")
    assert redact("third-value-0003") == "***"
    monkeypatch.delenv("BILLING_PASSWORD")
    assert redact("third-value-0003") == "third-value-0003"
