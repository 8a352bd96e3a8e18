"""Decisions and API contracts: stored as numbered versions, validated, reachable through the agent's tools."""

import json

import pytest

from workbench.agent.session import Architect
from workbench.design.aggregate import Design
from workbench.design.api import ApiContract, ApiSpecError
from workbench.errors import DesignError
from workbench.testing import Reply

API = """openapi: 3.1.0
info: {title: Links, version: "1.0"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-API-Key}
security:
  - key: []
paths:
  /links:
    post:
      summary: Shorten a URL
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {url: {type: string, maxLength: 2048}}}
      responses:
        "201": {description: Created}
  /{code}:
    get:
      security: []
      parameters:
        - {name: code, in: path, required: true, schema: {type: string}}
      responses:
        "301": {description: Redirect}
"""


def test_decisions_are_numbered_and_written_to_the_workspace():
    design = Design("adr")
    first = design.record_decision("Use PostgreSQL", "ACID needed", "PostgreSQL 16", "One primary to run")
    second = design.record_decision("Cache redirects", "Hot codes", "Redis, TTL one day", "Stale for a day",
                                    status="proposed")
    assert (first.key, second.key, second.status) == ("ADR-0001", "ADR-0002", "proposed")
    text = (design.workspace / first.filename).read_text()
    assert text.startswith("# ADR-0001: Use PostgreSQL") and "## Consequences\n\nOne primary to run" in text
    third = design.record_decision("Use CockroachDB", "Multi-region", "CockroachDB", "New skills", supersedes=1)
    by_key = {d.key: d for d in design.decisions()}
    assert by_key["ADR-0001"].status == "superseded" and third.supersedes == 1
    assert "*Supersedes:* ADR-0001" in (design.workspace / third.filename).read_text()
    assert [v["version"] for v in design.versions("decision", "ADR-0001")] == [1, 2]  # the old status is kept


def test_decision_input_errors_say_what_to_fix():
    design = Design("adr")
    with pytest.raises(DesignError, match="needs a context"):
        design.record_decision("Title", " ", "d", "c")
    with pytest.raises(DesignError, match="Unknown decision status 'maybe'"):
        design.record_decision("Title", "x", "d", "c", status="maybe")
    with pytest.raises(DesignError, match="ADR-0007 does not exist"):
        design.record_decision("Title", "x", "d", "c", supersedes=7)
    assert design.decisions() == []


def test_an_openapi_contract_lists_its_endpoints():
    contract = ApiContract.from_text(API)
    rows = contract.table_rows()
    assert rows == [["POST", "/links", "Shorten a URL", "application/json", "201", "yes"],
                    ["GET", "/{code}", "", "", "301", "no"]]
    assert contract.security_schemes == ["key (apiKey)"]
    assert contract.summary() == "Links 1.0: 2 endpoints (1 documented, 1 secured), 0 schemas"
    assert "<td>/links</td>" in contract._repr_html_()
    as_json = ApiContract.from_text(json.dumps(contract.document))  # JSON text works as well
    assert as_json.table_rows() == rows


def test_invalid_contracts_are_reported_with_path_and_line():
    broken = API.replace('"301": {description: Redirect}', '"301": {}').replace("summary: Shorten a URL",
                                                                                "summary: 42")
    with pytest.raises(ApiSpecError) as info:
        ApiContract.from_text(broken)
    message = str(info.value)
    assert "$.paths.['/links']" not in message  # paths read naturally
    assert "$.paths['/links'].post.summary (line 11): 42 is not of type 'string'" in message
    assert "$.paths['/{code}'].get.responses['301'] (line 24): 'description' is a required property" in message
    with pytest.raises(ApiSpecError, match="Swagger 2.0; convert it to OpenAPI 3"):
        ApiContract.from_text("swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}")
    with pytest.raises(ApiSpecError, match="line 2, column"):
        ApiContract.from_text("openapi: 3.1.0\ninfo: [unclosed")


def _results(fake):
    return [r["messages"][-1]["content"] for r in fake.message_requests[1:]]


def test_record_decision_and_define_api_through_the_agent(api_env):
    api_env.enqueue(
        Reply.tool_call("define_api", {"openapi": API.replace("openapi: 3.1.0", "openapi: 3.1.0\nbogus: 1")}),
        Reply.tool_call("define_api", {"openapi": API}),
        Reply.tool_call("record_decision", {"title": "API keys for the management API", "context": "Few clients",
                                            "decision": "Per-user API keys", "consequences": "Keys must rotate"}),
        Reply.tool_call("record_decision", {"title": "x", "context": "c", "decision": "d"}),
        Reply.text("Done."))
    Architect("links").ask("define the api")
    out = _results(api_env)
    assert out[0][0]["is_error"] is True and "bogus" in out[0][0]["content"] and "(line 2)" in out[0][0]["content"]
    assert out[1][0].get("is_error") is None
    assert out[1][0]["content"].startswith("Stored as version 1 of API 'main'.\nLinks 1.0: 2 endpoints")
    assert "- GET /{code}: responses 301; not secured" in out[1][0]["content"]
    assert out[2][0]["content"].startswith("Recorded ADR-0001 (accepted): API keys for the management API")
    assert out[3][0]["is_error"] is True and "consequences" in out[3][0]["content"]  # schema validation
    design = Design("links")
    assert design.api().title == "Links 1.0" and [d.key for d in design.decisions()] == ["ADR-0001"]
    assert [v["version"] for v in design.versions("api")] == [1]  # the invalid one was not stored
