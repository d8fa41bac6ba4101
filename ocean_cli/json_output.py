"""What a command prints when ``OCEAN__LOG_FORMAT=json``: one JSON record per line, on stdout.

A log collector reads a container's stdout and stderr alike, so in JSON mode nothing a command
prints may be free text. Each line it prints (the target, progress, hints) becomes a record
shaped as a log record (``ocean_cli.logs.JsonFormatter``: the same fields, the same secret
masking); the end of a resync is one record with the counts per kind instead of the table
(``ocean_cli.summary``). The lines stay on stdout, the logs on stderr, as in the other formats.
"""

from __future__ import annotations

import io
import logging
import sys
from typing import IO, Any

from rich.console import Console

from ocean_cli.logs import JsonFormatter, LogSetup

OUTPUT_LOGGER = "ocean.sail"
# Wide enough that a line of text is never cut by rich; each record is one line however long.
_WIDTH = 200


class JsonLines(io.TextIOBase):
    """A text stream that writes every line given to it as one JSON record on stdout."""

    def __init__(self, setup: LogSetup) -> None:
        super().__init__()
        self.setup = setup
        self._partial = ""

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            if line.strip():
                self.record(line.strip())
        return len(text)

    def record(self, message: str, level: int = logging.INFO, **fields: Any) -> None:
        """Writes ``message`` (and ``fields``, JSON values) as one record at ``level``."""
        record = logging.LogRecord(OUTPUT_LOGGER, level, __file__, 0, message, None, None)
        record.__dict__.update(fields)
        formatter = JsonFormatter(self.setup.masker, self.setup.context)
        sys.stdout.write(formatter.format(record) + "\n")
        sys.stdout.flush()


def json_console(setup: LogSetup) -> Console:
    """A console whose every printed line is a JSON record (no colour, no wrapping)."""
    lines: IO[str] = JsonLines(setup)  # type: ignore[assignment]  # a TextIOBase is an IO[str]
    return Console(file=lines, width=_WIDTH, highlight=False, soft_wrap=True, color_system=None)


def json_records(console: Console) -> JsonLines | None:
    """The ``JsonLines`` behind ``console`` when it is a JSON-mode console, else ``None``."""
    stream = console.file
    return stream if isinstance(stream, JsonLines) else None
