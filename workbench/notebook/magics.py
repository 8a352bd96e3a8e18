"""IPython magics: parse the line, call the Python API, display the result. Nothing more.

Bad usage raises UsageError (no traceback); a workbench error fails the cell with its
message (WorkbenchError renders without a traceback).
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..agent.models import EFFORTS
from ..config import DEFAULT_DIALECT
from .interpolate import interpolate
from .state import KernelState


def guarded(func):
    """A magic whose unexpected exceptions (bugs, a library's ValueError) fail the cell as an UnexpectedError:
    the message and traceback pass the redaction path, so no password or key shows in the notebook."""
    import functools

    @functools.wraps(func)
    def run(self, *args: Any) -> Any:
        from ..errors import UnexpectedError, WorkbenchError

        try:
            return func(self, *args)
        except (UsageError, WorkbenchError, KeyboardInterrupt):
            raise
        except Exception as exc:
            raise UnexpectedError(exc) from None

    return run


def _parse(magic: Any, line: str):
    """The magic's arguments. IPython splits the line with shlex in its non-POSIX mode, which keeps the quotes
    of a quoted word ("my design" stays with its quotes), so they are taken off here; a line shlex cannot read
    (a quote never closed) is a UsageError that points at the quote and says how to write one as text."""
    try:
        args = parse_argstring(magic, line)
    except ValueError as exc:
        raise UsageError(_unreadable(line, str(exc))) from None
    for key, value in vars(args).items():
        if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            setattr(args, key, value[1:-1])
    return args


def _open_quote(line: str) -> int | None:
    """Where the quote is that the split never saw closed: shlex's own state, read where it stopped (the
    partial word it holds runs from that quote to the end of the line), so this is the quote IPython meant."""
    import shlex

    lexer = shlex.shlex(line, posix=False)
    lexer.whitespace_split, lexer.commenters = True, ""
    try:
        for _ in lexer:
            pass
    except ValueError:
        return len(line) - len(lexer.token) if lexer.token else None
    return None


def _unreadable(line: str, reason: str) -> str:
    shown = line.strip()[:200]
    at = _open_quote(shown)
    if at is None:
        return f"Cannot read the magic line ({reason}):\n    {shown}"
    quote = shown[at]
    name, other, example = ("apostrophe", '"', '"O\'Brien"') if quote == "'" else ("double quote", "'", "'say \"hi\"'")
    return (f"The {name} ({quote}) here opens a quoted word that is never closed:\n    {shown}\n    {' ' * at}^\n"
            f"Close it ({quote}…{quote}), or, to write {quote} as text, put the word inside {other}…{other} ({example}).")


def _bundle(text: str, html_text: str | None = None, markdown: str | None = None) -> dict[str, str]:
    bundle = {"text/plain": text}
    if html_text is not None:
        bundle["text/html"] = html_text
    if markdown is not None:
        bundle["text/markdown"] = markdown
    return bundle


def _show(bundle: dict[str, str]) -> None:
    from .display import publish

    publish(bundle)


def _display(obj: Any) -> None:
    from .display import show

    show(obj)


def _live_display() -> Any:
    from .display import LiveDisplay

    return LiveDisplay("load starting…")


def _variable(name: str | None, what: str) -> str | None:
    """A NAME argument that will be bound in the notebook: it must be a Python identifier."""
    if name and not name.isidentifier():
        raise UsageError(f"{name!r} is not a Python variable name; give one to bind the {what} to.")
    return name


@magics_class
class WorkbenchMagics(Magics):
    """%%architect, %architect, %%schema, %er, %%arch, %%lab and %design."""

    def __init__(self, shell: Any, state: KernelState | None = None) -> None:
        super().__init__(shell)
        self.state = state or KernelState()

    # -- %%architect ---------------------------------------------------------------------------
    @magic_arguments()
    @argument("-d", "--design", help="design to work on; it becomes the current design (default: the current one)")
    @argument("-m", "--model", help="model alias (sonnet, opus, haiku) or full id, for this cell")
    @argument("-a", "--agent", help="agent definition to use from now on for this design")
    @argument("--new", action="store_true", help="start a new conversation (artifacts are kept)")
    @argument("--no-tools", action="store_true", help="answer in prose only, without tools")
    @argument("-e", "--effort", choices=EFFORTS, help="how much the model thinks and writes (default: the agent's "
              "effort, else the model's)")
    @argument("--max-steps", type=int, help="most model calls in this turn (default 12, WORKBENCH_MAX_STEPS)")
    @argument("--budget", type=float, help="most USD to spend in this turn (default 2.00, WORKBENCH_BUDGET)")
    @argument("--bash", action="store_true", help="let the agent run shell commands in the design workspace")
    @argument("--take-over", action="store_true",
              help="run even though another kernel is running a turn on this design (that turn is interrupted)")
    @cell_magic
    @guarded
    def architect(self, line: str, cell: str) -> None:
        """Ask the architect agent. The conversation continues across cells for the same design.

        {name}, {name.attr} and {In[3]} in the cell are replaced by notebook values when the
        name exists; other braces stay as written.
        """
        args = _parse(self.architect, line)
        if args.max_steps is not None and args.max_steps < 1:
            raise UsageError("--max-steps must be at least 1.")
        if args.budget is not None and args.budget <= 0:
            raise UsageError("--budget must be more than 0 (USD).")
        prompt = interpolate(cell, self.shell.user_ns).strip()
        if not prompt:
            raise UsageError("Write your requirements or question in the cell below %%architect.")
        from .display import NotebookRenderer

        if args.design:  # -d makes it the current design, for the cells that follow (%design export, …)
            self.state.design_name = self.state.design(args.design).name
        design = self.state.design()
        if args.agent:
            design.set_agent(args.agent)
        if args.new:
            design.reset_conversation()
        architect = self.state.architect(design, model=args.model, max_steps=args.max_steps, budget=args.budget,
                                         bash=args.bash, effort=args.effort)
        architect.ask(prompt, renderer=NotebookRenderer(), use_tools=not args.no_tools, take_over=args.take_over)

    # -- %architect SUBCOMMAND -------------------------------------------------------------------
    @line_magic("architect")
    @guarded
    def architect_line(self, line: str) -> None:
        """%architect history | reset | cost | model [NAME] | agents | tools | doctor | script PATH"""
        words = line.split()
        if not words:
            raise UsageError("Usage: %architect history | reset | cost | model [NAME] | agents | tools | doctor | "
                             "script PATH  (and %%architect in a cell to ask the agent)")
        command, rest = words[0], words[1:]
        handler = {
            "history": self._history, "reset": self._reset, "cost": self._cost, "model": self._model,
            "agents": self._agents, "tools": self._tools, "doctor": self._doctor, "script": self._script,
        }.get(command)
        if handler is None:
            raise UsageError(f"Unknown subcommand {command!r}: use history, reset, cost, model, agents, tools, "
                             "doctor or script.")
        handler(rest)

    def _history(self, rest: list[str]) -> None:
        text = self.state.design(rest[0] if rest else None).history_markdown()
        _show({"text/markdown": text, "text/plain": text})

    def _reset(self, rest: list[str]) -> None:
        design = self.state.design(rest[0] if rest else None)
        number = design.reset_conversation()
        _show(_bundle(f"Design {design.name}: conversation {number} started; artifacts and earlier turns are kept."))

    def _cost(self, rest: list[str]) -> None:
        _display(self.state.design(rest[0] if rest else None).cost_table())

    def _model(self, rest: list[str]) -> None:
        from ..agent.session import Architect
        from ..config import settings

        design = self.state.design()
        architect = Architect(design, tools=self.state.tools)  # no connection needed to choose a model
        if rest:
            _show(_bundle(f"Design {design.name} now uses {rest[0]} → {architect.use_model(rest[0])}."))
            return
        name = design.model_choice or settings().model or "the agent's model (or sonnet)"
        resolved = architect.model if self.state.has_model() else None
        _show(_bundle(f"Design {design.name}: {name}" + (f" → {resolved}" if resolved else "")))

    def _agents(self, rest: list[str]) -> None:
        from ..subagent import agents_table

        _display(agents_table())

    def _tools(self, rest: list[str]) -> None:
        _display(self.state.tools.table())

    def _doctor(self, rest: list[str]) -> None:
        from ..doctor import report

        result = report()
        _display(result)
        if result.failed:  # a failure fails the cell, as `workbench doctor` exits non-zero
            raise UsageError(f"{len(result.failed)} check(s) failed: {', '.join(c.name for c in result.failed)}.")

    def _script(self, rest: list[str]) -> None:
        if len(rest) != 1:
            raise UsageError("Usage: %architect script PATH  (a YAML script of answers used when no API key is set)")
        _show(_bundle(self.state.use_script(rest[0])))

    # -- %%schema and %er ----------------------------------------------------------------------------
    @magic_arguments()
    @argument("name", nargs="?", help="schema name in the design (default: main); also bound as a variable")
    @argument("--dialect", default=DEFAULT_DIALECT,
              help=f"postgres, sqlite or mysql/mariadb (default: {DEFAULT_DIALECT})")
    @argument("-d", "--design", help="design (default: the current one)")
    @cell_magic
    @guarded
    def schema(self, line: str, cell: str) -> None:
        """DDL in the cell → Schema: ER diagram and lint, stored as a new version in the design."""
        args = _parse(self.schema, line)
        if not cell.strip():
            raise UsageError("Write CREATE TABLE statements in the cell below %%schema.")
        variable = _variable(args.name, "schema")
        report = self.state.design(args.design).add_schema_ddl(cell, args.dialect, args.name or "main")
        if variable:
            self.shell.user_ns[variable] = report.schema
        _display(report)

    @magic_arguments()
    @argument("source", nargs="?", help="a Schema variable, a schema name in the design, or a database URL")
    @argument("--focus", help="draw this table and its neighbours")
    @argument("--depth", type=int, default=1, help="how many foreign-key hops around --focus (default 1)")
    @argument("--keys-only", action="store_true", help="only key columns")
    @argument("--cluster", choices=["namespace", "prefix"], help="group tables by namespace or name prefix")
    @argument("--overview", action="store_true", help="names only (automatic above 150 tables)")
    @argument("--explore", action="store_true",
              help="an explorer: pan, zoom, find a table, click it for its neighbourhood (the overview of it all)")
    @argument("--format", choices=["svg", "mermaid", "dbml"], default="svg",
              help="svg (drawn, default); mermaid or dbml: the text, to paste into GitHub, GitLab, Notion or dbdiagram")
    @line_magic
    @guarded
    def er(self, line: str) -> None:
        """ER diagram of a schema variable, a design schema, or a live database (read-only)."""
        args = _parse(self.er, line)
        schema = self._resolve_schema(args.source)
        if args.explore:  # the whole schema to pan, zoom, find and focus in, starting at --focus if given
            from IPython.display import display

            from .er_explorer import ERExplorer

            whole = schema.er(keys_only=args.keys_only, cluster=args.cluster, overview=True if args.overview else None)
            display(ERExplorer(whole, focus=schema.table(args.focus).key if args.focus else "", depth=args.depth))
            return
        diagram = schema.er(focus=args.focus, depth=args.depth, keys_only=args.keys_only, cluster=args.cluster,
                            overview=True if args.overview else None)
        if args.format == "svg":
            _display(diagram)
            return
        from .display import Text

        _display(Text(diagram.mermaid() if args.format == "mermaid" else diagram.dbml(), args.format))

    def _resolve_schema(self, source: str | None):
        from ..schema.model import Schema

        if source and "://" in source:
            return Schema.from_url(source)
        if source and isinstance(self.shell.user_ns.get(source), Schema):
            return self.shell.user_ns[source]
        design = self.state.design()
        schema = design.schema(source)
        if schema is None:
            where = f"schema {source!r}" if source else "schema"
            raise UsageError(f"Design {design.name} has no {where} yet, and no variable of that name holds a Schema. "
                             "Use %%schema, or give a database URL.")
        return schema

    # -- %%arch ----------------------------------------------------------------------------------
    @magic_arguments()
    @argument("name", nargs="?", help="architecture name in the design (default: main); also bound as a variable")
    @argument("-d", "--design", help="design (default: the current one)")
    @cell_magic
    @guarded
    def arch(self, line: str, cell: str) -> None:
        """Architecture spec (YAML) in the cell → diagram and anti-pattern review, stored in the design."""
        args = _parse(self.arch, line)
        if not cell.strip():
            raise UsageError("Write an architecture spec (YAML: title, nodes, edges, groups) below %%arch.")
        variable = _variable(args.name, "architecture")
        report = self.state.design(args.design).add_architecture(cell, args.name or "main")
        if variable:
            self.shell.user_ns[variable] = report.arch
        _display(report)

    # -- %%lab ---------------------------------------------------------------------------------
    @magic_arguments()
    @argument("--db", default="sandbox",
              help="sandbox (SQLite, default), postgres, mysql (a namespace on the server), or a database URL "
                   "(read-only unless --write)")
    @argument("--rows", type=int, help="rebuild the lab with this many synthetic rows per table")
    @argument("--explain", action="store_true", help="show the query plan")
    @argument("--repeat", type=int, default=1, help="run N times and report p50/p95/max")
    @argument("-o", "--output", metavar="VAR", help="bind the result DataFrame to VAR")
    @argument("--write", action="store_true", help="allow writes to a database given by URL")
    @argument("--what-if", action="append", metavar="DDL", help="a CREATE INDEX to assume (repeatable; PostgreSQL): "
                                                                "the plan with and without it, nothing built")
    @argument("-d", "--design", help="design (default: the current one)")
    @cell_magic
    @guarded
    def lab(self, line: str, cell: str) -> None:
        """SQL in the cell → rows, timings and plans from the design's lab database."""
        args = _parse(self.lab, line)
        if not cell.strip():
            raise UsageError("Write SQL below %%lab, e.g. SELECT count(*) FROM orders.")
        if args.repeat < 1:
            raise UsageError("--repeat must be at least 1.")
        if args.rows is not None and args.rows < 0:
            raise UsageError("--rows must be 0 or more.")
        if args.output and not args.output.isidentifier():
            raise UsageError(f"-o {args.output!r}: give a Python variable name.")
        if args.what_if:
            _display(self.state.design(args.design).what_if(cell, args.what_if, args.db))
            return
        if "://" in args.db:
            result = self.state.user_lab(args.db, write=args.write).run(cell, repeat=args.repeat,
                                                                         explain=args.explain)
        else:
            result = self.state.design(args.design).run_sql(cell, args.db, explain=args.explain, repeat=args.repeat,
                                                             rows=args.rows, record=False)
        if args.output:
            self.shell.user_ns[args.output] = result.df
        _display(result)

    @magic_arguments()
    @argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    @argument("--duration", type=float, help="seconds (default 10)")
    @argument("--count", type=int, help="stop after this many transactions in all")
    @argument("--ramp-up", type=float, default=0.0, help="seconds over which clients start")
    @argument("--rate", type=float, help="open loop: operations per second to start (latency from each one's "
                                         "intended start)")
    @argument("--ramp-to", type=float, help="open loop: the rate ramps linearly from --rate to this")
    @argument("--db", default="sandbox", help="sandbox (SQLite, default), postgres or mysql")
    @argument("--name", help="name of the stored load run")
    @argument("-d", "--design", help="design (default: the current one)")
    @cell_magic
    @guarded
    def load(self, line: str, cell: str) -> None:
        """A load test on the design's lab: the cell is YAML (transactions: [{name, sql, weight}], params:
        {name: {range|values|from, skew}}) or one SQL statement; clients run it concurrently."""
        args = _parse(self.load, line)
        if not cell.strip():
            raise UsageError("Write the load below %%load: one SQL statement, or YAML with transactions and params.")
        if args.clients < 1:
            raise UsageError("--clients must be at least 1.")
        traffic = _load_spec(cell)
        shown = _live_display()  # the chart grows while the load runs, then becomes the result
        record = self.state.design(args.design).run_load(traffic, clients=args.clients, duration=args.duration,
                                                         count=args.count, ramp_up=args.ramp_up, database=args.db,
                                                         name=args.name, live=shown.update, rate=args.rate,
                                                         ramp_to=args.ramp_to)
        shown.update(record.result)

    @magic_arguments()
    @argument("-d", "--design", help="design (default: the current one)")
    @cell_magic
    @guarded
    def requirements(self, line: str, cell: str) -> None:
        """Measurable requirements as YAML: a list of {statement, metric (throughput, p50, p95, p99, max,
        error_rate, invariant, volume, …), value, transaction, load, sql, id, assumed}; each is stored (a new
        version when its id exists) and the design's targets are shown. `%design verify` checks them."""
        args = _parse(self.requirements, line)
        if not cell.strip():
            raise UsageError("Write the requirements below %%requirements as a YAML list, e.g.\n"
                             "- {statement: Sell 2,000 tickets a second, metric: throughput, value: 2000, "
                             "transaction: buy, load: checkout}")
        from ..design.requirements import record_from_yaml

        _display(record_from_yaml(self.state.design(args.design), cell))

    @magic_arguments()
    @argument("action", choices=["rehearse", "project"],
              help="rehearse: apply the migration to seeded copies under load; project: rehearse it at --sizes "
                   "and project it to --target rows")
    @argument("name", nargs="?", help="schema name (default: the newest)")
    @argument("--from", dest="from_version", type=int, help="from this version (default: the one before --to)")
    @argument("--to", dest="to_version", type=int, help="to this version (default: the newest)")
    @argument("--rows", type=int, default=100_000, help="rows per table (default 100,000)")
    @argument("--db", default="postgres", help="postgres (default), mysql or sandbox")
    @argument("--clients", type=int, default=4, help="workload clients while it runs (default 4)")
    @argument("--sizes", help="project: rows per table to rehearse at, comma-separated (default 25000,100000,250000)")
    @argument("--target", type=int, help="project: rows to project to (default: the largest volume requirement)")
    @argument("-d", "--design", help="design (default: the current one)")
    @line_magic
    @guarded
    def migrate(self, line: str) -> None:
        """%migrate rehearse | project

        rehearse: the migration between two schema versions ([NAME] [--from N] [--to M]), applied statement by
        statement to seeded copies (--rows, --db postgres|mysql|sandbox) while reads and updates run: locks,
        rewrites and blocked sessions per statement, and the safe form side by side. project: the same at each
        of --sizes, seconds fitted against rows and projected to --target rows (or the volume requirement)."""
        args = _parse(self.migrate, line)
        design = self.state.design(args.design)
        if args.action == "project":
            try:
                sizes = [int(n.replace("_", "")) for n in args.sizes.split(",")] if args.sizes else None
            except ValueError:
                raise UsageError(f"--sizes takes row counts separated by commas, e.g. 25000,100000 (got "
                                 f"{args.sizes!r}).") from None
            _display(design.project_migration(args.name, args.from_version, args.to_version,
                                              **({"sizes": sizes} if sizes else {}), target_rows=args.target,
                                              database=args.db, clients=args.clients))
            return
        if args.rows < 1:
            raise UsageError("--rows must be at least 1.")
        rehearsal = design.rehearse_migration(
            args.name, args.from_version, args.to_version, rows=args.rows, database=args.db, clients=args.clients)
        _display(rehearsal)

    @line_magic("lab")
    @guarded
    def lab_line(self, line: str) -> None:
        """%lab reset [sandbox|postgres|mysql] | gc [--dry-run]

        reset: drop the current design's labs (server namespaces, the sandbox); the next query rebuilds
        them. gc: drop lab namespaces on the servers whose kernel is gone (--dry-run lists them).
        """
        words = line.split()
        if not words or words[0] not in ("reset", "gc"):
            raise UsageError("Usage: %lab reset [sandbox|postgres|mysql] | %lab gc [--dry-run]  (and %%lab for SQL)")
        if words[0] == "reset":
            design = self.state.design()
            removed = design.reset_lab(words[1] if len(words) > 1 else None)
            _show(_bundle(f"Design {design.name}: " + ("removed " + "; ".join(removed) if removed else
                                                        "no lab to remove")))
            return
        from ..lab.gc import gc

        _display(gc(dry_run="--dry-run" in words))

    # -- %design ---------------------------------------------------------------------------------
    @line_magic
    @guarded
    def design(self, line: str) -> None:
        """%design show | list | use NAME | requirements [TEXT] | verify [DB] | capacity [DB] | export PATH [--conversation] | explore | experiment

        show: requirements, artifacts, decisions and the readiness scorecard; requirements: the prose and
        the measurable targets (record them with %%requirements); verify: check every target in the lab
        (met, missed, unmeasured), stored; capacity: bytes per row measured on a seeded sample, the volume
        requirements projected at 1, 3 and 5 years, connections by Little's law, stored; export: the design
        document (.html self-contained, or .md with an assets folder); explore: the design explorer
        widget; experiment: the experiment panel (workload of the last experiment).
        """
        words = line.split(maxsplit=1)
        command = words[0] if words else "show"
        rest = words[1].strip() if len(words) > 1 else ""
        handler = {"list": self._design_list, "use": self._design_use, "requirements": self._design_requirements,
                   "verify": self._design_verify, "capacity": self._design_capacity,
                   "show": self._design_show, "export": self._design_export,
                   "explore": self._design_explore, "experiment": self._design_experiment}.get(command)
        if handler is None:
            raise UsageError(f"Unknown %design subcommand {command!r}: use show, list, use, requirements, verify, "
                             "capacity, export, explore or experiment.")
        handler(rest)

    def _design_list(self, rest: str) -> None:
        from ..design.aggregate import designs_table

        _display(designs_table(current=self.state.design_name))

    def _design_use(self, rest: str) -> None:
        if not rest:
            raise UsageError("Usage: %design use NAME")
        design = self.state.design(rest)
        self.state.design_name = design.name
        from ..design.overview import holdings

        _show(_bundle(f"Current design: {design.name}" + holdings(design)))

    def _design_requirements(self, rest: str) -> None:
        from ..design.requirements import Targets

        design = self.state.design()
        if rest:
            design.requirements = rest
        _display(Targets(design.targets(), design.requirements or
                         "(no requirements yet: the first %%architect prompt sets them)"))

    def _design_verify(self, rest: str) -> None:
        database = rest or "sandbox"
        if database not in ("sandbox", "postgres", "mysql"):
            raise UsageError(f"Usage: %design verify [sandbox|postgres|mysql] (got {database!r}).")
        _display(self.state.design().verify(database=database, progress=lambda text: _show(_bundle(text))))

    def _design_capacity(self, rest: str) -> None:
        database = rest or "sandbox"
        if database not in ("sandbox", "postgres", "mysql"):
            raise UsageError(f"Usage: %design capacity [sandbox|postgres|mysql] (got {database!r}).")
        _display(self.state.design().capacity(database))

    def _design_show(self, rest: str) -> None:
        _display(self.state.design(rest or None))

    def _design_export(self, rest: str) -> None:
        words = rest.split()
        conversation = "--conversation" in words
        paths = [w for w in words if w != "--conversation"]
        if len(paths) != 1:
            raise UsageError("Usage: %design export PATH.html|PATH.md [--conversation]")
        from ..export import export_report

        _show(_bundle(export_report(self.state.design(), paths[0], conversation=conversation)))

    def _design_explore(self, rest: str) -> None:
        from .widgets import DesignExplorer

        _display(DesignExplorer(self.state.design(rest or None)))

    def _design_experiment(self, rest: str) -> None:
        from .widgets import ExperimentPanel

        _display(ExperimentPanel(self.state.design(rest or None)))


def _load_spec(cell: str) -> Any:
    """%%load's cell: YAML with `transactions` (and `params`), or SQL for one transaction."""
    import yaml

    from ..yamltext import yaml_problem

    text = cell.strip()
    if not text.lower().startswith(("transactions", "params", "think_ms", "-", "{")):
        return text  # one SQL statement: one transaction
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where, what = yaml_problem(exc)
        raise UsageError(f"The load's YAML does not read {where}: {what}") from None
    return spec
