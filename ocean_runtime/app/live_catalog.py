"""``ocean.register_raw`` / ``ocean.unregister_raw``: write raw items to the catalog from anywhere.

An action that changed something in the 3rd-party system shows its effect at once by handing
the changed raw items to ``ocean.register_raw(kind, items)`` (or the removed ones to
``ocean.unregister_raw``): they go through the same mapping as a resync and a webhook — every
resource of ``kind`` in the port-app-config Port holds now, selectors and ``itemsToParse``
included (``webhooks.changes.map_changes``) — and the same writer (``sync.writer``), which
deletes only entities this integration owns. Same names and meaning as the published
framework's.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ocean_runtime.errors import AbortRunError, UserInputError
from ocean_runtime.sync.writer import EntityWriter, Outcome
from ocean_runtime.webhooks.changes import ResourceResults, map_changes
from ocean_runtime.webhooks.event import WebhookEventRawResults
from ocean_runtime.webhooks.live_mapping import LiveMapping

if TYPE_CHECKING:
    from ocean_runtime.mapping import PortAppConfig
    from ocean_runtime.port import PortClient

EVENT_TYPE = "action_run"  # the audit event type of these writes (the reference's name)


class LiveCatalog:
    """Maps raw items with the live port-app-config and writes them (see the module docstring).

    Args:
        port: the integration's Port client.
        config_class: the integration's ``PortAppConfig`` class.
    """

    def __init__(self, port: PortClient, config_class: type[PortAppConfig]) -> None:
        self._port = port
        self._mapping = LiveMapping(port, config_class)

    async def register_raw(self, kind: str, items: list[dict[str, Any]]) -> int:
        """Upsert the entities ``items`` of ``kind`` map to (selector-false ones are removed).

        Returns:
            How many entities Port took.

        Raises:
            UserInputError: ``kind`` is in no resource of the port-app-config.
            AbortRunError: items could not be mapped or Port refused entities (the message names
                them), or Port is unreachable.
        """
        return await self._apply(kind, WebhookEventRawResults(updated_raw_results=list(items)))

    async def unregister_raw(self, kind: str, items: list[dict[str, Any]]) -> int:
        """Delete the entities ``items`` of ``kind`` map to, when this integration owns them."""
        return await self._apply(kind, WebhookEventRawResults(deleted_raw_results=list(items)))

    async def _apply(self, kind: str, results: WebhookEventRawResults) -> int:
        mapping = await self._mapping.current()
        resources = mapping.resources_of([kind])
        if not resources:
            raise UserInputError(
                f"no resource of the port-app-config has kind {kind!r}",
                fix=f"add a resource with `kind: {kind}` to the mapping, or pass one of its kinds",
            )
        changes = await map_changes(
            [ResourceResults(kind, index, mapping.mapper(index), results) for index, _ in resources]
        )
        writer = EntityWriter(
            self._port, dataclasses.replace(mapping.write_options, event_params={"event_type": EVENT_TYPE})
        )
        problems = [message for _, message in changes.problems]
        entities = [entity for _, entity in changes.upserts.values()]
        written = await writer.upsert(entities) if entities else []
        for entity, result in zip(entities, written, strict=True):
            if result.outcome is Outcome.REFUSED:
                problems.append(result.refusal(str(entity.get("blueprint"))))
        deleted = await writer.delete_owned(changes.deletes) if changes.deletes else None
        problems.extend(message for _, message in (deleted.problems if deleted else []))
        if problems:
            raise AbortRunError("; ".join(problems))
        return sum(result.outcome is Outcome.UPSERTED for result in written) + len(
            deleted.deleted if deleted else ()
        )
