"""`workbench` command line: mirrors the Python API. Errors print a message and exit non-zero."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from .agent.models import EFFORTS
from .errors import WorkbenchError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _mcp(args: argparse.Namespace) -> int:
    from .mcp import serve

    _note_design_elsewhere(args.design)  # on stderr: stdout is the protocol's
    serve(args.design)
    return EXIT_OK


def _doctor(args: argparse.Namespace) -> int:
    import shutil

    from .doctor import WIDTH, report

    result = report()
    print(result.text(width=shutil.get_terminal_size((WIDTH, 24)).columns - 1))
    if result.failed:
        print(f"error: {len(result.failed)} check{'s' * (len(result.failed) > 1)} failed: "
              f"{', '.join(c.name for c in result.failed)}", file=sys.stderr)
    return EXIT_ERROR if result.failed else EXIT_OK


def _ask(args: argparse.Namespace) -> int:
    from .agent.renderer import ConsoleRenderer
    from .agent.session import Architect

    _note_design_elsewhere(args.design)
    prompt = " ".join(args.prompt) if args.prompt else sys.stdin.read()
    architect = Architect(args.design, agent=args.agent, model=args.model, max_steps=args.max_steps,
                          budget_usd=args.budget, script=args.script, effort=args.effort)
    try:
        architect.ask(prompt, renderer=ConsoleRenderer(), use_tools=not args.no_tools)
    finally:
        architect.close()
    return EXIT_OK


def _load_schema(source: str, dialect: str | None, namespaces: list[str] | None = None, structure: bool = False,
                 allow_empty: bool = False):
    from .schema import Schema

    return Schema.from_source(source, dialect, namespaces=namespaces, structure=structure, allow_empty=allow_empty)


def _er(args: argparse.Namespace) -> int:
    # a diagram needs tables, columns and keys: a database is read for those only
    schema = _load_schema(args.source, args.dialect, args.namespace, structure=True)
    diagram = schema.er(focus=args.focus, depth=args.depth, keys_only=args.keys_only, cluster=args.cluster,
                        overview=True if args.overview else None)
    out = diagram.save(args.output)
    print(f"{out}: {len(diagram.tables)} of {len(schema.tables)} tables{' (overview)' if diagram.overview else ''}")
    return EXIT_OK


def _lint(args: argparse.Namespace) -> int:
    if args.arch:
        from .architecture.spec import Architecture

        findings = Architecture.from_file(args.arch).lint()
    else:
        if not args.source:
            print("error: give a DDL file or URL, or --arch SPEC.yaml", file=sys.stderr)
            return EXIT_ERROR
        schema = _load_schema(args.source, args.dialect, args.namespace)
        findings = schema.lint(expected_rows=args.expected_rows)
    print(findings.to_json() if args.format == "json" else findings.text())
    return EXIT_FINDINGS if findings.errors else EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    # an empty old file is a start from nothing: the migration creates everything
    old = _load_schema(args.old, args.dialect, args.namespace, allow_empty=True)
    new = _load_schema(args.new, args.dialect, args.namespace, allow_empty=True)
    change = old.diff(new)
    if args.format == "text":
        print(change.text())
        print(f"-- {change.summary()}")
    elif args.format == "json":
        import json

        print(json.dumps(change.to_records(), indent=2))
    else:
        print(f"-- {change.summary()}")
        print(change.sql(args.to or new.dialect), end="")
    return EXIT_OK


def _arch(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .architecture.spec import Architecture

    architecture = Architecture.from_file(args.spec)
    if args.python:
        print(architecture.to_python(), end="")
        return EXIT_OK
    if not args.output:
        print("error: give -o OUT.svg|png (or --python)", file=sys.stderr)
        return EXIT_ERROR
    out = Path(args.output)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("svg", "png"):
        print("error: the output must end in .svg or .png", file=sys.stderr)
        return EXIT_ERROR
    findings = architecture.lint()
    data = architecture.render(fmt, findings=findings)
    if isinstance(data, str):
        out.write_text(data, encoding="utf-8")
    else:
        out.write_bytes(data)
    print(f"{out}: {architecture.summary()}; lint: {findings.summary()}")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .export import export_notebook, export_report, wrote

    if args.source.endswith(".ipynb"):
        import time

        started = time.perf_counter()
        print(wrote(export_notebook(args.source, args.output, home=args.home, design=args.design,
                                    conversation=args.conversation), started))
        return EXIT_OK
    from .config import DEMO_HOME_NAME, settings
    from .design.aggregate import Design, design_exists, homes_with_design, list_designs
    from .errors import DesignError

    home = Path(args.home) if args.home else None
    if not design_exists(args.source, home):
        searched = home or settings().home
        known = sorted(d["name"] for d in list_designs(home)) if (searched / "workbench.db").exists() else []
        elsewhere = homes_with_design(args.source, besides=searched)
        if elsewhere:
            import shlex

            where = _shown_path(elsewhere[0])
            demo = " (where `workbench demo` keeps its design)" if where.endswith(DEMO_HOME_NAME) else ""
            also = f" (also in {', '.join(_shown_path(p) for p in elsewhere[1:])})" if elsewhere[1:] else ""
            hint = (f"It is in {where}{demo}: workbench export {shlex.quote(args.source)} -o "
                    f"{shlex.quote(args.output)} --home {shlex.quote(where)}{also}")
        else:
            hint = (f"Designs there: {', '.join(known) or 'none yet'} (use --home for another workbench home, "
                    "or give a NOTEBOOK.ipynb).")
        raise DesignError(f"No design {args.source!r} in {_shown_path(searched)}.", hint=hint)
    print(export_report(Design(args.source, home=home, create=False), args.output, conversation=args.conversation))
    return EXIT_OK


def _note_design_elsewhere(name: str) -> None:
    """A command that makes a design it does not find says so when another home near here has one of that name
    (the demo's, typically): the user most likely meant that one."""
    import shlex

    from .config import settings
    from .design.aggregate import design_exists, homes_with_design

    home = settings().home
    if design_exists(name, home):
        return
    elsewhere = homes_with_design(name, besides=home)
    if elsewhere:
        where = _shown_path(elsewhere[0])
        print(f"note: design {name!r} is not in {_shown_path(home)}, so it starts empty there; the one in {where} is "
              f"used with WORKBENCH_HOME={shlex.quote(where)}", file=sys.stderr)


def _shown_path(path) -> str:
    """A path as a command line would take it: relative to the working directory when below it."""
    from pathlib import Path

    resolved = Path(path).resolve()
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)


