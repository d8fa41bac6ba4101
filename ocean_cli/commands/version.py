"""``ocean version``: prints the installed Ocean version."""

from __future__ import annotations

import typer


def version(short: bool = typer.Option(False, "--short", "-s", help="Print only the version number.")) -> None:
    """Show the installed Ocean version."""
    from importlib.metadata import version as dist_version

    number = dist_version("ocean-sail")
    typer.echo(number if short else f"Ocean {number}")
