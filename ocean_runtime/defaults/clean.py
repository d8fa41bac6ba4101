"""Cleaning: remove the blueprints an integration shipped (and, on request, the integration).

Blueprints are deleted sources first (a blueprint other blueprints point at goes last). Port
refuses to delete a blueprint that still has entities; ``force`` deletes them with it, through
Port's migration, which is awaited. Every failure is collected and raised at the end, so the
CLI exits non-zero — the reference logs and exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ocean_runtime.errors import AbortRunError, PortAPIError

from .ordering import dependency_order
from .resources import PortResources

if TYPE_CHECKING:
    from ocean_runtime.port import PortClient

logger = logging.getLogger(__name__)

MIGRATION_RUNNING = ("RUNNING", "INITIALIZING", "PENDING")
MIGRATION_POLL_SECONDS = 1.0
MIGRATION_TIMEOUT_SECONDS = 600.0


class CleanError(AbortRunError):
    """Some resources could not be removed; the message lists each one and what to do."""


@dataclass
class CleanReport:
    """What cleaning did.

    Attributes:
        deleted_blueprints: blueprints removed.
        missing_blueprints: blueprints that were already gone.
        destroyed_integration: the integration record was deleted.
    """

    deleted_blueprints: list[str] = field(default_factory=list)
    missing_blueprints: list[str] = field(default_factory=list)
    destroyed_integration: bool = False


async def clean(
    port: PortClient, resources: PortResources, *, force: bool = False, destroy: bool = False
) -> CleanReport:
    """Delete the integration's default blueprints (and the integration with ``destroy``).

    Raises:
        CleanError: listing every blueprint that could not be deleted and why.
        AbortRunError: Port is unreachable or refuses the credentials.
    """
    report = CleanReport()
    failures: list[str] = []
    for blueprint in reversed(dependency_order(resources.blueprints)):
        identifier = blueprint["identifier"]
        try:
            deleted = await _delete_blueprint(port, identifier, force=force)
        except PortAPIError as exc:
            failures.append(_explain(identifier, exc, force))
            continue
        (report.deleted_blueprints if deleted else report.missing_blueprints).append(identifier)
    if destroy and not failures:
        report.destroyed_integration = await port.delete_integration()
    elif report.deleted_blueprints and await port.get_integration() is not None:
        # The next `ocean sail` must create them again.
        await port.patch_integration(
            {"arePortResourcesInitialized": False, "version": port.identity.integration_version}
        )
    if failures:
        kept = " (the integration was kept)" if destroy else ""
        raise CleanError(f"could not delete {len(failures)} blueprint(s){kept}: " + "; ".join(failures))
    return report


async def _delete_blueprint(port: PortClient, identifier: str, *, force: bool) -> bool:
    """Delete one blueprint; False when it did not exist."""
    if await port.get_blueprint(identifier) is None:
        return False
    migration = await port.delete_blueprint(identifier, with_entities=force)
    if migration:
        await _wait_for_migration(port, migration, identifier)
    return True


async def _wait_for_migration(port: PortClient, migration_id: str, identifier: str) -> None:
    deadline = time.monotonic() + MIGRATION_TIMEOUT_SECONDS
    while True:
        status = str((await port.get_migration(migration_id)).get("status", "")).upper()
        if status not in MIGRATION_RUNNING:
            if status not in ("COMPLETED", "COMPLETE"):
                raise PortAPIError(
                    "GET",
                    f"/v1/migrations/{migration_id}",
                    200,
                    {"message": f"the migration deleting {identifier} ended {status or 'without a status'}"},
                )
            return
        if time.monotonic() > deadline:
            raise PortAPIError(
                "GET",
                f"/v1/migrations/{migration_id}",
                200,
                {
                    "message": f"the migration deleting {identifier} is still {status} after "
                    f"{MIGRATION_TIMEOUT_SECONDS:.0f} s; check it in Port"
                },
            )
        await asyncio.sleep(MIGRATION_POLL_SECONDS)


def _explain(identifier: str, exc: PortAPIError, force: bool) -> str:
    if exc.status == 409 and not force:
        return (
            f"{identifier}: it still has entities — run `ocean defaults clean --force` to delete "
            "them with the blueprint"
        )
    return f"{identifier}: {exc}"
