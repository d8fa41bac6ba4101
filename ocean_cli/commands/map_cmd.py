"""``ocean map``: runs a resource's mapping on sample items (stub)."""

from __future__ import annotations

from pathlib import Path

import typer


def map_items(
    target: Path = typer.Argument(..., help="Integration folder or a port-app-config file."),
    kind: str = typer.Option(..., "--kind", help="Kind whose mapping to run."),
    input_file: Path = typer.Option(..., "--input", help="JSON file with a list of raw items."),
    resource: int | None = typer.Option(None, "--resource", help="Index of the resource to use."),
    output_format: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Run a mapping on sample raw items and show the entities it produces."""
    raise typer.Exit(2)
