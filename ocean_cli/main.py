"""The ``ocean`` Typer application: one sub-command per module in ``ocean_cli.commands``.

Start-up cost matters (``ocean --help`` should feel instant): command modules import only
``typer`` at module level, and help is rendered by click's plain formatter
(``rich_markup_mode=None``) — Typer's rich help pulls in ``rich.markdown``, ``rich.syntax``
and friends, which more than doubles the start-up time. ``benchmarks/bench_startup.py``
measures it and lists what ``ocean --help`` and ``ocean version`` import.
"""

from __future__ import annotations

import gc
import sys

import typer

from ocean_cli.commands import defaults, harbor, manifests, map_cmd, new, sail, validate, version, wheel

app = typer.Typer(
    name="ocean",
    help="Build, validate and run integrations that keep a Port catalog in sync — no Port account needed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

app.command("new")(new.new)
app.command("validate")(validate.validate)
app.command("map")(map_cmd.map_items)
app.command("sail")(sail.sail)
app.add_typer(defaults.app, name="defaults")
app.command("harbor")(harbor.harbor)
app.command("version")(version.version)
app.command("wheel")(wheel.wheel)
app.command("manifests")(manifests.manifests)


# Allocations between two young-generation collections (CPython's default is 700).
GC_YOUNG_THRESHOLD = 20_000


def run() -> None:
    """Console-script entry point."""
    _tune_garbage_collector()
    short = version.plain_version_request(sys.argv[1:])
    if short is not None:
        # Typer builds a pydantic TypeAdapter for the unset ``--help`` flag of every command it
        # runs (``typer._coercion``), which costs ``ocean version`` ~0.2 s of imports; the plain
        # call needs no parsing, so it is answered before Typer sees it.
        version.echo_version(short=short)
        return
    app()


def _tune_garbage_collector() -> None:
    """Collect cycles less often: a sync allocates millions of short-lived, acyclic objects.

    Decoded items and mapped entities are freed by reference counting the moment a batch is
    written; with CPython's default thresholds the cycle collector still runs every 700
    allocations and walks them, ~8 % of ``ocean sail``'s CPU (and of the harbor's). Cycles
    (tracebacks, asyncio futures) are still collected, just in larger, rarer sweeps.
    """
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 10)
