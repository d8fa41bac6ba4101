"""``ocean sail``: run an integration — into the local harbor, or into Port with credentials.

Without ``OCEAN__PORT__CLIENT_ID``/``SECRET`` (environment, ``.env`` or ``config.yaml``) a local
Port (the harbor) is started in-process on ``DIR/.ocean/harbor.db`` and its URL printed: the
catalog UI lives there. ``--once`` resyncs and exits (0 on success, 1 with the reason on
failure); with ``OCEAN__INTEGRATION__INCREMENTAL_SYNC_ENABLED=true`` that run is incremental
(see ``ocean_runtime.incremental``). Otherwise the integration keeps running: a resync at
start, then on Port's resync requests (POLLING) and on schedule, with ``/health`` served on
``--port``.

Only ``typer`` is imported at module level, so ``ocean --help`` stays instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from ocean_runtime.app import OceanApp, PortTarget
    from ocean_runtime.defaults import PortResources
    from ocean_runtime.sync import ResyncReport

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def sail(
    directory: Annotated[Path, typer.Argument(help="Integration folder.")] = Path("."),
    once: Annotated[bool, typer.Option("--once", "-O", help="Resync once and exit.")] = False,
    port: Annotated[
        int,
        typer.Option("--port", "-p", help="Port for /health (0: any free port).", envvar="APPLICATION__PORT"),
    ] = 8000,
    log_level: Annotated[
        str,
        typer.Option(
            "--log-level",
            "-l",
            help="DEBUG, INFO, WARNING or ERROR.",
            envvar=["OCEAN__LOG_LEVEL", "APPLICATION__LOG_LEVEL"],
        ),
    ] = "INFO",
    progress_every: Annotated[
        float,
        typer.Option(
            "--progress-every",
            min=0.1,
            help="Seconds between two progress lines of a running kind when the output is no terminal.",
        ),
    ] = 10.0,
) -> None:
    """Run the integration in DIRECTORY: defaults, full resync, then keep it in sync."""
    from ocean_cli.checks import check_tcp_port
    from ocean_cli.errors import fail, user_errors

    level = log_level.upper()
    if level not in LOG_LEVELS:
        raise fail(f"--log-level: '{log_level}' is not a log level — use one of {', '.join(LOG_LEVELS)}")
    check_tcp_port(port)
    masker = configure_logging(level)
    with user_errors():
        from ocean_runtime.app import check_local_resources, load_integration
        from ocean_runtime.app.folder_lock import lock_for

        overrides = {"event_listener": {"type": "ONCE"}} if once else None
        app = load_integration(directory, overrides=overrides, require_spec=True)
        masker.apply(app.settings)
        resources = check_local_resources(app)
        with lock_for(app.directory or directory, app.settings), port_target(app, masker) as target:
            if app.settings is not None and app.settings.event_listener.type == "ONCE":
                report = _run_once(app, target, resources, progress_every)
                if not report.ok:
                    reasons = report.reasons()
                    raise fail("the resync failed — " + (reasons[0] if reasons else report.status.value))
            else:
                _run_service(app, target, resources, port, progress_every)


# -- where to sail --------------------------------------------------------------------------


class _PortTargetContext:
    """Picks Port or the embedded harbor; stops the harbor on exit."""

    def __init__(self, app: OceanApp, masker: Any) -> None:
        self._app = app
        self._masker = masker
        self._harbor: Any = None

    def __enter__(self) -> PortTarget:
        from ocean_runtime.app import PortTarget
        from ocean_runtime.config import load_spec, secrets

        settings = self._app.settings
        assert settings is not None and self._app.directory is not None
        self._masker.add(secrets(settings, load_spec(self._app.directory)))
        if settings.port.client_id and settings.port.client_secret:
            out_console().print(f"⚓ Sailing to Port at [bold]{settings.port.base_url}[/bold]")
            return PortTarget(settings.port.base_url, settings.port.client_id, settings.port.client_secret)
        from ocean_harbor.server import HarborServer

        db = self._app.directory / ".ocean" / "harbor.db"
        db.parent.mkdir(parents=True, exist_ok=True)
        self._harbor = HarborServer(db, port=0).start()
        url = self._harbor.url
        _warn(NO_CREDENTIALS)
        return PortTarget(url, self._harbor.client_id, self._harbor.client_secret, local=True)

    def __exit__(self, *exc: object) -> None:
        if self._harbor is not None:
            from ocean_cli.summary import print_browse_hint

            self._harbor.stop()
            print_browse_hint(out_console(), self._harbor.db_path)


# Loud, on one line: nothing of this run reaches a real Port, and what to set so it does.
# (One credential without the other is refused when the settings load.)
NO_CREDENTIALS = (
    "⚠ No Port credentials (OCEAN__PORT__CLIENT_ID, OCEAN__PORT__CLIENT_SECRET): syncing into a "
    "local harbor in this process — NOTHING reaches a real Port. Set OCEAN__PORT__CLIENT_ID, "
    "OCEAN__PORT__CLIENT_SECRET and OCEAN__PORT__BASE_URL to sail to Port."
)


def _warn(line: str) -> None:
    """``line`` in bold yellow — or a WARNING record when the output is JSON."""
    import logging

    from ocean_cli.json_output import json_records

    console = out_console()
    records = json_records(console)
    if records is not None:
        records.record(line, logging.WARNING)
    else:
        # One line in a log; a terminal gets it wrapped at its width, between words.
        console.print(line, style="bold yellow", markup=False, soft_wrap=not console.is_terminal)


def port_target(app: OceanApp, masker: Any) -> _PortTargetContext:
    return _PortTargetContext(app, masker)


# -- once ---------------------------------------------------------------------------------


def _run_once(app: OceanApp, target: PortTarget, resources: PortResources, every: float) -> ResyncReport:
    import asyncio

    from ocean_cli.run_memory import remember_counts
    from ocean_cli.summary import print_summary
    from ocean_runtime.app import IntegrationRunner
    from ocean_runtime.incremental import incremental_enabled

    assert app.settings is not None
    # As the reference: a ONCE run (e.g. a CronJob) fetches only changes when asked to;
    # read before anything is written so a bad value stops the run with nothing synced.
    incremental = incremental_enabled(app.settings)
    view = progress_view(app, every)

    async def once() -> ResyncReport:
        async with IntegrationRunner(app, target, observer=view, resources=resources) as runner:
            await runner.prepare()
            _print_dock(runner)
            if incremental:
                out_console().print("Incremental sync: fetching what changed since the last run")
            if app.settings is not None and app.settings.actions_processor.enabled:
                out_console().print("Action runs are not executed by --once: sail without it to execute them")
            return await runner.resync(incremental=incremental)

    try:
        report = asyncio.run(once())
    finally:
        view.close()
    print_summary(out_console(), report, catalog_alive=not target.local)
    if not incremental:
        remember_counts(app.directory or Path("."), report)
    return report


# -- listening ----------------------------------------------------------------------------


def _run_service(
    app: OceanApp, target: PortTarget, resources: PortResources, port: int, every: float
) -> None:
    import asyncio
    import signal

    from ocean_cli.summary import print_summary
    from ocean_runtime.app import IntegrationRunner
    from ocean_runtime.app.service import bind_socket, serve

    settings = app.settings
    assert settings is not None
    listener = settings.event_listener.type

    sock = bind_socket("0.0.0.0", port)
    bound = sock.getsockname()[1]

    async def service() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        view = progress_view(app, every)
        async with IntegrationRunner(app, target, observer=view, resources=resources) as runner:
            await runner.prepare()
            _print_dock(runner)
            out_console().print(
                f"🌊 Listening ({listener}); health on http://127.0.0.1:{bound}/health — Ctrl-C to stop"
            )
            if target.local:
                out_console().print(f"   catalog: {target.base_url}", soft_wrap=True)
            _print_webhooks(app, bound)
            _print_actions(app)
            await serve(
                runner,
                sock=sock,
                stop=stop,
                on_report=lambda report: print_summary(out_console(), report),
            )
        out_console().print("Stopped.")

    try:
        asyncio.run(service())
    finally:
        sock.close()


# -- output -------------------------------------------------------------------------------


def _print_webhooks(app: OceanApp, bound: int) -> None:
    from ocean_runtime.events import listener_plan

    settings = app.settings
    if settings is None or not app.webhook_processors or not listener_plan(settings).webhooks:
        return
    prefix = (
        "/" + settings.path_prefix.strip("/")
        if settings.path_prefix and settings.path_prefix.strip("/")
        else ""
    )
    for path in app.webhook_processors:
        out_console().print(f"   webhooks: POST http://127.0.0.1:{bound}{prefix}/integration{path}")


def _print_actions(app: OceanApp) -> None:
    from ocean_runtime.events import listener_plan

    settings = app.settings
    if settings is None or not settings.actions_processor.enabled or not listener_plan(settings).actions:
        return
    names = ", ".join(sorted(app.action_executors)) or "none registered"
    out_console().print(f"   actions: executing {names}")


_CONSOLE: list[Console] = []


def out_console() -> Console:
    """Where the command's own lines go: stdout — as JSON records when the logs are JSON."""
    from ocean_cli.logs import active_setup

    setup = active_setup()
    if setup is not None and setup.log_format == "json":
        from ocean_cli.json_output import json_console

        return json_console(setup)
    if not _CONSOLE:
        from rich.console import Console

        console = Console(highlight=False)
        if not console.is_terminal:
            # Piped or captured: no terminal to measure; don't squeeze the tables into 80 columns.
            console = Console(highlight=False, width=120)
        _CONSOLE.append(console)
    return _CONSOLE[0]


def progress_view(app: OceanApp, every: float) -> Any:
    """The live progress of ``app``'s resyncs, with the item counts of its last run as totals."""
    from ocean_cli.progress import ProgressView
    from ocean_cli.run_memory import last_counts

    return ProgressView(out_console(), last_counts(app.directory or Path(".")), every=every)


def _print_dock(runner: Any) -> None:
    dock = runner.dock_report
    if dock is None:
        return
    console = out_console()
    if dock.created_integration:
        console.print(f"Created integration '{runner.port.identity.integration_identifier}'")
    if dock.created_blueprints:
        console.print(f"Created blueprints: {', '.join(dock.created_blueprints)}")
    if dock.pushed_mapping:
        console.print("Updated the integration's mapping from the local port-app-config")
    for warning in dock.warnings:
        console.print(f"[yellow]warning: {warning}[/yellow]")


# -- logging ------------------------------------------------------------------------------


def configure_logging(level: str) -> Any:
    """Logs to stderr at ``level`` (see ``ocean_cli.logs``); returns the ``LogSetup``."""
    from ocean_cli.logs import configure_logging as configure

    return configure(level)
