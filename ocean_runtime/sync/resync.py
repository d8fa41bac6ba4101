"""A full resync, the one way through the code for every trigger (once, polling, schedule).

    fetch + parse + compile the mapping (all problems → one UserInputError, nothing written)
    → resync-state "running", and (at once) whether the integration owns anything yet
    → each resource in config order (streamed, see resource.py)
    → reconcile, only if every kind succeeded → resync-state completed | failed
    → mapping problems to Port's log ingest

Against a Port ~100 ms away each round trip before the first write is time the whole run waits:
``ocean sail`` hands over what docking just read (``PortState``: the integration record with its
mapping, the blueprints) instead of asking again, and a first sync — the integration owns no
entity from before the run — compares nothing with Port and lists nothing to reconcile (nothing
of its could be unchanged, nothing could be stale).

The outcome is a ``ResyncReport``; progress goes to a ``ProgressObserver``. User-input errors
found before the run starts are raised; anything after that ends up in the report (a failed
kind, Port going away mid-run), so a long-running listener keeps going.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocean_runtime.context import EventScope
from ocean_runtime.errors import AbortRunError, PortAPIError
from ocean_runtime.mapping.jq_sandbox import JqLimits, JqSandbox
from ocean_runtime.port._tasks import run_all

from .plan import HandlersFor, ResyncPlan, check_blueprints, compile_plan, fetch_port_app_config
from .problems import ship_problems
from .produced import ProducedSet
from .reconcile import BlueprintCache, reconcile
from .report import KindReport, NullObserver, Phase, ProgressEvent, ProgressObserver, ResyncReport, Status
from .resource import sync_resource
from .writer import WriteOptions

if TYPE_CHECKING:
    from ocean_runtime.mapping import PortAppConfig
    from ocean_runtime.port import PortClient

logger = logging.getLogger(__name__)

DEFAULT_CONFIG_SOURCE = "port-app-config (the integration's mapping in Port)"


@dataclass(frozen=True)
class PortState:
    """What the caller read from or wrote to Port just before the resync (``ocean sail`` docking).

    Attributes:
        integration: the integration record; its ``config`` is the mapping to run.
        blueprints: blueprints by identifier (None: Port has no such blueprint).
    """

    integration: dict[str, Any]
    blueprints: Mapping[str, Mapping[str, Any] | None] = field(default_factory=dict)


@dataclass(frozen=True)
class ResyncOptions:
    """Knobs of a resync that do not come from the port-app-config.

    Attributes:
        config_source: how to name the mapping in messages (a file path when it is the local one).
        directory: the integration folder, to point errors at the user's code.
        send_examples: send a few raw items per kind to Port (``OCEAN__SEND_RAW_DATA_EXAMPLES``).
        interval_minutes: the scheduled resync interval, reported as ``nextResync``.
        catalog_url: where the catalog can be browsed, copied into the report.
        reconcile: delete stale entities after the kinds succeeded. False for an incremental
            sync: it fetched only what changed, so an entity it did not see is not gone.
        event_type: what Port is told caused the writes (``ocean_info_event_type``) and
            ``event.event_type`` answers: ``resync``, or ``incremental_resync`` as in the reference.
        jq_limits: the time and memory budget of each jq evaluation (default: from the
            environment, see ``JqLimits``).
        port_state: Port's integration record and blueprints as just read (``PortState``), so
            the resync need not ask for them again; None: ask.
    """

    config_source: str = DEFAULT_CONFIG_SOURCE
    directory: Path | None = None
    send_examples: bool = True
    interval_minutes: int | None = None
    catalog_url: str | None = None
    reconcile: bool = True
    event_type: str = "resync"
    jq_limits: JqLimits | None = None
    port_state: PortState | None = None


async def run_resync(
    port: PortClient,
    handlers_for: HandlersFor,
    *,
    config_class: type[PortAppConfig],
    options: ResyncOptions | None = None,
    observer: ProgressObserver | None = None,
) -> ResyncReport:
    """Run one full resync and return its report.

    Args:
        port: an open Port client for this integration.
        handlers_for: the resync handlers of a kind (``OceanApp.handlers_for``).
        config_class: the integration's ``PortAppConfig`` class.
        options: see ``ResyncOptions``.
        observer: receives progress events.

    Raises:
        UserInputError: the mapping does not parse or compile, or names an unknown blueprint.
        AbortRunError: Port is unreachable or refuses the credentials before the run starts.
    """
    # The run's clock covers everything it waits for, from fetching the mapping to the last
    # report to Port: a duration that stopped at the last kind once said "41.3 s" of a 192 s run.
    started = time.monotonic()
    options = options or ResyncOptions()
    observer = observer or NullObserver()
    state = options.port_state
    blueprints = BlueprintCache(port, known=state.blueprints if state else None)
    config = await fetch_port_app_config(
        port, config_class, source=options.config_source, integration=state.integration if state else None
    )
    with JqSandbox(options.jq_limits) as sandbox:  # closing it stops a jq call an interrupt left behind
        plan = compile_plan(config, handlers_for, source=options.config_source, sandbox=sandbox)
        await check_blueprints(plan, blueprints)
        report = ResyncReport(kinds=plan.kinds, started_at=datetime.now(UTC), catalog_url=options.catalog_url)
        await _run_planned(port, plan, report, blueprints, options, observer, started)
    observer.on_progress(ProgressEvent(Phase.FINISHED, report))
    return report


async def _run_planned(
    port: PortClient,
    plan: ResyncPlan,
    report: ResyncReport,
    blueprints: BlueprintCache,
    options: ResyncOptions,
    observer: ProgressObserver,
    started: float,
) -> None:
    # One round trip for both: the run is marked running, and Port says whether the integration
    # owns anything written before this run. The first kind's handlers and mapping start
    # meanwhile (only its writes wait for the answer): the 3rd-party's first page and Port's
    # answer travel at the same time.
    opening = asyncio.ensure_future(_open(port, report, options.interval_minutes))
    observer.on_progress(ProgressEvent(Phase.STARTED, report))
    try:
        try:
            await _run(port, plan, report, blueprints, options, observer, opening=opening)
        except asyncio.CancelledError:
            report.status = Status.ABORTED
            report.errors.append("the resync was interrupted")
            await asyncio.shield(_set_state(port, _final_state(report, options.interval_minutes), final=True))
            raise
        # Problems first: while the run is still open, Port (and the harbor) file them under it.
        await ship_problems(port, report)
        await _set_state(port, _final_state(report, options.interval_minutes), final=True)
    except BaseException:
        observer.on_progress(ProgressEvent(Phase.FINISHED, report))  # the progress display closes
        raise
    finally:
        opening.cancel()  # still out only when the run ended before needing it
        report.duration = time.monotonic() - started


async def _open(port: PortClient, report: ResyncReport, interval_minutes: int | None) -> bool:
    """Marks the run running; returns whether the integration owned anything before it."""
    _, owned_before = await run_all(
        [_set_state(port, _running_state(report, interval_minutes)), _owns_entities(port, report)]
    )
    return bool(owned_before)


async def _owns_entities(port: PortClient, report: ResyncReport) -> bool:
    """Whether the integration owns an entity written before the run (True when Port cannot say)."""
    try:
        return await port.owns_entities(before=report.started_at or datetime.now(UTC))
    except PortAPIError as exc:
        logger.debug("Could not ask Port whether the integration owns entities yet: %s", exc)
        return True


async def _run(
    port: PortClient,
    plan: ResyncPlan,
    report: ResyncReport,
    blueprints: BlueprintCache,
    options: ResyncOptions,
    observer: ProgressObserver,
    *,
    opening: asyncio.Future[bool],
) -> None:
    config = plan.config
    event_params = {"event_type": options.event_type, "resync_id": str(uuid.uuid4())}

    async def options_once_open() -> WriteOptions:
        owned_before = await asyncio.shield(opening)
        return WriteOptions(
            merge=config.enable_merge_entity,
            create_missing_related_entities=config.create_missing_related_entities,
            delete_dependents=config.delete_dependent_entities,
            event_params=event_params,
            compare=owned_before,  # an entity it never owned cannot be held unchanged
        )

    write_options = asyncio.ensure_future(options_once_open())
    produced = ProducedSet()
    scope = EventScope(options.event_type, config)
    try:
        for job in plan.jobs:
            kind = job.report
            observer.on_progress(ProgressEvent(Phase.KIND_STARTED, report, kind))

            def notify(kind: KindReport = kind) -> None:
                observer.on_progress(ProgressEvent(Phase.BATCH, report, kind))

            await sync_resource(
                job,
                port=port,
                options=write_options,
                produced=produced,
                scope=scope,
                notify=notify,
                directory=options.directory,
                send_examples=options.send_examples,
            )
            observer.on_progress(ProgressEvent(Phase.KIND_FINISHED, report, job.report))
        owned_before = await asyncio.shield(opening)  # a run that wrote nothing still opened
        if options.reconcile:
            await _reconcile(
                port, produced, report, config, blueprints, event_params, observer, owned_before=owned_before
            )
        else:
            report.reconcile.status = Status.SKIPPED
            report.reconcile.reason = "incremental sync: only changes were fetched — nothing deleted"
    except AbortRunError as exc:
        if not _succeeded(opening):
            raise  # Port unreachable or refusing us before the run started: nothing was written
        report.errors.append(str(exc))
        for kind in report.kinds:
            if kind.status in (Status.PENDING, Status.RUNNING):
                kind.status = Status.ABORTED
        report.reconcile.status = Status.SKIPPED
        report.reconcile.reason = "the resync stopped early — nothing deleted"
    finally:
        write_options.cancel()
    report.status = _overall(report)


def _succeeded(future: asyncio.Future[bool]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


async def _reconcile(
    port: PortClient,
    produced: ProducedSet,
    report: ResyncReport,
    config: PortAppConfig,
    blueprints: BlueprintCache,
    event_params: dict[str, str],
    observer: ProgressObserver,
    *,
    owned_before: bool,
) -> None:
    failed = report.failed_kinds
    if failed:
        names = ", ".join(kind.kind for kind in failed)
        report.reconcile.status = Status.SKIPPED
        report.reconcile.reason = f"{len(failed)} kind(s) failed ({names}) — nothing deleted"
        return
    undeletable = _undeletable_blueprints(config, report)
    if undeletable is None:
        report.reconcile.status = Status.SKIPPED
        report.reconcile.reason = (
            "a resource with enableDelete: false maps a dynamic blueprint — nothing deleted"
        )
        return
    observer.on_progress(ProgressEvent(Phase.RECONCILE, report))
    if not owned_before:
        # Stale means owned and last written before the run: Port said there is none to list.
        report.reconcile.status = Status.COMPLETED
        report.reconcile.threshold = config.entity_deletion_threshold
        observer.on_progress(ProgressEvent(Phase.RECONCILE, report))
        return
    try:
        await reconcile(
            port,
            produced,
            started_at=report.started_at or datetime.now(UTC),
            threshold=config.entity_deletion_threshold,
            delete_dependents=config.delete_dependent_entities,
            protect_relation_targets=config.create_missing_related_entities,
            undeletable_blueprints=undeletable,
            blueprints=blueprints,
            report=report.reconcile,
            kinds=report.kinds,
            event_params=event_params,
        )
    except PortAPIError as exc:
        report.reconcile.status = Status.FAILED
        report.reconcile.reason = f"could not list the owned entities: {exc} — nothing deleted"
    observer.on_progress(ProgressEvent(Phase.RECONCILE, report))


def _overall(report: ResyncReport) -> Status:
    if report.errors or report.failed_kinds or report.reconcile.status == Status.FAILED:
        return Status.FAILED
    return Status.COMPLETED


def _next_resync(interval_minutes: int | None) -> str | None:
    if not interval_minutes:
        return None
    return (datetime.now(UTC) + timedelta(minutes=interval_minutes)).isoformat()


def _running_state(report: ResyncReport, interval_minutes: int | None) -> dict[str, Any]:
    started = report.started_at or datetime.now(UTC)
    return {
        "status": Status.RUNNING.value,
        "lastResyncStart": started.isoformat(),
        "lastResyncEnd": None,
        "nextResync": _next_resync(interval_minutes),
        "intervalInMinuets": interval_minutes,  # sic: Port's spelling
    }


def _final_state(report: ResyncReport, interval_minutes: int | None) -> dict[str, Any]:
    return {
        "status": report.status.value,
        "lastResyncEnd": datetime.now(UTC).isoformat(),
        "nextResync": _next_resync(interval_minutes),
        "intervalInMinuets": interval_minutes,
    }


async def _set_state(port: PortClient, state: dict[str, Any], *, final: bool = False) -> None:
    """Report the resync state; Port refusing it is logged, not fatal (as the reference).

    For the final state even an unreachable Port is only logged: the run is over, and its
    report must reach the caller.
    """
    try:
        await port.update_resync_state(state)
    except PortAPIError as exc:
        logger.warning("Port refused the resync state %s: %s", state["status"], exc)
    except AbortRunError as exc:
        if not final:
            raise
        logger.warning("Could not report the resync state %s: %s", state["status"], exc)


def _undeletable_blueprints(config: PortAppConfig, report: ResyncReport) -> frozenset[str] | None:
    """Blueprints of resources with ``enableDelete: false``; None when one of them is dynamic.

    A dynamic blueprint (``.type``) cannot be told apart from the others' before deleting, so
    the whole reconcile is skipped then: keeping too much is safe, deleting too much is not.
    """
    blueprints: set[str] = set()
    for kind in report.kinds:
        if config.resources[kind.index].enable_delete:
            continue
        if kind.blueprint is None:
            return None
        blueprints.add(kind.blueprint)
    return frozenset(blueprints)
