"""The ``ocean`` Typer application: one sub-command per module in ``ocean_cli.commands``."""

from __future__ import annotations

import typer

from ocean_cli.commands import defaults, harbor, map_cmd, new, sail, validate, version

app = typer.Typer(
    name="ocean",
    help="Build, validate and run integrations that keep a Port catalog in sync — no Port account needed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.command("new")(new.new)
app.command("validate")(validate.validate)
app.command("map")(map_cmd.map_items)
app.command("sail")(sail.sail)
app.add_typer(defaults.app, name="defaults")
app.command("harbor")(harbor.harbor)
app.command("version")(version.version)


def run() -> None:
    """Console-script entry point."""
    app()
