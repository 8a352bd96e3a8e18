"""A synthetic schema for scale benchmarks: N tables in modules, about 1.5 foreign keys per table.

Deterministic for a given seed. Tables are grouped by name prefix (billing_, catalog_, …) as
real large schemas are, each with an id, a few typed columns, and foreign keys to earlier
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


if __name__ == "__main__":
    import sys

    print(synthetic_ddl(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
