"""ipywidgets for a design: an explorer (tabs over its artifacts) and an experiment panel.

Both keep where they were left in the design (`Design.view_state`): re-running the cell, or
opening the notebook again later, brings back the same tab, versions, ER focus and rows. The
notebook also keeps the widgets' last views when JupyterLab saves widget state. Diagrams are
HTML widgets holding SVG, so a saved notebook shows them without a kernel.
"""

from __future__ import annotations

import html
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from ..design.aggregate import ARCHITECTURE, EXPERIMENT, LOAD, SCHEMA, Design
from ..sanitize import markdown_html

TABS = ("Overview", "Schema", "Architecture", "Experiments", "Decisions")
ALL_TABLES = "(all tables)"
ROW_STEPS = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000)


def _widgets():
    import ipywidgets

    return ipywidgets


@lru_cache(maxsize=1)
def _safe_html_class():
    import ipywidgets
    import traitlets

    from .display import clean_bundle

    class SafeHTML(ipywidgets.HTML):
        """An HTML widget whose value is cleaned like every other output, whoever sets it."""

        @traitlets.validate("value")
        def _clean(self, proposal: Any) -> str:
            return clean_bundle({"text/html": proposal["value"] or ""})["text/html"]

    return SafeHTML


def _safe_html(value: str = "", **kwargs: Any):
    """An HTML widget (secrets masked, no scripts, handlers or outside links in its value)."""
    return _safe_html_class()(value=value, **kwargs)


