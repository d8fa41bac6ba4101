"""How the CLI reports a failure: one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer


def fail(message: str, code: int = 1) -> typer.Exit:
    """Prints ``message`` as an error on stderr and returns the ``typer.Exit`` to raise.

    With JSON logs (``OCEAN__LOG_FORMAT=json``) the error is a JSON log record like the others.
    """
    _last_word(f"error: {message}", colour=typer.colors.RED)
    return typer.Exit(code)


def _last_word(line: str, colour: str | None = None) -> None:
    """``line`` on stderr — as an ``ERROR`` record when the logs are JSON (every line JSON)."""
    from ocean_cli.logs import active_setup

    setup = active_setup()
    if setup is not None and setup.log_format == "json":
        logging.getLogger("ocean.cli").error(line)
    else:
        typer.secho(line, fg=colour, err=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turns Ocean's own errors into one line on stderr and exit 1.

    Wrap each command body in it. Only errors Ocean raises on purpose are caught; a bug still
    shows its traceback so it can be reported.
    """
    from ocean_runtime.errors import OceanError

    try:
        yield
    except OceanError as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        _last_word("interrupted")
        sys.exit(130)
