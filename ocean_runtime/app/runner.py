"""Running a loaded integration against one Port: start-up, docking, resyncs.

``IntegrationRunner`` is what every face uses — ``ocean sail`` (once or listening),
``ocean_runtime.testing.resync`` — so a resync always goes the same way:

1. check the default mapping in ``.port/resources`` compiles (before anything is written);
2. run the ``@ocean.on_start`` handlers (a failure stops here: nothing synced);
3. dock: the integration and its default resources in Port (unless disabled);
4. ``resync()`` as often as the listener asks.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

import httpx

from ocean_runtime.errors import AbortRunError, OceanError, UserInputError
from ocean_runtime.mapping.jq_sandbox import JqLimits
from ocean_runtime.sync import PortState, ProgressObserver, ResyncOptions, ResyncReport, run_resync
from ocean_runtime.sync.user_code import describe_exception

from .application import OceanApp

if TYPE_CHECKING:
    from ocean_runtime.config import OceanSettings
    from ocean_runtime.defaults import DockReport, PortResources
    from ocean_runtime.port import PortClient

logger = logging.getLogger(__name__)

PORT_MAPPING_SOURCE = "port-app-config (the integration's mapping in Port)"
DOCKED_STATE_TTL_S = 10.0  # how long what docking read stands in for asking Port again


@dataclass(frozen=True)
class PortTarget:
    """Where to sync: Port's API root and credentials.

    Attributes:
        base_url: ``https://api.getport.io`` or a harbor URL.
        client_id: Port client id.
        client_secret: Port client secret.
        local: True for the embedded harbor, where the local mapping file is the source of
            truth and is pushed to the integration on every start.
    """

    base_url: str
    client_id: str
    client_secret: str
    local: bool = False


def open_port_client(
    app: OceanApp, target: PortTarget, *, transport: httpx.AsyncBaseTransport | None = None
) -> PortClient:
    """A Port client identified as ``app``'s integration (type, version, identifier)."""
    from ocean_runtime.port import PortClient

    settings = _settings(app)
    return PortClient(
        target.base_url,
        target.client_id,
        target.client_secret,
        integration_identifier=settings.integration.identifier,
        integration_type=settings.integration.type,
        integration_version=settings.integration.version,
        transport=transport,
        max_batch_length=settings.upsert_entities_batch_max_length,
        max_batch_bytes=settings.upsert_entities_batch_max_size_in_bytes,
    )


