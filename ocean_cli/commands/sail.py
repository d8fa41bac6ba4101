"""``ocean sail``: runs an integration (stub)."""

from __future__ import annotations

from pathlib import Path

import typer


def sail(
    directory: Path = typer.Argument(Path("."), help="Integration folder."),
    once: bool = typer.Option(False, "--once", "-O", help="Resync once and exit."),
    port: int = typer.Option(8000, "--port", "-p", help="Port for /health and webhooks."),
    log_level: str = typer.Option("INFO", "--log-level", "-l", help="DEBUG, INFO, WARNING or ERROR."),
) -> None:
    """Run the integration in DIRECTORY: defaults, full resync, then keep it in sync."""
    raise typer.Exit(2)
