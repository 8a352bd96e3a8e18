"""`workbench doctor` / `%architect doctor`: the scripted model is information, FAIL exits non-zero, lines
break between words, and silent servers cost one timeout at once, not one after another."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from workbench.doctor import CONNECT_SECONDS, Check, checks, report


def doctor(env_changes, **kw):
    env = {**os.environ, **env_changes}
    return subprocess.run([sys.executable, "-m", "workbench.cli", "doctor"], capture_output=True, text=True,
                          env=env, **kw)


def test_without_a_key_the_scripted_model_is_information_not_a_failure(isolated):
    run = doctor({"COLUMNS": "200"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "FAIL" not in run.stdout
    model = next(line for line in run.stdout.splitlines() if " model " in line)
    assert model.lstrip().startswith("--") and "scripted (no ANTHROPIC_API_KEY)" in model
    assert "set ANTHROPIC_API_KEY for the real model" in model


def test_a_fail_line_makes_the_doctor_exit_non_zero(isolated):
    run = doctor({"PATH": str(isolated)})  # no `dot` on this PATH
    assert "FAIL  graphviz dot" in run.stdout
    assert run.returncode == 2 and "1 check failed: graphviz dot" in run.stderr


def test_long_details_break_between_words_at_the_terminal_width(isolated):
    detail = ("postgresql://postgres@db.internal.example:5432/test — not reachable (connection to server at "
              "\"db.internal.example\", port 5432 failed: Connection refused Is the server running on that host?)")
    text = report([Check("python", True, "3.11"), Check("postgres (WORKBENCH_PG_URL)", None, detail)]).text(width=70)
    lines = text.splitlines()
    start = lines[1].index("postgresql://")
    assert all(len(line) <= 70 or " " not in line[start:] for line in lines), text  # or one word, unbroken
    assert " ".join(line[start:] for line in lines[1:]) == detail  # every word whole, in order
    run = doctor({"COLUMNS": "81", "WORKBENCH_PG_URL": "postgresql://postgres@127.0.0.1:1/none"})
    for line in run.stdout.splitlines():
        assert len(line) <= 80 or len(line.split()[-1]) > 20, line  # only a single overlong word may stick out


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never says a word (a firewall that drops, a hung server)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


def test_silent_databases_cost_one_timeout_at_once_not_one_each(isolated, monkeypatch, silent_server):
    monkeypatch.setenv("WORKBENCH_PG_URL", f"postgresql://postgres@127.0.0.1:{silent_server}/test")
    monkeypatch.setenv("WORKBENCH_MYSQL_URL", f"mysql+pymysql://root@127.0.0.1:{silent_server}/test")
    started = time.monotonic()
    results = {c.name: c for c in checks(timeout=1.0)}
    elapsed = time.monotonic() - started
    for name in ("postgres (WORKBENCH_PG_URL)", "mariadb (WORKBENCH_MYSQL_URL)"):
        assert results[name].ok is None and "no answer within 1 s" in results[name].detail
    assert elapsed < CONNECT_SECONDS  # one after another, each driver's own timeout would be 2 × CONNECT_SECONDS


def test_doctor_magic_shows_a_table_and_passes_without_a_key(kernel):
    from .conftest import texts

    kernel.run("%load_ext workbench")
    result = kernel.run("%architect doctor")
    assert result["status"] == "ok", texts(result)
    assert "scripted (no ANTHROPIC_API_KEY)" in texts(result) and "FAIL" not in texts(result)
    assert any("<table class='workbench-doctor'" in o.get("data", {}).get("text/html", "")
               for o in result["outputs"])
