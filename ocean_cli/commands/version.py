"""``ocean version``: prints the installed Ocean version."""

from __future__ import annotations

import typer

SHORT_FLAGS = ("--short", "-s")


def version(short: bool = typer.Option(False, *SHORT_FLAGS, help="Print only the version number.")) -> None:
    """Show the installed Ocean version."""
    echo_version(short=short)


def echo_version(*, short: bool) -> None:
    """Prints ``Ocean <number>``, or only the number when ``short``."""
    from importlib.metadata import version as dist_version

    number = dist_version("ocean-sail")
    typer.echo(number if short else f"Ocean {number}")


def plain_version_request(args: list[str]) -> bool | None:
    """``short`` when ``args`` is a plain ``version [--short|-s]...`` call, else None.

    Anything else (``--help``, unknown options) is left to Typer, which parses and reports it.
    """
    if args[:1] != ["version"] or not set(args[1:]) <= set(SHORT_FLAGS):
        return None
    return bool(args[1:])
