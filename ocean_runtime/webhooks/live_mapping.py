"""The live port-app-config, as webhook processing sees it: fresh, parsed and compiled.

Every event must reach the resources of the mapping *as it is now* (the reference fetches it
from Port once per event). A burst of a thousand events should not cost a thousand fetches and
a thousand jq compilations, though, so:

- the mapping is fetched at most once per ``ttl_seconds`` (concurrent events share one fetch);
- a resource is compiled once, and recompiled only when the mapping Port holds has changed.
"""

from __future__ import annotations

import asyncio
import json
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
        wanted = set(kinds)
        return [(i, resource) for i, resource in enumerate(self.config.resources) if resource.kind in wanted]

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

    async def current(self) -> CompiledMapping:
        """The mapping Port holds now (at most ``ttl_seconds`` old).

        Raises:
            AbortRunError: Port is unreachable or does not know the integration.
            UserInputError: the mapping has no resources or does not parse.
        """
        async with self._lock:
            if self._current is not None and time.monotonic() - self._fetched_at < self._ttl:
                return self._current
            config = await fetch_port_app_config(self._port, self._config_class, source=SOURCE)
            fingerprint = json.dumps(config.model_dump(mode="json", by_alias=True), sort_keys=True)
            if self._current is None or fingerprint != self._fingerprint:
                self._current = CompiledMapping(config)
                self._fingerprint = fingerprint
            self._fetched_at = time.monotonic()
            return self._current
