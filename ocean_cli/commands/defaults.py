"""``ocean defaults dock|clean``: push or remove an integration's default Port resources.

Both talk to Port when ``OCEAN__PORT__CLIENT_ID``/``SECRET`` are set (env, ``.env`` or
``config.yaml``), else to the integration's local harbor (``DIR/.ocean/harbor.db``), exactly
like ``ocean sail``. Failures exit 1 with one line saying what to do.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ocean_runtime.defaults import CleanReport, DockReport

app = typer.Typer(
    help="Push or remove an integration's default blueprints and mapping.", no_args_is_help=True
)

Directory = Annotated[Path, typer.Argument(help="Integration folder.")]


@app.command("dock")
def dock(directory: Directory = Path(".")) -> None:
    """Create the integration and its default blueprints, actions, scorecards and pages in Port."""
    import asyncio

    from ocean_cli.commands.sail import configure_logging, port_target
    from ocean_cli.errors import user_errors

    masker = configure_logging("WARNING")
    with user_errors():
        from ocean_runtime.app import IntegrationRunner, load_integration
        from ocean_runtime.defaults import dock as dock_defaults
        from ocean_runtime.defaults import load_resources
        from ocean_runtime.sync.plan import compile_plan

        integration = load_integration(directory, import_main=False, require_spec=True)
        settings = integration.settings
        assert settings is not None and integration.directory is not None
        resources = load_resources(
            integration.directory,
            resources_path=settings.resources_path,
            config_class=integration.config_class,
        )
        if resources.port_app_config is not None:
            compile_plan(
                resources.port_app_config,
                lambda kind: [],
                source=str(resources.port_app_config_file),
                strict=True,
            )
        with port_target(integration, masker) as target:

            async def run() -> DockReport:
                async with IntegrationRunner(integration, target) as runner:
                    return await dock_defaults(runner.port, resources, push_mapping=target.local, always=True)

            _print_dock_report(asyncio.run(run()))  # before the hint the harbor's exit prints


def _print_dock_report(report: DockReport) -> None:
    from ocean_cli.commands.sail import out_console

    out = out_console()
    created = report.created_blueprints
    existing = report.existing_blueprints
    if report.created_integration:
        out.print("Created the integration (with the default mapping)")
    out.print(f"Blueprints created: {', '.join(created) or 'none'}")
    if existing:
        out.print(f"Blueprints already there: {', '.join(existing)}")
    for label in report.created_documents:
        out.print(f"Created {label}")
    for warning in report.warnings:
        out.print(f"[yellow]warning: {warning}[/yellow]")
    out.print("Docked. ⚓")


@app.command("clean")
def clean(
    directory: Directory = Path("."),
    force: Annotated[
        bool, typer.Option("--force", "-f", help="Also delete the blueprints' entities (all of them).")
    ] = False,
    destroy: Annotated[
        bool, typer.Option("--destroy", "-d", help="Also delete the integration itself.")
    ] = False,
) -> None:
    """Delete the integration's default blueprints (and with --destroy, the integration)."""
    import asyncio

    from ocean_cli.commands.sail import configure_logging, out_console, port_target
    from ocean_cli.errors import user_errors

    masker = configure_logging("WARNING")
    with user_errors():
        from ocean_runtime.app import IntegrationRunner, load_integration
        from ocean_runtime.defaults import clean as clean_defaults
        from ocean_runtime.defaults import load_resources

        integration = load_integration(directory, import_main=False, require_spec=True)
        settings = integration.settings
        assert settings is not None and integration.directory is not None
        resources = load_resources(
            integration.directory,
            resources_path=settings.resources_path,
            config_class=integration.config_class,
        )
        if force:
            out_console().print(
                "[yellow]--force: deleting the blueprints together with all their entities[/yellow]"
            )
        with port_target(integration, masker) as target:

            async def run() -> CleanReport:
                async with IntegrationRunner(integration, target) as runner:
                    return await clean_defaults(runner.port, resources, force=force, destroy=destroy)

            _print_clean_report(asyncio.run(run()))  # before the hint the harbor's exit prints


def _print_clean_report(report: CleanReport) -> None:
    from ocean_cli.commands.sail import out_console

    out = out_console()
    out.print(f"Blueprints deleted: {', '.join(report.deleted_blueprints) or 'none'}")
    missing = report.missing_blueprints
    if missing:
        out.print(f"Already gone: {', '.join(missing)}")
    if report.destroyed_integration:
        out.print("Integration deleted")
    out.print("Clean. ⚓")
