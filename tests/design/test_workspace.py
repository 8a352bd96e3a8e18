import os

import pytest

from workbench.design.workspace import Workspace
from workbench.errors import WorkspaceError


@pytest.fixture
def ws(tmp_path):
    return Workspace(tmp_path / "ws")


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", "a/../../x", "", "nul\x00byte"])
def test_paths_that_escape_are_refused(ws, path):
    with pytest.raises(WorkspaceError):
        ws.write(path, "x")
    with pytest.raises(WorkspaceError):
        ws.read(path)


def test_symlinks_out_of_the_workspace_are_refused(ws, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    os.symlink(secret, ws.root / "link.txt")
    os.symlink(tmp_path, ws.root / "dirlink")
    with pytest.raises(WorkspaceError, match="outside"):
        ws.read("link.txt")
    with pytest.raises(WorkspaceError, match="outside"):
        ws.write("dirlink/new.txt", "x")
    assert not (tmp_path / "new.txt").exists()
    assert "link.txt" not in ws.list()
    assert ws.grep("secret") == []


def test_write_read_edit_list_grep(ws):
    assert ws.write("docs/deploy.md", "# Deploy\nuse blue-green\n").startswith("Created docs/deploy.md")
    assert ws.read("docs/deploy.md") == "# Deploy\nuse blue-green\n"
    assert ws.edit("docs/deploy.md", "blue-green", "canary") == "Edited docs/deploy.md: replaced 10 characters with 6."
    assert "canary" in ws.read("docs/deploy.md")
    ws.write("notes.txt", "canary canary")
    with pytest.raises(WorkspaceError, match="occurs 2 times"):
        ws.edit("notes.txt", "canary", "x")
    with pytest.raises(WorkspaceError, match="not found"):
        ws.edit("notes.txt", "blue", "x")
    assert ws.list("**/*.md") == ["docs/deploy.md"]
    assert ws.grep("canary", "*.md") == ["docs/deploy.md:2: use canary"]
    with pytest.raises(WorkspaceError, match="Invalid regular expression"):
        ws.grep("(")


def test_bash_runs_in_the_workspace_without_secrets(ws, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-should-not-leak")
    code, out = ws.run_bash("pwd; echo ${ANTHROPIC_API_KEY:-none}")
    assert code == 0 and out.split() == [str(ws.root), "none"]
    with pytest.raises(WorkspaceError, match="timed out"):
        ws.run_bash("sleep 5", timeout=0.5)


def test_every_write_into_the_workspace_is_capped_an_adr_too(ws, isolated):
    from workbench.design.aggregate import Design
    from workbench.design.workspace import MAX_WRITE

    with pytest.raises(WorkspaceError, match=f"at most {MAX_WRITE:,} bytes"):
        ws.write("big.md", "é" * (MAX_WRITE // 2 + 1))  # bytes count, not characters
    design = Design("capped")
    with pytest.raises(WorkspaceError, match="Split the content"):
        design.record_decision("Huge", "c", "d" * (MAX_WRITE + 1), "e")
    assert design.decisions() == [] and not list(design.workspace.rglob("*.md"))  # nothing half-recorded


@pytest.mark.parametrize("path, says", [("a" * 5_000_000, "too long: 5,000,000 bytes"),
                                        ("x/" + "n" * 256, "256 bytes, at most 255"),
                                        ("tab\there", "control character '\\t'")])
def test_a_path_no_file_system_holds_is_a_clear_error_not_an_os_error(ws, path, says):
    for call in (lambda: ws.write(path, "x"), lambda: ws.read(path), lambda: ws.edit(path, "a", "b"),
                 lambda: ws.list(path), lambda: ws.grep("x", path)):
        with pytest.raises(WorkspaceError) as info:
            call()
        assert says in str(info.value) and len(str(info.value)) < 300
