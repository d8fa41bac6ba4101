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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ocean_runtime.errors import AbortRunError, PortAPIError, UserInputError

from .ordering import blueprint_stages, dependency_order
from .resources import PortResources

if TYPE_CHECKING:
    from ocean_runtime.port import PortClient

logger = logging.getLogger(__name__)

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
    """

    created_integration: bool = False
    patched_fields: list[str] = field(default_factory=list)
    pushed_mapping: bool = False
    created_blueprints: list[str] = field(default_factory=list)
    existing_blueprints: list[str] = field(default_factory=list)
    created_documents: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    initialized: bool = False


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
    integration = await port.get_integration()
    if integration is None:
        integration = await _create_integration(port, wanted, mapping)
        report.created_integration = integration is not None
        integration = integration or await port.get_integration()
    if integration is None:
        identifier = port.identity.integration_identifier
        raise AbortRunError(f"Port answered that integration {identifier!r} exists, then that it does not")
    if not report.created_integration:
        changed = {key: value for key, value in wanted.items() if integration.get(key) != value}
        if changed:
            integration = await port.patch_integration({**changed, "version": wanted["version"]})
            report.patched_fields = sorted(changed)
    current = integration.get("config")
    if mapping and (not current or (push_mapping and current != mapping)):
        await port.patch_integration_config(mapping)
        report.pushed_mapping = not report.created_integration
    if not initialize_resources:
        logger.info("Resources initialisation is disabled (initialize_port_resources=false)")
        return report
    synced_actions = push_mapping and bool(resources.actions)
    if synced_actions:
        await _sync_actions(port, resources, report)
    if integration.get("arePortResourcesInitialized") and not always:
        return report
    await _create_blueprints(port, resources, report)
    await _create_documents(port, resources, report, actions=not synced_actions)
    await port.patch_integration({"arePortResourcesInitialized": True, "version": wanted["version"]})
    report.initialized = True
    return report


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
    # Each step's requests are independent, so they go out together: against a Port 100 ms
    # away, four blueprints docked one request at a time cost 1.6 s, a round trip per step 0.4 s.
    found = await asyncio.gather(*(port.get_blueprint(b["identifier"]) for b in resources.blueprints))
    missing = [
        blueprint for blueprint, current in zip(resources.blueprints, found, strict=True) if current is None
    ]
    report.existing_blueprints.extend(
        blueprint["identifier"]
        for blueprint, current in zip(resources.blueprints, found, strict=True)
        if current
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
                elif result is False:
                    report.existing_blueprints.append(body["identifier"])
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
