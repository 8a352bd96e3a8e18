"""The readiness scorecard: the agent definition's Delivery Standards checked against a design's artifacts."""

from workbench.architecture.spec import Architecture
from workbench.design.aggregate import Design
from workbench.design.scorecard import CLAIMED, COVERED, MISSING, PARTIAL, Scorecard, parse_standards
from workbench.schema import Schema

from ..conftest import PROJECT

ARCH = """
title: Shop
nodes:
  - {id: web, kind: client}
  - {id: gw, kind: api-gateway, replicas: 2}
  - {id: shop, kind: service, replicas: 3}
  - {id: db, kind: postgres, replicas: 2}
  - {id: prom, kind: prometheus}
  - {id: logs, kind: loki}
edges:
  - {source: web, target: gw}
  - {source: gw, target: shop}
  - {source: shop, target: db}
"""
API = """openapi: 3.1.0
info: {title: Shop, version: "1"}
components: {securitySchemes: {bearer: {type: http, scheme: bearer}}}
security: [{bearer: []}]
paths:
  /orders:
    post:
      summary: Place an order
      requestBody: {content: {application/json: {schema: {type: object, properties: {qty: {type: integer, maximum: 9}}}}}}
      responses: {"201": {description: created}, "403": {description: not yours}}
  /healthz:
    get: {summary: Health, security: [], responses: {"200": {description: ok}}}
"""


def statuses(card: Scorecard) -> dict[str, str]:
    return {c.item: c.status for r in card.results for c in r.checks}


def test_the_standards_come_from_the_agent_definition():
    standards = parse_standards((PROJECT / "prompts" / "backend-architect.md").read_text())
    assert [s.name for s in standards] == ["Documentation", "Security", "Monitoring", "Testing", "Performance",
                                           "Deployment"]
    assert standards[0].items == ["Architecture diagrams", "API documentation", "Deployment guides"]
    assert standards[1].items == ["Authentication", "Authorization", "Input validation", "Encryption"]
    assert parse_standards("# An agent\nNo standards here.") == []


def test_an_empty_design_misses_everything_and_says_what_to_add():
    card = Design("empty").scorecard()
    assert card.summary() == ("Readiness: 0/6 standards fully covered, 0/20 items covered by artifacts; 0 partial, "
                              "0 only claimed in words, 20 missing")
    assert set(statuses(card).values()) == {MISSING}
    todo = {c.item: c.missing for r in card.results for c in r.checks}
    assert "define_api" in todo["API documentation"] and "draw_architecture" in todo["Architecture diagrams"]


def test_artifacts_cover_the_items_they_show():
    design = Design("shop")
    design.save_architecture(Architecture.from_yaml(ARCH))
    design.save_schema(Schema.from_ddl("CREATE TABLE t (id int PRIMARY KEY, q int CHECK (q > 0));", "postgres"))
    design.define_api(API)
    design.record_decision("TLS everywhere", "Public clients", "TLS 1.3 at the gateway, encryption at rest with "
                           "KMS", "Certificates to rotate")
    (design.workspace / ".github" / "workflows").mkdir(parents=True)
    (design.workspace / ".github" / "workflows" / "ci.yml").write_text("on: push\n")
    (design.workspace / "deploy.md").write_text("# Deploy\nRoll back by redeploying the previous image.\n")
    card = design.scorecard()
    got = statuses(card)
    assert got["Architecture diagrams"] == COVERED and got["API documentation"] == COVERED
    assert got["Deployment guides"] == COVERED  # deploy.md is a deployment guide
    assert got["Rollback procedures"] == CLAIMED  # words in deploy.md: said, not shown
    assert got["Authentication"] == COVERED and got["Authorization"] == COVERED  # scopes/403 on secured endpoints
    assert got["Input validation"] == COVERED and got["Encryption"] == COVERED
    assert got["Logging"] == COVERED and got["Metrics"] == COVERED and got["Health checks"] == COVERED
    assert got["CI/CD pipelines"] == COVERED and got["Scaling strategy"] == COVERED
    assert got["Benchmarking"] == MISSING and got["Unit tests"] == MISSING
    assert got["Infrastructure as code"] == MISSING
    evidence = {c.item: c.evidence for r in card.results for c in r.checks}
    assert evidence["Health checks"] == ["API main v1: GET /healthz"]
    assert evidence["CI/CD pipelines"] == [".github/workflows/ci.yml"]
    assert evidence["Logging"] == ["architecture main v1: logs"]
    assert {r.standard.name: r.status for r in card.results}["Documentation"] == COVERED
    assert {r.standard.name: r.status for r in card.results}["Testing"] == MISSING
    assert "| Monitoring | Health checks | ✓\u00a0covered | API main v1: GET /healthz |  |" in card.markdown()


