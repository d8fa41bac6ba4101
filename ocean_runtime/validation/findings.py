"""``Finding``: one problem ``ocean validate`` reports, and helpers to make them from a document."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from ocean_runtime.config.documents import Document, KeyPath
from ocean_runtime.config.naming import format_key_path
from ocean_runtime.errors import UserInputError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem in an integration folder.

    Attributes:
        severity: ``error`` (the integration will fail or Port will refuse it) or ``warning``
            (suspicious, but may be intended).
        file: the file, relative to the integration folder (``.port/spec.yaml``).
        location: key path inside the file (``resources[2].port.entity.mappings.identifier``),
            empty for the whole file.
        line: 1-based line when known.
        message: what is wrong and, where useful, how to fix it.
    """

    severity: Severity
    file: str
    location: str
    line: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape printed by ``ocean validate --format json``."""
        return asdict(self)


def at(document: Document, severity: Severity, path: KeyPath, message: str) -> Finding:
    """A finding at ``path`` of ``document``, with the line of that key."""
    return Finding(severity, document.name, format_key_path(path), document.line_of(path), message)


def from_user_error(error: UserInputError, *, severity: Severity = "error", file: str = "") -> Finding:
    """Turns a ``UserInputError`` (e.g. a syntax error) into a finding."""
    message = error.message + (f" — {error.fix}" if error.fix else "")
    return Finding(severity, error.file or file, error.location or "", error.line, message)
