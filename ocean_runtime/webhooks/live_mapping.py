"""The live port-app-config, as webhook processing sees it: fresh, parsed and compiled.

Every event must reach the resources of the mapping *as it is now* (the reference fetches it
from Port once per event). A burst of a thousand events should not cost a thousand fetches and
a thousand jq compilations, though, so:

- the mapping is fetched at most once per ``ttl_seconds`` (concurrent events share one fetch),
  and while events keep coming it is fetched again in the background once half of that has
  passed, so a burst never stalls on the fetch (an event still never sees a mapping older than
  ``ttl_seconds``);
- a resource is compiled once, and recompiled only when the mapping Port holds has changed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from ocean_runtime.sync.offload import OffloadingMapper
from ocean_runtime.sync.plan import fetch_port_app_config
from ocean_runtime.sync.writer import WriteOptions

if TYPE_CHECKING:
    from ocean_runtime.mapping import PortAppConfig, ResourceConfig
    from ocean_runtime.port import PortClient

logger = logging.getLogger(__name__)

EVENT_TYPE = "http_request"  # what ``event.event_type`` says inside a processor, as in the reference

LIVE_MAPPING_TTL_SECONDS = 1.0
SOURCE = "port-app-config (the integration's mapping in Port)"


@dataclass
class CompiledMapping:
    """One version of the port-app-config, with its resources compiled on first use.

    Attributes:
        config: the parsed port-app-config (the integration's class).
    """

    config: PortAppConfig
    _mappers: dict[int, OffloadingMapper] = field(default_factory=dict)
    _resources_of: dict[tuple[str, ...], list[tuple[int, ResourceConfig]]] = field(default_factory=dict)

    @cached_property
    def write_options(self) -> WriteOptions:
        """How live events write (the mapping's flags; never compared with Port's copy)."""
        return WriteOptions(
            merge=self.config.enable_merge_entity,
            create_missing_related_entities=self.config.create_missing_related_entities,
            delete_dependents=self.config.delete_dependent_entities,
            event_params={"event_type": EVENT_TYPE},
            compare=False,
        )

    def resources_of(self, kinds: list[str]) -> list[tuple[int, ResourceConfig]]:
        """``(index, resource)`` of every resource whose kind is one of ``kinds``."""
        key = tuple(kinds)
        found = self._resources_of.get(key)
        if found is None:  # asked for every event: the answer is kept (a mapping has few kinds)
            wanted = set(kinds)
            resources = enumerate(self.config.resources)
            found = [(index, resource) for index, resource in resources if resource.kind in wanted]
            self._resources_of[key] = found
        return list(found)

    def mapper(self, index: int) -> OffloadingMapper:
        """The compiled mapping of ``resources[index]`` (mapped off the loop when it is slow).

        Raises:
            UserInputError: the resource's mapping does not compile.
        """
        from ocean_runtime.mapping import compile_resource

        if index not in self._mappers:
            compiled = compile_resource(self.config.resources[index], index=index, source=SOURCE)
            self._mappers[index] = OffloadingMapper(compiled)
        return self._mappers[index]


class LiveMapping:
    """Hands out the current ``CompiledMapping`` (see the module docstring).

    Args:
        port: the integration's Port client.
        config_class: the integration's ``PortAppConfig`` class.
        ttl_seconds: how long a fetched mapping is reused.
    """

    def __init__(
        self,
        port: PortClient,
        config_class: type[PortAppConfig],
        *,
        ttl_seconds: float = LIVE_MAPPING_TTL_SECONDS,
    ) -> None:
        self._port = port
        self._config_class = config_class
        self._ttl = ttl_seconds
        self._current: CompiledMapping | None = None
        self._fingerprint = ""
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()
        self._refreshing: asyncio.Task[None] | None = None

    async def current(self) -> CompiledMapping:
        """The mapping Port holds now (fetched less than ``ttl_seconds`` ago).

        Raises:
            AbortRunError: Port is unreachable or does not know the integration.
            UserInputError: the mapping has no resources or does not parse.
        """
        current = self._current
        if current is not None:
            age = time.monotonic() - self._fetched_at
            if age < self._ttl:
                if age >= self._ttl / 2 and self._refreshing is None:
                    self._refreshing = asyncio.create_task(self._refresh(), name="live-mapping-refresh")
                return current
        async with self._lock:
            if self._current is not None and time.monotonic() - self._fetched_at < self._ttl:
                return self._current
            return await self._fetch()

    async def aclose(self) -> None:
        """Stop a refresh in flight (shutdown)."""
        refreshing = self._refreshing
        if refreshing is not None:
            refreshing.cancel()
            await asyncio.gather(refreshing, return_exceptions=True)

    async def _refresh(self) -> None:
        """Fetch ahead while events flow, so no event waits for the fetch (Port may be 100 ms
        away; every run of every key would stall on it once per ``ttl_seconds``). A failure is
        left to the next fetch that must wait, which reports it."""
        try:
            async with self._lock:
                await self._fetch()
        except Exception as exc:
            logger.debug("Refreshing the live mapping ahead of time failed: %s", exc)
        finally:
            self._refreshing = None

    async def _fetch(self) -> CompiledMapping:
        started = time.monotonic()  # the mapping is as old as the request that fetched it
        config = await fetch_port_app_config(self._port, self._config_class, source=SOURCE)
        fingerprint = json.dumps(config.model_dump(mode="json", by_alias=True), sort_keys=True)
        if self._current is None or fingerprint != self._fingerprint:
            self._current = CompiledMapping(config)
            self._fingerprint = fingerprint
        self._fetched_at = started
        return self._current
