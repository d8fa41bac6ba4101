"""``ocean defaults dock|clean`` (stub)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Push or remove an integration's default blueprints and mapping.", no_args_is_help=True)