class DesignExplorer:
    """Tabs for overview, schema, architecture, experiments and decisions of one design."""

    def __init__(self, design: Design) -> None:
        w = _widgets()
        self.design = design
        state = design.view_state.get("explorer", {})
        self.overview = _safe_html()
        # schema
        self.schema_name = w.Dropdown(description="schema", layout=w.Layout(width="220px"))
        self.schema_version = w.Dropdown(description="version", layout=w.Layout(width="180px"))
        self.focus = w.Dropdown(description="focus", layout=w.Layout(width="260px"))
        self.depth = w.BoundedIntText(value=int(state.get("depth", 1)), min=0, max=5, description="depth",
                                      layout=w.Layout(width="140px"))
        self.er = _safe_html()
        self.schema_notes = _safe_html()
        # architecture
        self.arch_name = w.Dropdown(description="architecture", layout=w.Layout(width="260px"))
        self.arch_version = w.Dropdown(description="version", layout=w.Layout(width="180px"))
        self.arch = _safe_html()
        # experiments and decisions
        self.experiment = w.Dropdown(description="experiment", layout=w.Layout(width="360px"))
        self.experiment_view = _safe_html()
        self.decisions = _safe_html()
        self.refresh_button = w.Button(description="Refresh", icon="refresh", tooltip="Read the design again")
        self.tabs = w.Tab(children=[
            self.overview,
            w.VBox([w.HBox([self.schema_name, self.schema_version, self.focus, self.depth]), self.er,
                    self.schema_notes]),
            w.VBox([w.HBox([self.arch_name, self.arch_version]), self.arch]),
            w.VBox([self.experiment, self.experiment_view]),
            self.decisions,
        ])
        for i, title in enumerate(TABS):
            self.tabs.set_title(i, title)
        self.widget = w.VBox([w.HBox([_safe_html(f"<b>Design explorer</b> — <code>{html.escape(design.name)}</code>"),
                                      self.refresh_button]), self.tabs])
        self.widget.add_class("workbench-explorer")
        self._restoring = True
        self.refresh(state)
        self.tabs.selected_index = min(int(state.get("tab", 0)), len(TABS) - 1)
        self._restoring = False
        self.tabs.observe(self._save, names="selected_index")
        self.schema_name.observe(self._renamed(self._fill_schema_versions, self._draw_schema), names="value")
        for control in (self.schema_version, self.focus, self.depth):
            control.observe(self._unless_restoring(self._draw_schema), names="value")
        self.arch_name.observe(self._renamed(self._fill_arch_versions, self._draw_arch), names="value")
        self.arch_version.observe(self._unless_restoring(self._draw_arch), names="value")
        self.experiment.observe(self._unless_restoring(self._draw_experiment), names="value")
        self.refresh_button.on_click(lambda _: self.refresh(self._state()))

    def _unless_restoring(self, draw):
        def handler(_change: Any) -> None:
            if not self._restoring:
                draw()
        return handler

    # -- state -----------------------------------------------------------------------------------
    def _state(self) -> dict:
        return {"tab": self.tabs.selected_index or 0, "schema": self.schema_name.value,
                "schema_version": self.schema_version.value, "focus": self.focus.value, "depth": self.depth.value,
                "architecture": self.arch_name.value, "architecture_version": self.arch_version.value,
                "experiment": self.experiment.value}

    def _save(self, _change: Any = None) -> None:
        if not self._restoring:
            self.design.save_view_state(explorer=self._state())

    def refresh(self, state: dict | None = None) -> None:
        """Read the design again (new versions, decisions, experiments) and redraw."""
        from ..design.overview import overview_markdown

        state = state or {}
        restoring, self._restoring = self._restoring, True
        try:
            self.overview.value = f"<div class='workbench-overview'>{markdown_html(overview_markdown(self.design))}</div>"
            _offer(self.schema_name, self.design.names(SCHEMA), state.get("schema"))
            self._fill_schema_versions(state)
            _offer(self.arch_name, self.design.names(ARCHITECTURE), state.get("architecture"))
            self._fill_arch_versions(state)
            _offer(self.experiment, [(f"{r['name']} v{r['version']}", f"{r['name']}@{r['version']}")
                                     for r in self.design.versions(EXPERIMENT, bodies=False)], state.get("experiment"))
            records = self.design.decisions()
            self.decisions.value = "".join(f"<div class='adr'>{markdown_html(d.markdown('###'))}</div>"
                                           for d in records) or "<p>No decisions recorded yet.</p>"
        finally:
            self._restoring = restoring
        self._draw_schema()
        self._draw_arch()
        self._draw_experiment()

    # -- schema ----------------------------------------------------------------------------------
    def _versions(self, kind: str, name: str | None) -> list[tuple[str, int]]:
        rows = self.design.versions(kind, name, bodies=False) if name else []
        return [(f"v{r['version']}", r["version"]) for r in rows]

    def _renamed(self, fill, draw):
        """A handler for a name dropdown: offer that name's versions, then draw once."""
        def handler(_change: Any) -> None:
            if self._restoring:
                return
            self._restoring = True
            try:
                fill({})
            finally:
                self._restoring = False
            draw()
        return handler

    def _fill_schema_versions(self, state: dict) -> None:
        _offer(self.schema_version, self._versions(SCHEMA, self.schema_name.value), state.get("schema_version"))
        schema = self._schema()
        _offer(self.focus, [ALL_TABLES] + (list(schema.tables) if schema is not None else []), state.get("focus"),
               fallback=ALL_TABLES)

    def _schema(self):
        if not self.schema_name.value or self.schema_version.value is None:
            return None
        return self.design.schema(self.schema_name.value, self.schema_version.value)

    def _draw_schema(self, _change: Any = None) -> None:
        schema = self._schema()
        if schema is None:
            self.er.value = "<p>No schema yet: use %%schema or ask the architect.</p>"
            self.schema_notes.value = ""
        else:
            focus = None if self.focus.value in (None, ALL_TABLES) else self.focus.value
            diagram = schema.er(focus=focus, depth=self.depth.value)
            self.er.value = f"<div class='workbench-er'>{diagram.svg()}</div>"
            self.schema_notes.value = schema.lint()._repr_html_()
        self._save()

    # -- architecture ----------------------------------------------------------------------------
    def _fill_arch_versions(self, state: dict) -> None:
        _offer(self.arch_version, self._versions(ARCHITECTURE, self.arch_name.value),
               state.get("architecture_version"))

    def _draw_arch(self, _change: Any = None) -> None:
        if not self.arch_name.value or self.arch_version.value is None:
            self.arch.value = "<p>No architecture yet: use %%arch or ask the architect.</p>"
        else:
            arch = self.design.architecture(self.arch_name.value, self.arch_version.value)
            findings = arch.lint()
            self.arch.value = (f"<div class='workbench-arch'>{arch.render('svg', findings=findings)}</div>"
                               + findings._repr_html_())
        self._save()

    # -- experiments -----------------------------------------------------------------------------
    def _draw_experiment(self, _change: Any = None) -> None:
        name, _, version = (self.experiment.value or "").rpartition("@")
        row = self.design.latest(EXPERIMENT, name, int(version)) if name else None
        if row is None:
            self.experiment_view.value = "<p>No experiments yet: run_experiment, or the experiment panel.</p>"
        else:
            from ..lab.compare import Comparison

            self.experiment_view.value = Comparison.from_dict(row["body"])._repr_mimebundle_()["text/html"]
        self._save()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"DesignExplorer({self.design.name!r}): {self.design.state_summary()}"
        return bundle


