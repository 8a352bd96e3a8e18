"""`workbench` command line: mirrors the Python API. Errors print a message and exit non-zero."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .errors import WorkbenchError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _doctor(args: argparse.Namespace) -> int:
    from .doctor import checks, report

    results = checks()
    print(report(results))
    required = ("python", "anthropic SDK", "graphviz dot", "store", "agents")
    return EXIT_ERROR if any(c.ok is False and c.name in required for c in results) else EXIT_OK


def _ask(args: argparse.Namespace) -> int:
    from .agent.render import ConsoleRenderer
    from .agent.session import Architect

    prompt = " ".join(args.prompt) if args.prompt else sys.stdin.read()
    architect = Architect(args.design, agent=args.agent, model=args.model, max_steps=args.max_steps,
                          budget_usd=args.budget)
    architect.ask(prompt, renderer=ConsoleRenderer(), use_tools=not args.no_tools)
    return EXIT_OK


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
    p.add_argument("--max-steps", type=int, help="most model calls in the turn")
    p.add_argument("--budget", type=float, help="most USD to spend in the turn")

    p = command("demo", _demo, "run the tour notebook and write build/tour.html (scripted model without a key)")
    p.add_argument("-o", "--output", default="build", help="output folder (default: build)")

    return parser


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


if __name__ == "__main__":
    sys.exit(main())
