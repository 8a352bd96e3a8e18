import pytest

from workbench.agent.registry import BASH, DESIGN, FILES, Tool, ToolContext, ToolRegistry, ToolResult
from workbench.agent.validation import errors
from workbench.errors import SchemaError, ToolInputError

SCHEMA = {"type": "object", "properties": {
    "ddl": {"type": "string", "minLength": 1},
    "dialect": {"type": "string", "enum": ["postgres", "sqlite", "mysql"]},
    "rows": {"type": "integer", "minimum": 1},
    "variants": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}},
                                             "required": ["name"]}},
}, "required": ["ddl", "dialect"], "additionalProperties": False}


def echo(ctx, **kw):
    return kw


@pytest.mark.parametrize("data, problem", [
    ({"dialect": "postgres"}, "(input): missing required property 'ddl'"),
    ({"ddl": 3, "dialect": "postgres"}, "ddl: expected string, got number"),
    ({"ddl": "x", "dialect": "oracle"}, "dialect: 'oracle' is not one of"),
    ({"ddl": "x", "dialect": "sqlite", "rows": 0}, "rows: 0 is less than the minimum 1"),
    ({"ddl": "x", "dialect": "sqlite", "rows": 2.5}, "rows: expected integer"),
    ({"ddl": "x", "dialect": "sqlite", "extra": 1}, "unexpected property 'extra'"),
    ({"ddl": "x", "dialect": "sqlite", "variants": [{"nom": "a"}]}, "variants/0: missing required property 'name'"),
    ({"ddl": "", "dialect": "sqlite"}, "ddl: shorter than 1 characters"),
])
def test_bad_input_is_an_error_result_with_the_path(data, problem):
    tool = Tool("t", "d", SCHEMA, echo)
    result = tool.run(ToolContext(), data)
    assert result.is_error
    assert problem in result.text
    assert result.text.startswith("t: invalid input")


def test_valid_input_reaches_the_function():
    tool = Tool("t", "d", SCHEMA, echo)
    result = tool.run(ToolContext(), {"ddl": "CREATE TABLE a (id int)", "dialect": "sqlite", "rows": 10})
    assert not result.is_error
    assert '"rows": 10' in result.text


def test_a_tool_that_raises_becomes_an_error_result():
    def broken(ctx, **kw):
        raise KeyError("missing")

    def refused(ctx, **kw):
        raise SchemaError("Table x has no columns.", hint="Add a column.")

    assert ToolRegistry([Tool("b", "d", {"type": "object"}, broken)]).dispatch(ToolContext(), "b", {}).text.startswith(
        "b failed: KeyError: 'missing'")
    result = Tool("r", "d", {"type": "object"}, refused).run(ToolContext(), {})
    assert result.is_error and result.text == "Table x has no columns.\nAdd a column."


def test_unknown_tool_lists_the_known_ones():
    registry = ToolRegistry([Tool("alpha", "d", {"type": "object"}, echo)])
    result = registry.dispatch(ToolContext(), "beta", {})
    assert result.is_error and "alpha" in result.text


def test_non_object_input_is_refused():
    with pytest.raises(ToolInputError):
        Tool("t", "d", SCHEMA, echo).validate(["not", "an", "object"])


def test_richer_schemas_fall_back_to_the_full_validator():
    schema = {"type": "object", "properties": {"n": {"type": "integer", "multipleOf": 5}}}
    tool = Tool("t", "d", schema, echo)
    assert tool.run(ToolContext(), {"n": 7}).is_error
    assert not tool.run(ToolContext(), {"n": 10}).is_error


def test_selection_follows_the_agent_tools_disallowed_tools_and_mcp_names():
    registry = ToolRegistry([
        Tool("propose_schema", "d", {"type": "object"}, echo, DESIGN),
        Tool("lint", "d", {"type": "object"}, echo, DESIGN),
        Tool("read_file", "d", {"type": "object"}, echo, FILES),
        Tool("write_file", "d", {"type": "object"}, echo, FILES),
        Tool("grep", "d", {"type": "object"}, echo, FILES),
        Tool("bash", "d", {"type": "object"}, echo, BASH),
        Tool("mine", "d", {"type": "object"}, echo),
    ])
    names = lambda tools: sorted(t.name for t in tools)  # noqa: E731
    assert names(registry.select(("Read",))) == ["lint", "mine", "propose_schema", "read_file"]
    # bash is in the frame whenever the agent may have it (it refuses until --bash); the MCP server leaves it out
    assert "bash" in names(registry.select(("Read", "Bash")))
    assert "bash" not in names(registry.select(("Read", "Bash"), bash_enabled=False))
    assert "bash" not in names(registry.select(("Read",)))
    assert names(registry.select(None)) == ["bash", "grep", "lint", "mine", "propose_schema", "read_file", "write_file"]
    assert names(registry.select(())) == []  # tools: [] means no tools at all
    assert names(registry.select(None, disallowed=("Write", "Bash", "mcp__workbench__lint"))) == [
        "grep", "mine", "propose_schema", "read_file"]
    assert names(registry.select(("Read", "mcp__workbench__lint"), design_tools=("lint",))) == ["lint", "read_file"]


def test_results_are_clipped_and_secrets_redacted(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret-abcdefgh")
    block = ToolResult("key sk-ant-secret-abcdefgh and url postgresql://u:pw@h/db " + "x" * 20_000).as_block("id1")
    assert "sk-ant-secret-abcdefgh" not in block["content"]
    assert "u:***@h" in block["content"]
    assert "truncated" in block["content"]
    assert block["tool_use_id"] == "id1" and "is_error" not in block


def test_decorator_registration():
    registry = ToolRegistry()

    @registry.register("count_words", "Count words.", {"type": "object", "properties": {"text": {"type": "string"}},
                                                        "required": ["text"]})
    def count_words(ctx, text):
        return len(text.split())

    assert registry.dispatch(ToolContext(), "count_words", {"text": "a b c"}).text == "3"


def test_validator_accepts_anyof_and_nullable_types():
    schema = {"anyOf": [{"type": "string"}, {"type": "object"}]}
    assert errors(schema, "yaml text") == []
    assert errors(schema, {"title": "x"}) == []
    assert errors(schema, 5)
    assert errors({"type": ["string", "null"]}, None) == []


def test_no_tool_on_an_empty_design_answers_with_no_a_or_no_an(isolated):
    """Messages that say something is missing put the noun after "no" bare ("has no schema"), for every tool."""
    import re

    from workbench.agent.tools import builtin_registry
    from workbench.design.aggregate import Design

    ctx = ToolContext(design=Design("empty"))
    answers = {}
    for tool in builtin_registry().select(None, bash_enabled=False):
        for target in (["schema", "architecture", "consistency"] if tool.name == "lint" else [None]):
            data = {"target": target} if target else {}
            answers[f"{tool.name} {data}"] = tool.run(ctx, data).text
    assert answers["lint {'target': 'schema'}"].startswith("The design has no schema to review.")
    assert answers["lint {'target': 'architecture'}"].startswith("The design has no architecture to review.")
    bad = {call: text for call, text in answers.items() if re.search(r"\bno an? \b", text)}
    assert bad == {}
