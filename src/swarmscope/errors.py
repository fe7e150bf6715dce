"""Exceptions that carry enough context for a user to find and fix the bad input."""

from __future__ import annotations


class SwarmscopeError(Exception):
    """Base class of errors swarmscope reports to users (the CLI prints them without a trace)."""


class CaseError(SwarmscopeError):
    """A case folder is missing, locked, or not a swarmscope case."""


class IngestError(SwarmscopeError):
    """A record of an input file could not be turned into an action.

    The message names the file, the record (1-based position in the file: a row of a table, a
    line of a JSON-lines file, an element of a JSON array), the physical line where known, the
    field as it is named in the input, and the reason.
    """

    def __init__(
        self,
        file: str,
        record: int | None,
        field: str | None,
        reason: str,
        value: object = None,
        line: int | None = None,
    ) -> None:
        self.file = file
        self.record = record
        self.field = field
        self.reason = reason
        self.value = value
        self.line = line
        super().__init__(self._message())

    def _message(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.record is not None:
            where.append(f"record {self.record}")
        if self.field:
            where.append(f"field {self.field!r}")
        msg = ", ".join(where) + f": {self.reason}"
        if self.value is not None:
            shown = repr(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            msg += f" (value {shown})"
        return msg


class UsageError(SwarmscopeError):
    """Options that do not fit together, an unknown format, behaviour or signal."""
