"""Published core models (``port_ocean.core.models``) and result type aliases (``ocean_types``).

Pydantic v1 models, permissive (extra keys kept), so integrations build and read them as on the
published framework. The run models (``ActionRun``, ``WorkflowNodeRun``…) live in ``runs``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from enum import StrEnum
from typing import Any

from pydantic.v1 import BaseModel, Extra

RAW_ITEM = dict[Any, Any]
RAW_RESULT = list[RAW_ITEM]
ASYNC_GENERATOR_RESYNC_TYPE = AsyncIterator[RAW_RESULT]
RESYNC_RESULT = list[RAW_ITEM | ASYNC_GENERATOR_RESYNC_TYPE] | RAW_RESULT | list[ASYNC_GENERATOR_RESYNC_TYPE]
RESYNC_EVENT_LISTENER = Callable[[str], Awaitable[RAW_RESULT] | ASYNC_GENERATOR_RESYNC_TYPE]
START_EVENT_LISTENER = Callable[[], Awaitable[None]]


class _Open(BaseModel):
    class Config:
        extra = Extra.allow


class Entity(_Open):
    """An entity as sent to Port."""

    identifier: Any
    icon: str | None
    blueprint: Any
    title: Any
    team: str | None | list[Any] | dict[str, Any] = []
    properties: dict[str, Any] = {}
    relations: dict[str, Any] = {}


class EventListenerType(StrEnum):
    WEBHOOK = "WEBHOOK"
    KAFKA = "KAFKA"
    POLLING = "POLLING"
    ONCE = "ONCE"
    WEBHOOKS_ONLY = "WEBHOOKS_ONLY"
    ACTIONS_ONLY = "ACTIONS_ONLY"


class IntegrationFeatureFlag(StrEnum):
    USE_PROVISIONED_DEFAULTS = "USE_PROVISIONED_DEFAULTS"
    LAKEHOUSE_ELIGIBLE = "LAKEHOUSE_ELIGIBLE"
