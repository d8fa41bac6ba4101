"""Checks of command-line values that fail fast, before anything starts or is written."""

from __future__ import annotations

from pathlib import Path

from ocean_cli.errors import fail

MAX_TCP_PORT = 65_535


def check_tcp_port(port: int, option: str = "--port") -> None:
    """Refuses a ``port`` outside 0–65535 (0 asks the system for any free port).

    Raises:
        typer.Exit: after printing which option is wrong and the range it takes.
    """
    if not 0 <= port <= MAX_TCP_PORT:
        raise fail(f"{option} {port}: not a TCP port — use 1-{MAX_TCP_PORT}, or 0 for any free port")


def check_file_path(path: Path, option: str) -> None:
    """Refuses a file ``path`` that is a folder, or whose folder does not exist.

    Raises:
        typer.Exit: after printing the option, the missing folder and the fix.
    """
    if path.is_dir():
        raise fail(f"{option} {path}: that is a folder — give a file name, e.g. {path / 'harbor.db'}")
    parent = path.expanduser().absolute().parent
    if not parent.exists():
        raise fail(
            f"{option} {path}: the folder {parent} does not exist — create it first or choose another path"
        )
    if not parent.is_dir():
        raise fail(f"{option} {path}: {parent} is not a folder — choose another path")
