"""Synthetic designs for scale tests and benchmarks: schemas of N tables, architecture specs, whole designs.

Deterministic for a given seed. Schema tables are grouped by name prefix (billing_, catalog_, …)
as real large schemas are, each with an id, a few typed columns, and foreign keys to earlier
tables (mostly within the module, some across).
"""

from __future__ import annotations

import random

MODULES = ["billing", "catalog", "crm", "inventory", "shipping", "auth", "analytics", "support", "hr", "finance",
           "marketing", "content", "search", "payments", "orders", "reviews", "notify", "audit", "media", "geo"]
NOUNS = ["account", "item", "event", "record", "entry", "batch", "rule", "task", "note", "link", "group", "plan",
         "price", "tag", "slot", "zone", "rate", "step", "file", "log", "job", "hold", "lock", "unit", "line"]


def synthetic_ddl(tables: int = 1000, fk_per_table: float = 1.5, seed: int = 7) -> str:
    rng = random.Random(seed)
    names: list[str] = []
    out: list[str] = []
    fks: list[str] = []
    for i in range(tables):
        module = MODULES[i % len(MODULES)]
        name = f"{module}_{NOUNS[(i // len(MODULES)) % len(NOUNS)]}_{i}"
        columns = ["  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                   "  name varchar(120) NOT NULL",
                   "  status varchar(20) NOT NULL DEFAULT 'active'",
                   "  amount numeric(12,2)",
                   "  created_at timestamptz NOT NULL DEFAULT now()"]
        indexes: list[str] = []
        if names:
            wanted = int(fk_per_table) + (1 if rng.random() < fk_per_table - int(fk_per_table) else 0)
            same = [n for n in names if n.startswith(module + "_")]
            for k in range(wanted):
                pool = same if same and rng.random() < 0.8 else names
                target = rng.choice(pool)
                column = f"{target.rsplit('_', 1)[0].split('_', 1)[1]}_{k}_id"
                columns.append(f"  {column} bigint{' NOT NULL' if rng.random() < 0.6 else ''}")
                fks.append(f"ALTER TABLE {name} ADD CONSTRAINT fk_{i}_{k} FOREIGN KEY ({column}) REFERENCES {target} (id);")
                if rng.random() < 0.7:
                    indexes.append(f"CREATE INDEX ix_{i}_{k} ON {name} ({column});")
        out.append(f"CREATE TABLE {name} (\n" + ",\n".join(columns) + "\n);")
        out.extend(indexes)
        names.append(name)
    return "\n".join(out + fks) + "\n"


ARCH_KINDS = ["service", "worker", "postgres", "redis", "kafka", "api-gateway", "prometheus", "object-storage",
              "elasticsearch", "rabbitmq", "load-balancer", "function"]


def synthetic_spec(nodes: int, edges: int, kinds: list[str] | None = None, seed: int = 3) -> dict:
    """An architecture spec with `nodes` nodes in 8 groups and `edges` random sync/async edges."""
    kinds = kinds or ARCH_KINDS
    rng = random.Random(seed)
    groups = [{"id": f"g{i}", "label": f"Domain {i}"} for i in range(8)]
    node_list = [{"id": f"n{i}", "label": f"Component {i}", "kind": kinds[i % len(kinds)], "group": f"g{i % 8}",
                  "replicas": 1 + i % 3} for i in range(nodes)]
    edge_list = []
    for _ in range(edges):
        a, b = rng.sample(range(nodes), 2)
        edge_list.append({"source": f"n{a}", "target": f"n{b}", "mode": rng.choice(["sync", "async"]),
                          "label": rng.choice(["", "REST", "gRPC", "events"])})
    return {"title": "Benchmark", "nodes": node_list, "edges": edge_list, "groups": groups}


def sample_design(design, *, tables: int = 100, architectures: int = 3, nodes: int = 30, decisions: int = 5):
    """Fill `design` with a schema of `tables` tables (two versions), `architectures` diagrams of `nodes` nodes,
    an API contract and `decisions` ADRs: the shape of a real design document, at a chosen size."""
    from ..architecture.spec import Architecture
    from ..schema.model import Schema

    ddl = synthetic_ddl(tables)
    design.requirements = f"A synthetic platform with {tables} tables and {architectures} architecture views."
    design.save_schema(Schema.from_ddl(ddl, "postgres"), rationale="First version.")
    design.save_schema(Schema.from_ddl(ddl.replace("status varchar(20)", "status varchar(32)", 5), "postgres"))
    for i in range(architectures):
        design.save_architecture(Architecture.from_dict(synthetic_spec(nodes, nodes + nodes // 2, seed=i)), f"view-{i}")
    paths = "\n".join(f"  /items{i}:\n    get:\n      summary: List items {i}\n      responses:\n"
                      f"        '200': {{description: ok}}" for i in range(20))
    design.define_api(f"openapi: 3.1.0\ninfo: {{title: Platform, version: '1'}}\npaths:\n{paths}\n")
    for i in range(decisions):
        design.record_decision(f"Decision {i}", "Context " * 20, "Decision " * 20, "Consequences " * 20)
    return design


if __name__ == "__main__":
    import sys

    print(synthetic_ddl(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
