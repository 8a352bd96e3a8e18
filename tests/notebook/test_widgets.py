"""The design explorer and the experiment panel, in a real kernel: they show the design's artifacts,
and where the designer left them survives a new widget (re-run cell, reopened notebook, new kernel)."""

import json

import pytest

from ..conftest import texts

pytestmark = pytest.mark.kernel

SETUP = '''%load_ext workbench
%design use w
'''
SCHEMA = '''%%schema main
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
  total numeric(10,2) NOT NULL);
CREATE TABLE lines (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders(id), qty int NOT NULL);
'''
ARCH = '''%%arch
title: W
nodes:
  - {id: web, kind: client}
  - {id: api, kind: service}
edges:
  - {source: web, target: api}
'''


def run_ok(kernel, code):
    result = kernel.run(code)
    assert result["status"] == "ok", texts(result)
    return result


def test_the_explorer_shows_the_design_and_remembers_where_it_was_left(start_kernel):
    kernel = start_kernel()
    run_ok(kernel, SETUP)
    run_ok(kernel, SCHEMA)
    run_ok(kernel, SCHEMA.replace("qty int NOT NULL", "qty int NOT NULL CHECK (qty > 0)"))  # version 2
    run_ok(kernel, ARCH)
    shown = run_ok(kernel, "%design explore")
    bundle = next(o["data"] for o in shown["outputs"] if "data" in o)
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("DesignExplorer('w')")
    out = run_ok(kernel, '''
import workbench
ex = workbench.explorer("w")
print([ex.tabs.get_title(i) for i in range(5)])
print(ex.schema_version.value, ex.focus.options[:2], "<svg" in ex.er.value, "<svg" in ex.arch.value)
print("Readiness" in ex.overview.value)
ex.tabs.selected_index = 1
ex.schema_version.value = 1
ex.focus.value = "lines"
ex.depth.value = 0
print(ex.er.value.count('class="node"'))
''')
    lines = texts(out).splitlines()
    assert lines[0] == "['Overview', 'Schema', 'Architecture', 'Experiments', 'Decisions']"
    assert lines[1] == "2 ('(all tables)', 'customers') True True"
    assert lines[2] == "True"
    assert lines[3] == "1"  # focus on lines, depth 0: one table drawn
    kernel.stop()
    # a new kernel (a reopened notebook) and a new explorer: the same tab, version and focus
    again = start_kernel()
    out = run_ok(again, SETUP + '''
import workbench
ex = workbench.explorer("w")
print(ex.tabs.selected_index, ex.schema_version.value, ex.focus.value, ex.depth.value)
''')
    assert texts(out).strip().splitlines()[-1] == "1 1 lines 0"


def test_the_experiment_panel_runs_shows_progress_and_stores_the_result(start_kernel):
    kernel = start_kernel()
    run_ok(kernel, SETUP)
    run_ok(kernel, SCHEMA)
    missing = kernel.run("%design experiment")
    assert missing["status"] == "error" and "needs a workload" in texts(missing)
    out = run_ok(kernel, '''
import workbench
panel = workbench.experiment_panel("w", [{"name": "by order", "sql": "SELECT * FROM lines WHERE order_id = :order_id"}],
                                   [{"name": "order index", "ddl": "CREATE INDEX lines_order ON lines (order_id)"}],
                                   repeat=5)
panel.rows.value = 2_000
result = panel.run()
print(panel.progress.value == panel.progress.max, panel.progress.max, panel.run_button.disabled)
print("Stored as experiment panel v1" in panel.status.value, "<svg" in panel.result.value)
print(result.ratio("by order", "order index") < 1)
''')
    lines = texts(out).strip().splitlines()
    assert lines[0] == "True 6000 False"  # 2,000 rows × 3 tables, seeded once: the index variant runs on a copy
    assert lines[1] == "True True" and lines[2] == "True"
    # the magic picks up the last experiment's workload, and the rows the slider was left at
    shown = run_ok(kernel, "%design experiment")
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in shown["outputs"])
    out = run_ok(kernel, '''
from workbench.design.aggregate import Design
again = workbench.experiment_panel("w")
print(again.rows.value, again.workload[0]["name"], "Last run: panel v1" in again.status.value)
print(Design("w").latest("experiment")["body"]["input"]["rows"])
''')
    assert texts(out).strip().splitlines() == ["2000 by order True", "2000"]


def test_view_state_is_kept_in_the_design_store():
    from workbench.design.aggregate import Design

    design = Design("v")
    assert design.view_state == {}
    design.save_view_state(explorer={"tab": 2})
    design.save_view_state(panel={"rows": 5000})
    raw = design._row()["view_state"]
    assert json.loads(raw) == {"explorer": {"tab": 2}, "panel": {"rows": 5000}}


def test_the_panel_runs_a_load_with_a_chart_that_grows_while_it_runs(start_kernel):
    kernel = start_kernel()
    run_ok(kernel, SETUP)
    run_ok(kernel, SCHEMA)
    out = run_ok(kernel, '''
import workbench
panel = workbench.experiment_panel("w", [{"name": "all", "sql": "SELECT count(*) FROM lines"}],
                                   load={"transactions": [{"name": "count", "sql": "SELECT count(*) FROM lines"}]})
seen = []
panel.load_result.observe(lambda change: seen.append(change["new"]), names="value")
panel.clients.value, panel.seconds.value = 2, 3
result = panel.run_load()
running = [v for v in seen if "load running" in v]
print(len(running) >= 2, all("<svg" in v for v in running), "2 clients" in seen[-1], result.committed > 0)
print(panel.progress.value == panel.progress.max, "Stored as load panel-load v1" in panel.status.value)
again = workbench.experiment_panel("w", [{"name": "all", "sql": "SELECT 1"}])
print(again.load_spec["transactions"][0]["name"])
''')
    assert texts(out).strip().splitlines()[-3:] == ["True True True True", "True True", "count"]
