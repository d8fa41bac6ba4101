"""``ocean new``: scaffolds an integration from ``templates/integration`` (stub)."""

from __future__ import annotations

from pathlib import Path

import typer


def new(
    directory: Path = typer.Argument(Path("."), help="Folder to create the integration in."),
    name: str | None = typer.Option(None, "--name", help="Integration name."),
    no_input: bool = typer.Option(False, "--no-input", help="Do not prompt; use defaults."),
) -> None:
    """Scaffold a new integration."""
    raise typer.Exit(2)