def _lab(args: argparse.Namespace) -> int:
    from .lab.gc import gc

    found = gc(args.url or None, dry_run=args.dry_run, everything=args.all)
    print(found.table().text())
    return EXIT_ERROR if found.problems else EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(output_dir=args.output)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench", description="Architect Workbench: design backends with an "
                                     "AI architect. In Jupyter: %load_ext workbench.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, func: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        return p

    command("doctor", _doctor, "check the set-up: credentials (never shown), Graphviz, databases, store")

    p = command("ask", _ask, "ask the architect agent from the terminal (the conversation continues per design)")
    p.add_argument("prompt", nargs="*", help="the prompt (read from stdin when omitted)")
    p.add_argument("-d", "--design", default="default", help="design name (default: default)")
    p.add_argument("-a", "--agent", help="agent definition name or file")
    p.add_argument("-m", "--model", help="model alias or id")
    p.add_argument("--no-tools", action="store_true", help="answer without tools")
    p.add_argument("-e", "--effort", choices=EFFORTS, help="how much the model thinks and writes (default: the "
                   "agent's effort, else the model's)")
    p.add_argument("--max-steps", type=int, help="most model calls in the turn")
    p.add_argument("--budget", type=float, help="most USD to spend in the turn")
    p.add_argument("--script", help="answer from this YAML script when no API key is set (a scripted model)")

    p = command("er", _er, "draw the ER diagram of a DDL file or a live database (read-only)")
    p.add_argument("source", help="a .sql or .dbml file, or a database URL")
    p.add_argument("-o", "--output", required=True, help="OUT.svg, OUT.png, OUT.dot, OUT.mmd (Mermaid) or OUT.dbml")
    p.add_argument("--dialect", help="postgres, sqlite or mysql (default: guessed from the file)")
    p.add_argument("--focus", help="draw this table and its neighbours")
    p.add_argument("--depth", type=int, default=1, help="foreign-key hops around --focus (default 1)")
    p.add_argument("--keys-only", action="store_true", help="only key columns")
    p.add_argument("--cluster", choices=["namespace", "prefix"], help="group tables")
    p.add_argument("--overview", action="store_true", help="table names only (automatic above 150 tables)")
    p.add_argument("--namespace", action="append", metavar="NAME", help="for a PostgreSQL URL: read this schema "
                   "(repeatable; default: every schema of the database's users)")

    p = command("lint", _lint, "review a schema (or with --arch an architecture spec); exit 1 when there are errors")
    p.add_argument("source", nargs="?", help="a .sql file or a database URL")
    p.add_argument("--arch", metavar="SPEC.yaml", help="lint an architecture spec instead")
    p.add_argument("--dialect", help="postgres, sqlite or mysql (default: guessed from the file)")
    p.add_argument("--expected-rows", type=float, help="expected rows per table, for the key-size rule")
    p.add_argument("--namespace", action="append", metavar="NAME", help="for a PostgreSQL URL: read this schema "
                   "(repeatable; default: every schema of the database's users)")
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = command("diff", _diff, "changes and migration SQL between two schema versions")
    p.add_argument("old", help="the old .sql file or URL")
    p.add_argument("new", help="the new .sql file or URL")
    p.add_argument("--dialect", help="dialect of both files (default: guessed)")
    p.add_argument("--to", help="write the migration for this dialect (default: the new file's)")
    p.add_argument("--namespace", action="append", metavar="NAME", help="for a PostgreSQL URL: read this schema "
                   "(repeatable; default: every schema of the database's users)")
    p.add_argument("--format", choices=["sql", "text", "json"], default="sql")

    p = command("arch", _arch, "draw an architecture spec (YAML) as a self-contained SVG or a PNG")
    p.add_argument("spec", help="SPEC.yaml")
    p.add_argument("-o", "--output", help="OUT.svg or OUT.png")
    p.add_argument("--python", action="store_true", help="print the equivalent diagrams program instead")

    p = command("export", _export, "write a design document: one self-contained .html, or .md with an assets folder")
    p.add_argument("source", help="a design name, or a NOTEBOOK.ipynb (exports the design it works on)")
    p.add_argument("-o", "--output", required=True, help="OUT.html or OUT.md")
    p.add_argument("--home", help="the workbench home (default: WORKBENCH_HOME or .workbench; for a notebook, "
                                  ".workbench next to it)")
    p.add_argument("--design", help="for a notebook: the design to export (default: the one it uses last)")
    p.add_argument("--conversation", action="store_true", help="include the conversation with the agent")

    p = command("lab", _lab, "lab namespaces on servers: `workbench lab gc` drops those whose kernel is gone")
    p.add_argument("action", choices=["gc"], help="gc: find and drop orphaned lab namespaces and principals")
    p.add_argument("--url", action="append", help="a server URL (repeatable; default: WORKBENCH_PG_URL and "
                                                   "WORKBENCH_MYSQL_URL)")
    p.add_argument("--dry-run", action="store_true", help="list only")
    p.add_argument("--all", action="store_true", help="drop every workbench lab namespace, live ones too")

    p = command("mcp", _mcp, "serve a design's tools over MCP (stdio) to Claude Code or any MCP client")
    p.add_argument("-d", "--design", default="default", help="the design the tools work on (default: default)")

    p = command("agent", _agent, "export an agent definition for Claude Code, with the design tools it may call")
    p.add_argument("action", choices=["export"], help="export: write the agent as a Claude Code subagent file")
    p.add_argument("name", nargs="?", help="agent name or file (default: the default agent)")
    p.add_argument("--claude-code", action="store_true", help="the Claude Code subagent format (the only one today)")
    p.add_argument("-o", "--output", help="file to write, or - for stdout (default: .claude/agents/NAME.md, where "
                   "Claude Code finds a project's subagents)")

    p = command("demo", _demo, "run the tour notebook and write build/tour.html (scripted model without a key)")
    p.add_argument("-o", "--output", default="build", help="output folder (default: build)")

    return parser


def _agent(args: argparse.Namespace) -> int:
    """The agent as a Claude Code subagent whose tools are the workbench's MCP tools (`workbench mcp`)."""
    from pathlib import Path

    from .agent.tools import builtin_registry
    from .subagent import load_agent

    agent = load_agent(args.name)
    design_tools = [t.name for t in builtin_registry().select(None, bash_enabled=False)]
    text = agent.claude_code_file(design_tools)
    if args.output == "-":
        sys.stdout.write(text)
        return EXIT_OK
    out = Path(args.output or Path(".claude") / "agents" / f"{agent.name}.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"Wrote {out}. Claude Code offers it as the subagent {agent.name!r} when `workbench mcp -d DESIGN` is "
          "configured as the MCP server named workbench (e.g. claude mcp add workbench -- workbench mcp -d DESIGN).")
    return EXIT_OK


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_ERROR
    try:
        return int(args.func(args) or 0)
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, or a library's error: shown with every secret masked
        from .errors import UnexpectedError

        error = UnexpectedError(exc)
        if os.environ.get("WORKBENCH_DEBUG"):
            print("".join(error.trace), file=sys.stderr, end="")
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
