"""``ocean harbor``: serves the local Port standalone (stub)."""

from __future__ import annotations

from pathlib import Path

import typer


def harbor(
    db: Path = typer.Option(Path("harbor.db"), "--db", help="SQLite file of the catalog."),
    port: int = typer.Option(5555, "--port", help="Port to listen on (127.0.0.1)."),
    client_id: str | None = typer.Option(None, "--client-id"),
    client_secret: str | None = typer.Option(None, "--client-secret"),
) -> None:
    """Serve the local Port (API + catalog UI) on 127.0.0.1."""
    raise typer.Exit(2)
