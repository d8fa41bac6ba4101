"""Docking: make Port hold the integration and the resources it ships with.

Run by ``ocean sail`` (unless ``initialize_port_resources`` is false) and ``ocean defaults dock``:

1. create the integration when Port does not know it — its config is the default
   port-app-config — or patch the fields that changed (type, version, listener);
2. give it the default mapping when its config is empty (and, for the local harbor, whenever
   the file changed: there the file is the source of truth);
3. once per integration (``arePortResourcesInitialized``): create the blueprints that do not
   exist, in three stages (bare, + relations, full) so blueprints may point at each other —
   rolling back the ones created if any stage fails — then actions, scorecards and pages
   (their failures are reported, not fatal).

Unlike the reference, a failed blueprint creation leaves ``arePortResourcesInitialized`` unset,
so the next run tries again instead of silently never creating them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ocean_runtime.errors import AbortRunError, PortAPIError, UserInputError

from .ordering import blueprint_stages, dependency_order
from .resources import PortResources

if TYPE_CHECKING:
    from ocean_runtime.port import PortClient

logger = logging.getLogger(__name__)
A = TypeVar("A")
B = TypeVar("B")

# Integration fields the reference keeps in step with the running code.
TRACKED_FIELDS = (
    "installationAppType",
    "version",
    "changelogDestination",
    "actionsProcessingEnabled",
    "incrementalSyncEnabled",
)


@dataclass
class DockReport:
    """What docking did.

    Attributes:
        created_integration: the integration was created.
        patched_fields: integration fields updated.
        pushed_mapping: the default port-app-config was written to the integration.
        created_blueprints: blueprints created.
        existing_blueprints: blueprints left alone because they existed.
        created_documents: actions/scorecards/pages created (``kind:identifier``).
        warnings: non-fatal failures (an action Port refused…).
        initialized: resources were initialised in this run.
        integration: the integration record as docking left it (its ``config`` is the mapping).
        blueprints: the default blueprints as docking left them (None: not in Port) — what a
            resync right after docking would otherwise ask Port for again.
    """

    created_integration: bool = False
    patched_fields: list[str] = field(default_factory=list)
    pushed_mapping: bool = False
    created_blueprints: list[str] = field(default_factory=list)
    existing_blueprints: list[str] = field(default_factory=list)
    created_documents: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    initialized: bool = False
    integration: dict[str, Any] | None = None
    blueprints: dict[str, dict[str, Any] | None] = field(default_factory=dict)


async def dock(
    port: PortClient,
    resources: PortResources,
    *,
    initialize_resources: bool = True,
    push_mapping: bool = False,
    changelog_destination: dict[str, Any] | None = None,
    always: bool = False,
    actions_processing_enabled: bool = False,
) -> DockReport:
    """Create/update the integration and its default resources in Port.

    Against a Port ~100 ms away every round trip counts, so requests that do not depend on each
    other go out together: the integration and the default blueprints are read at once, and a
    new integration is created while its blueprints are.

    Args:
        port: an open client for this integration.
        resources: the integration's ``.port/resources``.
        initialize_resources: create blueprints, actions, scorecards and pages.
        push_mapping: replace the integration's mapping with the default one when they differ
            (the local harbor); otherwise only an empty mapping is filled.
        changelog_destination: how Port notifies the listener (``{}`` for polling/once).
        always: create missing resources even when the integration says they were
            initialised (``ocean defaults dock`` after a ``clean``).
        actions_processing_enabled: this integration executes action runs
            (``OCEAN__ACTIONS_PROCESSOR__ENABLED``), as Port's integration record says.

    Raises:
        UserInputError: Port refused a default blueprint (all created ones are rolled back).
        AbortRunError: Port is unreachable or refuses the credentials.
    """
    report = DockReport()
    wanted = _tracked_values(port, changelog_destination or {}, actions_processing_enabled)
    mapping = resources.port_app_config.to_request() if resources.port_app_config else None
    blueprint_ids = [b["identifier"] for b in resources.blueprints] if initialize_resources else []
    integration, found = await _both(port.get_integration(), _read_blueprints(port, blueprint_ids))
    report.blueprints = dict(zip(blueprint_ids, found, strict=True))
    initialize = initialize_resources and (
        always or integration is None or not integration.get("arePortResourcesInitialized")
    )
    blueprints_done = False
    if integration is None:
        # A new integration and its blueprints do not depend on each other: both at once.
        created, _ = await _both(
            _create_integration(port, wanted, mapping),
            _create_blueprints(port, resources, report) if initialize else _nothing(),
        )
        report.created_integration = created is not None
        blueprints_done = True
        integration = created or await _created_elsewhere(port)
    if not report.created_integration:
        integration = await _update_integration(port, integration, wanted, mapping, push_mapping, report)
        if initialize and not blueprints_done:
            await _create_blueprints(port, resources, report)
    report.integration = integration
    if not initialize_resources:
        logger.info("Resources initialisation is disabled (initialize_port_resources=false)")
        return report
    synced_actions = push_mapping and bool(resources.actions)
    if synced_actions:
        await _sync_actions(port, resources, report)
    if not initialize:
        return report
    await _create_documents(port, resources, report, actions=not synced_actions)
    report.integration = await port.patch_integration(
        {"arePortResourcesInitialized": True, "version": wanted["version"]}
    )
    report.initialized = True
    return report


async def _both(first: Awaitable[A], second: Awaitable[B]) -> tuple[A, B]:
    """Awaits both concurrently; when one fails, the other still ends before the error is raised
    (a creation cut short could leave Port holding something this run cannot account for)."""
    results = await asyncio.gather(first, second, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results[0], results[1]  # type: ignore[return-value]


async def _nothing() -> None:
    return None


async def _created_elsewhere(port: PortClient) -> dict[str, Any]:
    """The integration another replica created first (Port answered our creation with 409)."""
    integration = await port.get_integration()
    if integration is None:
        identifier = port.identity.integration_identifier
        raise AbortRunError(f"Port answered that integration {identifier!r} exists, then that it does not")
    return integration


async def _read_blueprints(port: PortClient, identifiers: list[str]) -> list[dict[str, Any] | None]:
    return list(await asyncio.gather(*(port.get_blueprint(identifier) for identifier in identifiers)))


async def _update_integration(
    port: PortClient,
    integration: dict[str, Any],
    wanted: dict[str, Any],
    mapping: dict[str, Any] | None,
    push_mapping: bool,
    report: DockReport,
) -> dict[str, Any]:
    """Patches the tracked fields that changed, and the mapping when it must be pushed."""
    changed = {key: value for key, value in wanted.items() if integration.get(key) != value}
    if changed:
        integration = await port.patch_integration({**changed, "version": wanted["version"]})
        report.patched_fields = sorted(changed)
    current = integration.get("config")
    if mapping and (not current or (push_mapping and current != mapping)):
        patched = await port.patch_integration_config(mapping)
        integration = (
            patched if isinstance(patched.get("config"), dict) else {**integration, "config": mapping}
        )
        report.pushed_mapping = True
    return integration


def _tracked_values(
    port: PortClient, changelog_destination: dict[str, Any], actions_processing_enabled: bool
) -> dict[str, Any]:
    return {
        "installationAppType": port.identity.integration_type,
        "version": port.identity.integration_version,
        "changelogDestination": changelog_destination,
        "actionsProcessingEnabled": actions_processing_enabled,
        "incrementalSyncEnabled": False,
    }


async def _create_blueprints(port: PortClient, resources: PortResources, report: DockReport) -> None:
    """Creates the default blueprints ``report.blueprints`` says are missing, in stages.

    A stage's requests go out together (four blueprints: one round trip per stage, not four),
    and a blueprint is patched in a later stage only when that stage adds something to it.
    """
    missing = [
        blueprint
        for blueprint in resources.blueprints
        if report.blueprints.get(blueprint["identifier"]) is None
    ]
    report.existing_blueprints.extend(
        blueprint["identifier"]
        for blueprint in resources.blueprints
        if report.blueprints.get(blueprint["identifier"])
    )
    if not missing:
        return
    created: list[str] = []
    results: list[Any]
    for stage_name, bodies in blueprint_stages(dependency_order(missing)):
        if stage_name == "create":
            results = await asyncio.gather(
                *(_create_blueprint(port, body) for body in bodies), return_exceptions=True
            )
            for body, result in zip(bodies, results, strict=True):
                if result is True:
                    created.append(body["identifier"])
                elif result is False:  # created meanwhile by someone else: unknown to this run
                    report.existing_blueprints.append(body["identifier"])
                    report.blueprints.pop(body["identifier"], None)
        else:
            bodies = [body for body in bodies if body["identifier"] in created]
            results = list(
                await asyncio.gather(
                    *(port.patch_blueprint(body["identifier"], body) for body in bodies),
                    return_exceptions=True,
                )
            )
        await _stop_at_first_refusal(port, resources, stage_name, bodies, results, created)
    report.created_blueprints = created
    # What Port now holds (as far as this run knows): the resync need not ask again.
    full = {blueprint["identifier"]: blueprint for blueprint in resources.blueprints}
    report.blueprints.update({identifier: dict(full[identifier]) for identifier in created})


async def _stop_at_first_refusal(
    port: PortClient,
    resources: PortResources,
    stage_name: str,
    bodies: list[dict[str, Any]],
    results: list[Any],
    created: list[str],
) -> None:
    """Raises the first failure of a stage; a refusal first rolls back what this run created."""
    for body, result in zip(bodies, results, strict=True):
        if isinstance(result, PortAPIError):
            await _rollback(port, created)
            current = body["identifier"]
            raise UserInputError(
                f"Port refused blueprint '{current}' ({stage_name} stage): {result}; "
                f"rolled back the {len(created)} blueprint(s) created in this run",
                file=_blueprints_file(resources),
                location=f"[identifier={current}]",
                fix="fix that blueprint and run `ocean defaults dock DIR` again",
            ) from None
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def _create_blueprint(port: PortClient, body: dict[str, Any]) -> bool:
    """Create a bare blueprint; False when it appeared meanwhile (another integration docking)."""
    try:
        await port.create_blueprint(body)
    except PortAPIError as exc:
        if exc.status == 409:
            return False
        raise
    return True


async def _rollback(port: PortClient, created: list[str]) -> None:
    for identifier in reversed(created):
        try:
            await port.delete_blueprint(identifier)
        except PortAPIError as exc:
            logger.warning("Could not roll back blueprint %s: %s", identifier, exc)


async def _sync_actions(port: PortClient, resources: PortResources, report: DockReport) -> None:
    """The local harbor: ``actions.json`` is the source of truth, so edits reach it on every start."""
    for action in resources.actions:
        body = for_this_installation(action, port.identity.integration_identifier)
        label = f"action:{action.get('identifier')}"
        try:
            await port.create_action(body)
            report.created_documents.append(label)
        except PortAPIError as exc:
            if exc.status != 409:
                report.warnings.append(f"{label}: {exc}")
                continue
            try:
                await port.update_action(body)
            except PortAPIError as update_error:
                report.warnings.append(f"{label}: {update_error}")


def for_this_installation(action: dict[str, Any], installation_id: str) -> dict[str, Any]:
    """``action`` whose ``INTEGRATION_ACTION`` invocation names this installation when it names none.

    An integration's ``actions.json`` cannot know the identifier it will be installed under
    (``OCEAN__INTEGRATION__IDENTIFIER``); its runs must reach this installation.
    """
    method = action.get("invocationMethod")
    if not isinstance(method, dict) or method.get("type") != "INTEGRATION_ACTION":
        return action
    if method.get("installationId"):
        return action
    return {**action, "invocationMethod": {**method, "installationId": installation_id}}


async def _create_documents(
    port: PortClient, resources: PortResources, report: DockReport, *, actions: bool = True
) -> None:
    for action in resources.actions if actions else []:
        body = for_this_installation(action, port.identity.integration_identifier)
        await _best_effort(report, f"action:{action.get('identifier')}", port.create_action(body))
    for group in resources.scorecards:
        for scorecard in group.get("data") or []:
            label = f"scorecard:{group['blueprint']}/{scorecard.get('identifier')}"
            await _best_effort(report, label, port.create_scorecard(group["blueprint"], scorecard))
    for page in resources.pages:
        await _best_effort(
            report, f"page:{page.get('identifier') or page.get('title')}", port.create_page(page)
        )


async def _best_effort(report: DockReport, label: str, call: Any) -> None:
    try:
        await call
    except PortAPIError as exc:
        report.warnings.append(f"{label}: {exc}")
        logger.warning("Could not create %s: %s", label, exc)
    else:
        report.created_documents.append(label)


def _blueprints_file(resources: PortResources) -> str:
    if resources.directory is None:
        return "blueprints.json"
    matches = sorted(resources.directory.glob("blueprints.*"))
    return str(matches[0]) if matches else str(resources.directory / "blueprints.json")


async def _create_integration(
    port: PortClient, wanted: dict[str, Any], mapping: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Creates the integration; None when another replica created it first (Port answers 409)."""
    try:
        return await port.create_integration(
            {
                "installationId": port.identity.integration_identifier,
                **wanted,
                "config": mapping or {},
                "createPortResourcesOrigin": "Default",
            }
        )
    except PortAPIError as exc:
        if exc.status != 409:
            raise
        return None