class IntegrationRunner:
    """One integration running against one Port (an async context manager).

    Args:
        app: the loaded integration.
        target: the Port to sync into.
        observer: receives resync progress.
        transport: innermost HTTP transport for the Port client (tests).
        resources: the integration's checked ``.port/resources`` (``check_local_resources``);
            loaded by ``prepare`` when not given.
    """

    def __init__(
        self,
        app: OceanApp,
        target: PortTarget,
        *,
        observer: ProgressObserver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        resources: PortResources | None = None,
    ) -> None:
        self.app = app
        self.target = target
        self.observer = observer
        self.port = open_port_client(app, target, transport=transport)
        self.resources = resources
        self.dock_report: DockReport | None = None
        # What docking just read from Port, for a first resync that follows at once (later or
        # later-coming ones ask again: the mapping may have been edited in Port meanwhile).
        self._docked: PortState | None = None
        self._docked_at = 0.0
        # ocean.register_raw / ocean.action_runs write through this runner's client while it runs.
        app.attach_port(self.port)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.app.attach_port(None)
        await self.port.aclose()

    async def prepare(self) -> None:
        """Check the local mapping, run the start handlers, dock into Port.

        Raises:
            UserInputError: bad resources files or mapping, a start handler refused, or actions
                are enabled for a spec that does not allow them.
            AbortRunError: a start handler failed, or Port is unreachable / refuses us.
        """
        from ocean_runtime.defaults import dock

        settings = _settings(self.app)
        if self.resources is None:
            self.resources = check_local_resources(self.app)
        if settings.actions_processor.enabled:
            from .actions_setup import spec_actions_of

            spec_actions_of(self.app)  # a spec that cannot execute actions stops us before docking
        with self.app.activated():
            await run_start_handlers(self.app)
        # The integration itself is always created/updated (as the reference does); the
        # setting only governs blueprints, actions, scorecards and pages.
        self.dock_report = await dock(
            self.port,
            self.resources,
            initialize_resources=settings.initialize_port_resources,
            push_mapping=self.target.local,
            changelog_destination={},
            actions_processing_enabled=settings.actions_processor.enabled,
        )
        integration = self.dock_report.integration
        if integration is not None and isinstance(integration.get("config"), dict):
            self._docked = PortState(integration, self.dock_report.blueprints)
            self._docked_at = time.monotonic()

    async def resync(self, *, incremental: bool = False) -> ResyncReport:
        """One resync (see ``ocean_runtime.sync.run_resync``).

        Args:
            incremental: handlers get their kind's cursor from ``updated_since()`` and nothing
                is deleted (see ``ocean_runtime.incremental``); a full resync (the default)
                fetches everything and reconciles deletions. Both advance the cursors of the
                kinds that completed.
        """
        from ocean_runtime.incremental import track_cursors

        settings = _settings(self.app)
        pushed_local = self.target.local and self.resources is not None and self.resources.port_app_config
        options = ResyncOptions(
            config_source=self._local_mapping_name() if pushed_local else PORT_MAPPING_SOURCE,
            directory=self.app.directory,
            send_examples=settings.send_raw_data_examples,
            interval_minutes=settings.scheduled_resync_interval,
            catalog_url=self.target.base_url,
            reconcile=not incremental,
            event_type="incremental_resync" if incremental else "resync",
            jq_limits=JqLimits(settings.jq.timeout_seconds, settings.jq.memory_mb),
            port_state=self._docked if time.monotonic() - self._docked_at < DOCKED_STATE_TTL_S else None,
        )
        self._docked = None
        with self.app.activated():
            async with track_cursors(self.port, incremental=incremental) as cursors:
                report = await run_resync(
                    self.port,
                    self.app.handlers_for,
                    config_class=self.app.config_class,
                    options=options,
                    observer=self.observer,
                )
                await cursors.advance(report)
            await run_after_resync_hooks(self.app, report)
        return report

    def _local_mapping_name(self) -> str:
        path = self.resources.port_app_config_file if self.resources else None
        return local_mapping_name(self.app, path) if path else PORT_MAPPING_SOURCE


def check_local_resources(app: OceanApp) -> PortResources:
    """Load ``.port/resources`` — before anything is written.

    A mapping expression that is not valid jq is not an error here: the resync fails only its
    resource and syncs the others (``sync.plan.compile_plan``).

    Raises:
        UserInputError: a resources file does not parse, or does not have the right shape.
    """
    from ocean_runtime.defaults import load_resources

    settings = _settings(app)
    if app.directory is None:
        raise UserInputError("the integration was not loaded from a folder; use load_integration(DIR)")
    return load_resources(
        app.directory, resources_path=settings.resources_path, config_class=app.config_class
    )


def local_mapping_name(app: OceanApp, path: Path) -> str:
    """``path`` relative to the integration folder, for messages."""
    if app.directory is not None and path.is_relative_to(app.directory):
        return path.relative_to(app.directory).as_posix()
    return str(path)


async def run_start_handlers(app: OceanApp) -> None:
    """Run every ``@ocean.on_start`` handler in order; the first failure stops the run.

    Raises:
        OceanError: what the handler raised, when it is one of Ocean's errors.
        AbortRunError: the handler raised anything else (named with the user's line).
    """
    for handler in app.start_handlers:
        try:
            await handler()
        except OceanError:
            raise
        except Exception as exc:
            name = getattr(handler, "__name__", repr(handler))
            raise AbortRunError(
                f"@ocean.on_start handler {name} raised {describe_exception(exc, app.directory)}"
            ) from exc


async def run_after_resync_hooks(app: OceanApp, report: ResyncReport) -> None:
    """Call ``app.after_resync_hooks`` with the report; a failing hook is logged, the run stands."""
    for hook in app.after_resync_hooks:
        try:
            await hook(report)
        except Exception as exc:
            name = getattr(hook, "__qualname__", repr(hook))
            logger.error("After-resync hook %s failed: %s", name, describe_exception(exc, app.directory))


def _settings(app: OceanApp) -> OceanSettings:
    if app.settings is None:
        raise UserInputError("the integration has no settings; load it with load_integration(DIR)")
    return app.settings
