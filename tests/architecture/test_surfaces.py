"""The architecture through the draw_architecture tool, %%arch, and the CLI."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from workbench.agent.session import Architect
from workbench.design.aggregate import Design
from workbench.testing import Reply

from ..conftest import texts

HERE = Path(__file__).parent
REFERENCE = yaml.safe_load((HERE / "specs" / "reference.yaml").read_text())


def test_draw_architecture_stores_versions_and_returns_findings(api_env):
    planted = yaml.safe_load((HERE / "specs" / "planted.yaml").read_text())
    second = {**REFERENCE, "nodes": REFERENCE["nodes"] + [{"id": "search", "kind": "elasticsearch"}]}
    api_env.enqueue(Reply.tool_call("draw_architecture", {"spec": planted, "name": "orders"}),
                    Reply.tool_call("draw_architecture", {"spec": REFERENCE, "name": "orders"}),
                    Reply.tool_call("draw_architecture", {"spec": yaml.safe_dump(second), "name": "orders"}),
                    Reply.text("done"))
    Architect("shop").ask("draw it")
    results = [r["messages"][-1]["content"][0] for r in api_env.message_requests[1:]]
    assert "Stored as version 1 of architecture 'orders'" in results[0]["content"]
    assert "Lint: 2 errors, 6 warnings, 0 notes." in results[0]["content"]
    assert "- error AR003 synchronous-cycle [inventory, shipping, orders, payments]" in results[0]["content"]
    assert "Lint: no findings." in results[1]["content"]
    assert "Changes since the previous version: + node users;" in results[1]["content"]
    assert "+ node search" in results[2]["content"]  # a YAML string is accepted too
    design = Design("shop")
    assert [v["version"] for v in design.versions("architecture", "orders")] == [1, 2, 3]
    assert design.architecture("orders").spec.nodes[-1].id == "search"


def test_invalid_spec_is_an_error_result_with_every_problem(api_env):
    api_env.enqueue(Reply.tool_call("draw_architecture", {"spec": {
        "nodes": [{"id": "a", "kind": "servise"}], "edges": [{"source": "a", "target": "b"}]}}),
        Reply.text("fixing"))
    Architect("d").ask("draw")
    result = api_env.message_requests[1]["messages"][-1]["content"][0]
    assert result["is_error"] is True
    assert "Invalid architecture spec (2 problems)" in result["content"]
    assert "unknown kind 'servise' for node 'a'; closest known kinds: service" in result["content"]
    assert "edges[0].target: no node 'b'" in result["content"]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True)


def test_cli_arch_and_lint(tmp_path):
    reference, planted = HERE / "specs" / "reference.yaml", HERE / "specs" / "planted.yaml"
    out = run_cli("arch", str(reference), "-o", str(tmp_path / "a.svg"))
    assert out.returncode == 0 and "lint: no findings" in out.stdout
    assert (tmp_path / "a.svg").read_text().startswith("<svg")
    assert run_cli("arch", str(reference), "-o", str(tmp_path / "a.png")).returncode == 0
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
    assert "with Diagram('URL shortener'" in run_cli("arch", str(reference), "--python").stdout
    assert run_cli("lint", "--arch", str(reference)).returncode == 0
    bad = run_cli("lint", "--arch", str(planted), "--format", "json")
    assert bad.returncode == 1 and '"rule": "AR003"' in bad.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text("nodes:\n  - {id: a, kind: nope}\n")
    result = run_cli("arch", str(broken), "-o", str(tmp_path / "b.svg"))
    assert result.returncode == 2 and "unknown kind 'nope'" in result.stderr


@pytest.mark.kernel
def test_arch_magic(kernel):
    kernel.run("%load_ext workbench")
    result = kernel.run("%%arch shortener\n" + (HERE / "specs" / "reference.yaml").read_text())
    assert result["status"] == "ok", texts(result)
    html = texts(result, "text/html")
    assert "Architecture main v1" not in html and "Architecture shortener v1" in html and "<svg" in html
    assert "No lint findings." in html
    assert texts(kernel.run("print(shortener.summary())")).startswith("10 nodes")
    bad = kernel.run("%%arch\nnodes:\n  - {id: a, kind: servise}\n")
    assert bad["status"] == "error" and bad["error"]["ename"] == "ArchitectureSpecError"
    assert "closest known kinds: service" in bad["error"]["evalue"]