class ExperimentPanel:
    """Rows slider, run button, progress and result chart for a workload on the design's schema."""

    def __init__(self, design: Design, workload: list | None = None, variants: list | None = None, *,
                 repeat: int = 10, name: str | None = None, load: Any = None) -> None:
        from ..errors import LabError

        w = _widgets()
        self.design = design
        latest = design.latest(EXPERIMENT)
        previous = (latest or {}).get("body", {}).get("input", {})
        self.workload = workload or previous.get("workload")
        self.variants = variants if variants is not None else previous.get("variants", [])
        if not self.workload:
            raise LabError("The experiment panel needs a workload.",
                           hint="Give workload=[{'name': …, 'sql': …}], or run an experiment first (run_experiment).")
        self.repeat = repeat
        self.name = name or (latest["name"] if latest and not workload else "panel")
        state = design.view_state.get("panel", {})
        rows = state.get("rows", previous.get("rows", 10_000))
        self.rows = w.SelectionSlider(options=[(f"{r:,}", r) for r in ROW_STEPS],
                                      value=min(ROW_STEPS, key=lambda r: abs(r - rows)), description="rows per table",
                                      style={"description_width": "initial"}, layout=w.Layout(width="420px"))
        self.run_button = w.Button(description="Run", button_style="primary", icon="play")
        self.progress = w.IntProgress(value=0, min=0, max=1, description="", layout=w.Layout(width="300px"))
        self.status = _safe_html()
        self.result = _safe_html()
        self.widget = w.VBox([
            _safe_html(f"<b>Experiment</b> — {len(self.workload)} queries × {len(self.variants) + 1} variants "
                   f"(baseline{''.join(', ' + html.escape(v['name']) for v in self.variants)})"),
            w.HBox([self.rows, self.run_button, self.progress]), self.status, self.result])
        stored_load = design.latest(LOAD)
        self.load_spec = load if load is not None else (stored_load or {}).get("body", {}).get("input", {}).get(
            "traffic")
        if self.load_spec:  # a load under the same panel: clients, seconds, and a chart that grows as it runs
            self.clients = w.IntSlider(value=8, min=1, max=64, description="clients")
            self.seconds = w.IntSlider(value=10, min=1, max=120, description="seconds")
            self.load_button = w.Button(description="Run load", icon="play")
            self.load_result = _safe_html()
            self.load_button.on_click(lambda _: self.run_load())
            self.widget.children += (w.HBox([self.clients, self.seconds, self.load_button]), self.load_result)
        self.widget.add_class("workbench-experiment")
        self.rows.observe(lambda _: self.design.save_view_state(panel={"rows": self.rows.value}), names="value")
        self.run_button.on_click(lambda _: self.run())
        if latest is not None and not workload:
            from ..lab.compare import Comparison

            self.result.value = Comparison.from_dict(latest["body"])._repr_mimebundle_()["text/html"]
            self.status.value = f"Last run: {html.escape(latest['name'])} v{latest['version']}"

    def run(self):
        """Seed each variant with the chosen rows, run the workload, show and store the comparison."""
        rows = self.rows.value
        schema = self.design.schema()
        tables = len(schema.tables) if schema is not None else 1
        seeded = 1 + sum(1 for v in self.variants if v.get("schema"))  # DDL variants run on a copy of the seed
        self.progress.max = max(1, rows * tables * seeded)
        self.progress.value = 0
        self.status.value = f"Seeding {rows:,} rows per table and running the workload…"
        with self._busy(self.run_button, "Failed"):
            record = self.design.run_experiment(self.workload, self.variants, rows=rows, repeat=self.repeat,
                                                name=self.name, progress=_Progress(self.progress))
            self.result.value = record.comparison._repr_mimebundle_()["text/html"]
            self.status.value = (f"Stored as experiment {html.escape(self.name)} v{record.version} "
                                 f"({rows:,} rows per table).")
            self.progress.value = self.progress.max
            return record.comparison

    @contextmanager
    def _busy(self, button: Any, failure: str):
        """The button stays disabled while it runs; a failure is shown in the status line, then raised."""
        button.disabled = True
        try:
            yield
        except Exception as exc:
            self.status.value = f"<span style='color:#c5221f'>{failure}: {html.escape(str(exc))}</span>"
            raise
        finally:
            button.disabled = False

    def run_load(self):
        """Run the panel's load on the design's lab; the chart of throughput and p95 latency grows as it runs."""
        self.progress.max, self.progress.value = 1000, 0

        def live(view: Any) -> None:
            self.load_result.value = view._repr_html_()
            self.progress.value = int(view.share * 1000)

        with self._busy(self.load_button, "Load failed"):
            record = self.design.run_load(self.load_spec, clients=self.clients.value, duration=self.seconds.value,
                                          name=f"{self.name}-load", live=live)
            self.load_result.value = record.result._repr_html_()
            self.progress.value = self.progress.max
            self.status.value = f"Stored as load {html.escape(record.name)} v{record.version}."
            return record.result

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"ExperimentPanel({self.design.name!r}): {len(self.workload)} queries"
        return bundle


def _offer(dropdown: Any, options: list, wanted: Any, *, fallback: Any = None) -> None:
    """Set a dropdown's options and choose `wanted` when offered, else `fallback`, else the newest (last)."""
    dropdown.options = options
    values = [o[1] if isinstance(o, tuple) else o for o in options]
    if wanted in values:
        dropdown.value = wanted
    elif fallback in values:
        dropdown.value = fallback
    else:
        dropdown.value = values[-1] if values else None


class _Progress:
    """Seeding progress into an IntProgress widget (the lab calls update(n) and close())."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def update(self, n: int) -> None:
        self.bar.value = min(self.bar.max, self.bar.value + int(n))

    def close(self) -> None:
        pass


def explorer(design: Design | str | None = None) -> DesignExplorer:
    """A design explorer widget (tabs: overview, schema, architecture, experiments, decisions)."""
    return DesignExplorer(design if isinstance(design, Design) else Design(design or "default"))


def experiment_panel(design: Design | str | None = None, workload: list | None = None, variants: list | None = None,
                     **kw: Any) -> ExperimentPanel:
    """An experiment panel widget: rows slider, run button, progress and result chart."""
    return ExperimentPanel(design if isinstance(design, Design) else Design(design or "default"), workload, variants,
                           **kw)