def test_an_experiment_counts_as_benchmarking_and_a_faster_variant_as_optimisation():
    from workbench.lab.lab import Lab

    design = Design("perf")
    schema = Schema.from_ddl("CREATE TABLE a (id int PRIMARY KEY, k int NOT NULL);", "postgres")
    design.save_schema(schema)
    with Lab() as lab:
        lab.load(schema)
        comparison = lab.compare([{"name": "by k", "sql": "SELECT * FROM a WHERE k = :k"}],
                                 [{"name": "k index", "ddl": "CREATE INDEX a_k ON a (k)"}], rows=20_000, repeat=5,
                                 progress=False)
    design.add_version("experiment", "k index", {"input": {}, **comparison.to_dict()})
    got = statuses(design.scorecard())
    assert got["Benchmarking"] == COVERED and got["Optimization"] == COVERED
    assert got["Load tests"] == PARTIAL  # an experiment is evidence, not a load test


def test_a_custom_agent_brings_its_own_standards(tmp_path, monkeypatch):
    agents = tmp_path / "agents"
    agents.mkdir()
    (agents / "data-architect.md").write_text(
        "---\nname: data-architect\ndescription: data models\n---\nYou design data.\n\n## Delivery Standards\n\n"
        "1. **Data**: Retention policy, data dictionary\n2. **Documentation**: Architecture diagrams\n")
    monkeypatch.setenv("WORKBENCH_AGENTS_PATH", str(agents))
    design = Design("custom")
    design.store.update_design(design.id, agent="data-architect")
    design.requirements = "Keep raw events for 30 days: the retention policy is in the contract."
    card = design.scorecard()
    assert card.source == "data-architect"
    assert [r.standard.name for r in card.results] == ["Data", "Documentation"]
    got = statuses(card)
    assert got == {"Retention policy": CLAIMED, "Data dictionary": MISSING, "Architecture diagrams": MISSING}
    design.record_decision("Retention policy", "Raw events pile up.", "Keep raw events for 30 days.", "A nightly job.")
    assert statuses(design.scorecard())["Retention policy"] == COVERED  # a decision records it


def test_load_tests_are_covered_by_a_load_run_and_only_claimed_by_words():
    """The tour's old scorecard: "Load tests ✓ covered · deploy.md" for a file that says "load test". Now words make an
    item claimed (never covered), and only a load run that committed work without errors covers load tests."""
    design = Design("evidence")
    design.save_schema(Schema.from_ddl("CREATE TABLE seats (id int PRIMARY KEY, sold int NOT NULL DEFAULT 0);",
                                       "sqlite"))
    (design.workspace / "deploy.md").write_text("# Deploy\nWe load test before each release; unit tests in CI.\n")
    design.requirements = "A benchmark of the seat query shows it under 5 ms."
    card = design.scorecard()
    got = statuses(card)
    assert got["Load tests"] == CLAIMED and got["Unit tests"] == CLAIMED and got["Benchmarking"] == CLAIMED
    evidence = {c.item: c.evidence for r in card.results for c in r.checks}
    assert evidence["Load tests"] == ["deploy.md"] and evidence["Benchmarking"] == ["requirements"]
    assert "3 only claimed in words" in card.summary() and "◌\u00a0claimed" in card.markdown()
    failing = design.run_load({"transactions": [{"name": "bad", "sql": "UPDATE nowhere SET x = 1"}]}, clients=2,
                              count=20, name="broken")
    assert failing.result.committed == 0
    assert statuses(design.scorecard())["Load tests"] == PARTIAL  # a load that failed is not a load test passed
    design.run_load({"transactions": [{"name": "sell", "sql": "UPDATE seats SET sold = sold + 1 WHERE id = :id"}],
                     "params": {"id": {"range": [1, 100]}}}, clients=2, count=50, name="sell")
    card = design.scorecard()
    assert statuses(card)["Load tests"] == COVERED
    assert any(e.startswith("load sell v1: 2 clients, 50 committed")
               for r in card.results for c in r.checks if c.item == "Load tests" for e in c.evidence)


def test_a_capacity_plan_from_stated_volumes_shows_a_scaling_strategy():
    design = Design("grow")
    design.save_schema(Schema.from_ddl("CREATE TABLE events (id bigint PRIMARY KEY, body text NOT NULL);",
                                       "postgres"))
    assert statuses(design.scorecard())["Scaling strategy"] == MISSING
    design.record_requirement("A thousand events a year", "volume", value=1_000, table="events", years=5)
    design.capacity(rows=2_000)
    assert statuses(design.scorecard())["Scaling strategy"] == PARTIAL  # projected, nothing needs partitioning
    design.record_requirement("Two billion events a year", "volume", value=2e9, table="events", years=5)
    design.capacity(rows=2_000)
    card = design.scorecard()
    scaling = next(c for r in card.results for c in r.checks if c.item == "Scaling strategy")
    assert scaling.status == COVERED
    assert scaling.evidence[0].startswith("capacity sandbox v2: tables projected over 5 years; partition events in "
                                          "year")
