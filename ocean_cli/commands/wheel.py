"""``ocean wheel``: wheels of this Ocean for installs without a package index.

``ocean wheel dist`` writes ``dist/ocean_sail-VERSION-py3-none-any.whl``: point a project at it
(``ocean new --ocean dist/ocean_sail-….whl``, or ``pip install --find-links dist ocean-sail``).
``--deps`` adds a wheel of every dependency: a folder that installs Ocean with
``pip install --no-index --find-links DIR ocean-sail``; ``--deps --python-version 3.11`` makes
that folder for another Python — the container image's (deploy/docker/build-base.sh uses it, so
an image builds the same from a 3.12 or a macOS machine).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def wheel(
    out: Annotated[Path, typer.Argument(help="Folder to write the wheels into (created if missing).")] = Path(
        "dist"
    ),
    deps: Annotated[
        bool, typer.Option("--deps", help="Also build a wheel of every dependency (offline installs).")
    ] = False,
    python_version: Annotated[
        str | None,
        typer.Option(
            "--python-version",
            metavar="X.Y",
            help="With --deps: the dependencies for another Python, as Linux wheels for this machine's "
            "architecture — a container image's (Debian bookworm's is 3.11).",
        ),
    ] = None,
) -> None:
    """Build a wheel of this Ocean into OUT (with --deps, of its dependencies too)."""
    from ocean_cli.errors import fail, user_errors
    from ocean_cli.ocean_source import build_wheels, installed_source

    if out.exists() and not out.is_dir():
        raise fail(f"{out} is a file — choose a folder for the wheels")
    with user_errors():
        source = installed_source()
        origin = str(source.path) if source.path else f"the package index (ocean-sail=={source.version})"
        typer.echo(f"Building wheels of Ocean {source.version} from {origin}…", err=True)
        wheels = build_wheels(out, deps=deps, source=source, python_version=python_version)
    for built in wheels:
        typer.echo(str(built))
