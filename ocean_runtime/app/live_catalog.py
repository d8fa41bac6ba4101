"""``ocean.register_raw`` / ``ocean.unregister_raw``: write raw items to the catalog from anywhere.

An action that changed something in the 3rd-party system shows its effect at once by handing
the changed raw items to ``ocean.register_raw(kind, items)`` (or the removed ones to
``ocean.unregister_raw``): they go through the same mapping as a resync and a webhook — every
resource of ``kind`` in the port-app-config Port holds now, selectors and ``itemsToParse``
included — and only entities this integration owns are ever deleted. Same names and meaning
as the published framework's.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ocean_runtime.errors import AbortRunError, UserInputError
from ocean_runtime.webhooks.batcher import SharedWriter
from ocean_runtime.webhooks.changes import ResourceResults, map_changes
from ocean_runtime.webhooks.event import WebhookEventRawResults
from ocean_runtime.webhooks.live_mapping import LiveMapping
from ocean_runtime.webhooks.run_writer import RunTally, write_run

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
        self._writer = SharedWriter(port)
        self._mapping = LiveMapping(port, config_class)

    async def current_config(self) -> PortAppConfig:
        """The port-app-config Port holds now (the live-events cache: fetched about once a second)."""
        return (await self._mapping.current()).config

    async def register_raw(self, kind: str, items: list[dict[str, Any]]) -> RunTally:
        """Upsert the entities ``items`` of ``kind`` map to (selector-false ones are removed).

        Raises:
            UserInputError: ``kind`` is in no resource of the port-app-config.
            AbortRunError: Port refused some of the entities (the message names them) or is
                unreachable.
        """
        return await self._apply(kind, WebhookEventRawResults(updated_raw_results=list(items)))

    async def unregister_raw(self, kind: str, items: list[dict[str, Any]]) -> RunTally:
        """Delete the entities ``items`` of ``kind`` map to, when this integration owns them."""
        return await self._apply(kind, WebhookEventRawResults(deleted_raw_results=list(items)))

    async def _apply(self, kind: str, results: WebhookEventRawResults) -> RunTally:
        mapping = await self._mapping.current()
        resources = mapping.resources_of([kind])
        if not resources:
            raise UserInputError(
                f"no resource of the port-app-config has kind {kind!r}",
                fix=f"add a resource with `kind: {kind}` to the mapping, or pass one of its kinds",
            )
        batch = [ResourceResults(kind, index, mapping.mapper(index), results) for index, _ in resources]
        changes = await map_changes(batch)
        options = dataclasses.replace(mapping.write_options, event_params={"event_type": EVENT_TYPE})
        (tally,) = await write_run(self._writer, [changes], options)
        if tally.problems:
            raise AbortRunError("; ".join(message for _, message in tally.problems))
        return tally
