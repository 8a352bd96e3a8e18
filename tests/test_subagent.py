from pathlib import Path

import pytest

from workbench.errors import AgentDefinitionError
from workbench.subagent import AgentDefinition, available_agents, load_agent, search_path

from .conftest import PROJECT, SHARED

SEED = SHARED / "seeds" / "backend-architect.md"


def test_default_agent_is_the_users_file_unchanged():
    if not SEED.exists():
        pytest.skip(f"{SEED.parent} is not present")
    assert (PROJECT / "prompts" / "backend-architect.md").read_bytes() == SEED.read_bytes()


def test_loads_front_matter_and_body():
    agent = load_agent()
    assert agent.name == "backend-architect"
    assert agent.model == "sonnet"
    assert agent.tools == ("Write", "Edit", "MultiEdit", "Read", "Bash", "Grep", "Glob")
    assert agent.description.startswith("Backend architecture specialist")
    assert agent.system_prompt.startswith("You are a backend architecture specialist")
    assert "## Delivery Standards" in agent.system_prompt
    assert not agent.system_prompt.startswith("---")


def test_comma_separated_tools_as_claude_code_writes_them(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("---\nname: a\ndescription: d\ntools: Read, Grep,Glob\n---\nPrompt.\n")
    assert AgentDefinition.from_file(path).tools == ("Read", "Grep", "Glob")


@pytest.mark.parametrize("text, expected", [
    ("no front matter\n", "no YAML front matter"),
    ("---\nname: a\ndescription: d\n", "front matter is not closed"),
    ("---\nname: [a\ndescription: d\n---\nbody\n", "not valid YAML (line 3)"),
    ("---\ndescription: d\n---\nbody\n", "field `name` is missing"),
    ("---\nname: a\n---\nbody\n", "field `description` is missing"),
    ("---\nname: 3\ndescription: d\n---\nbody\n", "field `name` must be a non-empty string"),
    ("---\nname: a\ndescription: d\ntools: 5\n---\nbody\n", "field `tools` must be a list"),
    ("---\nname: a\ndescription: d\ntools: [Read, 7]\n---\nbody\n", "field `tools` has an entry"),
    ("---\nname: a\ndescription: d\n---\n\n", "system prompt"),
    ("---\n- a\n- b\n---\nbody\n", "must be a mapping"),
])
def test_malformed_files_name_the_file_and_the_field(tmp_path, text, expected):
    path = tmp_path / "broken-agent.md"
    path.write_text(text)
    with pytest.raises(AgentDefinitionError) as info:
        AgentDefinition.from_file(path)
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_search_order_prompts_then_claude_agents_then_env_path(tmp_path, monkeypatch):
    (tmp_path / ".claude" / "agents").mkdir(parents=True)
    (tmp_path / ".claude" / "agents" / "dba.md").write_text("---\nname: dba\ndescription: x\n---\nYou are a DBA.\n")
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "sre.md").write_text("---\nname: sre\ndescription: x\nmodel: haiku\n---\nYou are an SRE.\n")
    # a local override of the default agent wins over the project's copy
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "backend-architect.md").write_text(
        "---\nname: backend-architect\ndescription: mine\n---\nMy own architect.\n")
    monkeypatch.setenv("WORKBENCH_AGENTS_PATH", str(extra))
    assert search_path()[:3] == [(tmp_path / "prompts").resolve(), (tmp_path / ".claude" / "agents").resolve(),
                                 extra.resolve()]
    agents = available_agents()
    assert {"dba", "sre", "backend-architect"} <= set(agents)
    assert load_agent("dba").system_prompt == "You are a DBA."
    assert load_agent("sre").model == "haiku"
    assert load_agent().description == "mine"


def test_unknown_agent_lists_the_known_ones():
    with pytest.raises(AgentDefinitionError) as info:
        load_agent("nobody")
    assert "backend-architect" in str(info.value)
    assert "prompts" in str(info.value)


def test_agent_from_an_explicit_file(tmp_path):
    path = Path(tmp_path / "x.md")
    path.write_text("---\nname: x\ndescription: d\n---\nBody.\n")
    assert load_agent(str(path)).name == "x"
