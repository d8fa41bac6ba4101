"""Where ``ocean sail`` (and friends) send their logs, and in which shape.

The format is chosen by ``OCEAN__LOG_FORMAT`` (environment, ``.env`` or ``config.yaml``):

- ``rich``: Rich's coloured, column-aligned records, for a person at a terminal;
- ``plain``: one line per record — ISO 8601 UTC timestamp, level, logger, message — with
  newlines escaped, never wrapped: what a file, ``less`` or ``grep`` wants;
- ``json``: one JSON object per line (``time``, ``level``, ``logger``, ``message``,
  ``integration``, ``kind``, ``event_id``, and ``exception`` when there is one): what a log
  collector wants;
- ``auto`` (the default): ``rich`` when the log stream (stderr) is a terminal, else ``plain``.

Every known secret (Port credentials, sensitive configuration) is masked in every format, in
the message, its arguments and the exception text alike.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any, TextIO

LOG_FORMATS = ("auto", "rich", "plain", "json")
MASK = "[REDACTED]"

# LogRecord attributes that are the record's own, not ``extra=`` fields a caller added.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_EVENT_ID_FIELDS = ("event_id", "eventId")


class SecretMasker(logging.Filter):
    """Replaces every known secret in a record's message by ``[REDACTED]``."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: list[str] = []

    def add(self, values: list[str]) -> None:
        """Adds ``values`` to the secrets to mask (empty values are ignored)."""
        from ocean_harbor import DEFAULT_CLIENT_SECRET

        # The harbor's published default is no secret, and masking it would mangle every
        # name that contains "ocean" (topics, identifiers, URLs).
        kept = {value for value in values if value and value != DEFAULT_CLIENT_SECRET}
        self.secrets = sorted({*self.secrets, *kept}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        """``text`` with every secret replaced."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg, record.args = self.mask(record.getMessage()), None
        return True


class LogContext:
    """What every record of this process is about: the integration (known once settings load)."""

    def __init__(self) -> None:
        self.integration: str | None = None


def current_kind(record: logging.LogRecord) -> str | None:
    """The kind a record is about: its ``kind`` extra, else the resource being synced."""
    kind = getattr(record, "kind", None)
    if isinstance(kind, str):
        return kind
    from ocean_runtime.context import current_scope

    scope = current_scope()
    if scope is not None and scope.resource_config is not None:
        return scope.resource_config.kind
    return None


def event_id_of(record: logging.LogRecord) -> str | None:
    """The live event a record is about, from its ``event_id`` (or ``eventId``) extra."""
    for field in _EVENT_ID_FIELDS:
        value = getattr(record, field, None)
        if value is not None:
            return str(value)
    return None


def iso_time(created: float) -> str:
    """``created`` as ISO 8601 UTC with milliseconds, e.g. ``2026-12-07T19:08:36.708Z``."""
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
    return f"{seconds}.{int(created % 1 * 1000):03d}Z"


class _MaskingFormatter(logging.Formatter):
    """Base of the line formatters: masks secrets in everything it prints (tracebacks too)."""

    def __init__(self, masker: SecretMasker, context: LogContext) -> None:
        super().__init__()
        self.masker = masker
        self.context = context

    def exception_text(self, record: logging.LogRecord) -> str | None:
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        return self.masker.mask(record.exc_text) if record.exc_text else None


class PlainFormatter(_MaskingFormatter):
    """``2026-12-07T19:08:36.708Z INFO ocean.sync: message [kind=x]``, always one line."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [iso_time(record.created), f"{record.levelname:<7}", f"{record.name}:", record.getMessage()]
        tags = [("kind", current_kind(record)), ("event_id", event_id_of(record))]
        shown = " ".join(f"{key}={value}" for key, value in tags if value)
        if shown:
            parts.append(f"[{shown}]")
        exception = self.exception_text(record)
        if exception:
            parts.append("| " + exception)
        return _one_line(self.masker.mask(" ".join(parts)))


class JsonFormatter(_MaskingFormatter):
    """One JSON object per record; ``extra=`` fields that JSON can hold are kept."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": iso_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": self.masker.mask(record.getMessage()),
            "integration": self.context.integration,
            "kind": current_kind(record),
            "event_id": event_id_of(record),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in document and key not in _EVENT_ID_FIELDS:
                document[key] = _masked_value(value, self.masker)
        exception = self.exception_text(record)
        if exception:
            document["exception"] = exception
        return json.dumps(document, ensure_ascii=False, default=str)


def _masked_value(value: Any, masker: SecretMasker) -> Any:
    if isinstance(value, str):
        return masker.mask(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    # Structured fields (a resync's counts per kind) stay structured: a collector can query them.
    if isinstance(value, dict):
        return {str(key): _masked_value(item, masker) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked_value(item, masker) for item in value]
    return masker.mask(json.dumps(value, default=str))


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


class LogSetup:
    """The handler ``configure_logging`` installed, and the knobs a command turns later.

    Attributes:
        masker: the secret masker shared by every format.
        context: what every record is about (the integration identifier).
    """

    def __init__(self, level: str, log_format: str, stream: TextIO) -> None:
        self.level = level
        self.masker = SecretMasker()
        self.context = LogContext()
        self.stream = stream
        self.log_format = ""
        self.use(log_format)

    def add(self, values: list[str]) -> None:
        """Masks ``values`` from now on (see ``SecretMasker.add``)."""
        self.masker.add(values)

    def apply(self, settings: Any) -> None:
        """Takes the integration identifier and ``log_format`` from loaded ``OceanSettings``."""
        self.context.integration = settings.integration.identifier
        self.use(getattr(settings, "log_format", self.log_format))

    def use(self, log_format: str) -> None:
        """Switches the root logger to ``log_format`` (see the module docstring)."""
        resolved = resolve_format(log_format, self.stream)
        if resolved == self.log_format:
            return
        self.log_format = resolved
        _install(self._handler(resolved), self.level)
        _ACTIVE[:] = [self]

    def _handler(self, log_format: str) -> logging.Handler:
        handler: logging.Handler
        if log_format == "rich":
            from rich.console import Console
            from rich.logging import RichHandler

            handler = RichHandler(console=Console(file=self.stream), show_path=False, rich_tracebacks=False)
        else:
            handler = logging.StreamHandler(self.stream)
            formatter = JsonFormatter if log_format == "json" else PlainFormatter
            handler.setFormatter(formatter(self.masker, self.context))
        handler.addFilter(self.masker)
        return handler


_ACTIVE: list[LogSetup] = []


def active_setup() -> LogSetup | None:
    """The ``LogSetup`` this command installed, logging to the current stderr (else ``None``).

    A setup logging elsewhere is not this command's: one an earlier command left behind in the
    same process (tests run many), or one writing to a stream a caller handed it.
    """
    return _ACTIVE[0] if _ACTIVE and _ACTIVE[0].stream is sys.stderr else None


def resolve_format(log_format: str | None, stream: TextIO) -> str:
    """``log_format`` with ``auto`` (or nothing, or an unknown value) decided by ``stream``."""
    chosen = (log_format or "auto").strip().lower()
    if chosen in ("rich", "plain", "json"):
        return chosen
    isatty = getattr(stream, "isatty", None)
    return "rich" if isatty is not None and isatty() else "plain"


def configure_logging(level: str, log_format: str | None = None, stream: TextIO | None = None) -> LogSetup:
    """Sends every log record to stderr at ``level`` in ``log_format``.

    Args:
        level: ``DEBUG``, ``INFO``, ``WARNING``, ``ERROR`` or ``CRITICAL``.
        log_format: ``auto``, ``rich``, ``plain`` or ``json``; default ``$OCEAN__LOG_FORMAT``
            (a bad value falls back to ``auto`` here; loading the settings reports it).
        stream: where records go (default ``sys.stderr``).

    Returns:
        The ``LogSetup``: ``add`` secrets to mask, ``apply`` the loaded settings.
    """
    if log_format is None:
        log_format = os.environ.get("OCEAN__LOG_FORMAT")
    return LogSetup(level, log_format or "auto", stream or sys.stderr)


def _install(handler: logging.Handler, level: str) -> None:
    handler._ocean_cli = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    # Replace only a handler a previous command installed (tests run several in one process).
    root.handlers[:] = [h for h in root.handlers if not getattr(h, "_ocean_cli", False)] + [handler]
    root.setLevel(level)
    # httpx logs every request at INFO: too chatty unless debugging.
    logging.getLogger("httpx").setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
