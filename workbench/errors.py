"""One exception tree for the workbench. Every message says how to fix the problem.

    WorkbenchError
     ├── ConfigError              settings, missing key, missing system tools
     │    └── MissingAPIKey
     ├── AgentDefinitionError     a malformed agent file (names file and field)
     ├── ModelError               the model API refused or failed
     │    ├── AuthenticationFailed
     │    └── StreamInterrupted   a stream broke off; partial text is kept
     ├── ToolInputError           a tool call whose input does not fit its schema
     ├── DesignError              designs and the store
     ├── WorkspaceError           a file tool path outside the design's workspace
     ├── SchemaError              DDL and schema model problems
     │    └── DDLSyntaxError      carries line and column
     ├── ArchitectureSpecError    an invalid architecture spec (all messages)
     ├── LabError                 experiment databases
     │    ├── SQLError            a statement failed (names the statement)
     │    │    └── ReadOnlyError  a write the database refused: it is opened read-only
     │    ├── PrivilegeError      the URL's user cannot set up the lab's own restricted principal
     │    └── SeedError           synthetic data could not be generated/loaded
     ├── DesignBusy               another kernel is running a turn on the design
     ├── ExportError              design documents
     └── UnexpectedError          a bug: any other exception, shown with secrets masked

Library code raises these; the magics show them without a traceback (the cell
still fails), and the CLI prints the message and exits non-zero.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        from .secrets import redact  # every message passes the one redaction path on its way out

        if self.hint:
            return redact(f"{self.message}\n{self.hint}")
        return redact(self.message)

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing a stack trace: the cell fails
        # with a readable message, because the fault is in the input, not the code.
        return [f"{type(self).__name__}: {self}"]


class ConfigError(WorkbenchError):
    """A setting is missing or wrong."""


class MissingAPIKey(ConfigError):
    """No credentials for the Anthropic API were found."""

    def __init__(self) -> None:
        super().__init__(
            "No Anthropic API key: set ANTHROPIC_API_KEY (or Bedrock/Vertex credentials) "
            "in the environment before starting Jupyter.",
            hint="Run `%architect doctor` to check the set-up; "
            "`%architect script PATH` answers from a scripted model instead.",
        )


class AgentDefinitionError(WorkbenchError):
    """An agent definition file is malformed."""


class ModelError(WorkbenchError):
    """The model API failed."""


class AuthenticationFailed(ModelError):
    """The API refused the credentials."""


class StreamInterrupted(ModelError):
    """A streamed answer broke off; what arrived is kept in the history."""


class ToolInputError(WorkbenchError):
    """A tool was called with input that does not match its schema."""


class DesignError(WorkbenchError):
    """A design or the store cannot do what was asked."""


class WorkspaceError(WorkbenchError):
    """A file-tool path is outside the design's workspace or otherwise refused."""


class SchemaError(WorkbenchError):
    """A schema cannot be built or converted."""


class DDLSyntaxError(SchemaError):
    """DDL that does not parse; `line` and `column` are 1-based."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None,
                 statement: str | None = None, hint: str | None = None) -> None:
        where = f" at line {line}" + (f", column {column}" if column is not None else "") if line is not None else ""
        super().__init__(f"DDL syntax error{where}: {message}", hint=hint)
        self.line = line
        self.column = column
        self.statement = statement
        self.excerpt: str | None = None

    def quote(self, text: str) -> DDLSyntaxError:
        """Show the line of `text` (the whole input) where the error is, with a caret under the column."""
        lines = text.split("\n")
        if self.excerpt is not None or self.line is None or not 1 <= self.line <= len(lines):
            return self
        source = lines[self.line - 1].rstrip("\r")
        shown = source.expandtabs(4)
        gutter = f"{self.line:>5} | "
        self.excerpt = gutter + shown[:200]
        if self.column is not None and 1 <= self.column <= len(source) + 1:
            at = len(source[: self.column - 1].expandtabs(4))
            if at <= 200:
                self.excerpt += "\n" + " " * (len(gutter) - 2) + "| " + " " * at + "^"
        self.message = f"{self.message}\n{self.excerpt}"
        return self


class ArchitectureSpecError(WorkbenchError):
    """An architecture spec is invalid; `problems` lists every finding."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(f"Invalid architecture spec ({len(self.problems)} problem"
                         f"{'s' if len(self.problems) != 1 else ''}):\n{lines}")


class LabError(WorkbenchError):
    """An experiment database cannot do what was asked."""


class SQLError(LabError):
    """A SQL statement failed."""

    def __init__(self, message: str, *, statement: str | None = None, hint: str | None = None) -> None:
        self.statement = statement
        shown = ""
        if statement:
            one_line = " ".join(statement.split())
            shown = f"\nStatement: {one_line[:300]}{'…' if len(one_line) > 300 else ''}"
        super().__init__(f"{message}{shown}", hint=hint)


class ReadOnlyError(SQLError):
    """A write was attempted on a database opened read-only."""


class SeedError(LabError):
    """Synthetic data could not be generated or loaded."""


class ExportError(WorkbenchError):
    """A design document could not be written."""


class DesignBusy(DesignError):
    """Another process is running a turn on this design (the store serialises turns)."""


class PrivilegeError(LabError):
    """The lab cannot create the restricted principal it runs as with the URL it was given."""


class UnexpectedError(WorkbenchError):
    """Any exception the workbench did not raise on purpose, shown with every secret masked.

    The original traceback is kept (redacted) for the bug report; the cell or command fails.
    """

    def __init__(self, exc: BaseException) -> None:
        import traceback

        from .secrets import redact

        self.original = type(exc).__name__
        self.trace = [redact(line) for line in traceback.format_exception(type(exc), exc, exc.__traceback__)]
        super().__init__(f"Unexpected {type(exc).__name__}: {redact(str(exc))}",
                         hint="This is a bug in the workbench; the traceback above (secrets masked) helps to fix it.")

    def _render_traceback_(self) -> list[str]:
        return ["".join(self.trace).rstrip(), f"{type(self).__name__}: {self}"]
