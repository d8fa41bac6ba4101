"""``ocean validate``: checks an integration folder (stub)."""

from __future__ import annotations

from pathlib import Path

import typer


def validate(
    directory: Path = typer.Argument(Path("."), help="Integration folder (or a folder holding .port/)."),
    output_format: str = typer.Option("text", "--format", help="text or json"),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
) -> None:
    """Check spec.yaml, blueprints.json and port-app-config.yml of an integration."""
    raise typer.Exit(2)
