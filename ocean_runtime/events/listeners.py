"""Which listener runs (``OCEAN__EVENT_LISTENER__TYPE``) and the tasks that make it up.

| type | resyncs | webhooks | actions | what triggers a resync |
|---|---|---|---|---|
| ``ONCE`` | once, then exit | no | no | start-up (``ocean sail --once``) |
| ``POLLING`` | yes | yes | yes | start-up, Port's resync requests (polled), the schedule |
| ``WEBHOOK`` | yes | yes | yes | start-up, ``POST /resync`` (Port calls it), the schedule |
| ``KAFKA`` | yes | yes | yes | start-up, Port's Kafka topic, the schedule |
| ``WEBHOOKS_ONLY`` | no | yes | no | nothing: live events only |
| ``ACTIONS_ONLY`` | no | no | yes | nothing: action runs only |

"actions" means the listener allows the actions processor; it runs only when
``OCEAN__ACTIONS_PROCESSOR__ENABLED`` is true too. As in the reference,
``OCEAN__EVENT_LISTENER__SHOULD_RESYNC``, ``…__SHOULD_PROCESS_WEBHOOKS`` and
``…__SHOULD_RUN_ACTIONS`` override the columns. Unlike the reference, every listener that
resyncs does so once at start-up (the reference's POLLING ``resyncOnStart`` is dead code).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ocean_runtime.errors import UserInputError

from .polling import current_request_stamp, poll_resync_requests
from .schedule import schedule_resyncs
from .trigger import ResyncTrigger

if TYPE_CHECKING:
    from ocean_runtime.config import OceanSettings
    from ocean_runtime.port import PortClient

# listener type -> (resyncs, processes webhooks, runs actions)
_DEFAULTS = {
    "ONCE": (True, False, False),
    "POLLING": (True, True, True),
    "WEBHOOK": (True, True, True),
    "KAFKA": (True, True, True),
    "WEBHOOKS_ONLY": (False, True, False),
    "ACTIONS_ONLY": (False, False, True),
}


@dataclass(frozen=True)
class ListenerPlan:
    """What the configured listener does.

    Attributes:
        type: the listener type (upper case).
        resyncs: resyncs run at all (start-up, schedule, the listener's own triggers).
        webhooks: webhook processors are served.
        resync_route: ``POST /resync`` is served (WEBHOOK).
        actions: the listener allows the actions processor (which also needs
            ``OCEAN__ACTIONS_PROCESSOR__ENABLED``).
    """

    type: str
    resyncs: bool
    webhooks: bool
    resync_route: bool
    actions: bool = False


def listener_plan(settings: OceanSettings) -> ListenerPlan:
    """The plan of ``settings.event_listener`` (with its ``should_*`` overrides applied).

    Raises:
        UserInputError: an override is not a boolean.
    """
    listener = settings.event_listener
    resyncs, webhooks, actions = _DEFAULTS[listener.type]
    extra = listener.model_extra or {}
    resyncs = _flag(extra, "should_resync", resyncs)
    webhooks = _flag(extra, "should_process_webhooks", webhooks)
    actions = _flag(extra, "should_run_actions", actions)
    resync_route = listener.type == "WEBHOOK" and resyncs
    return ListenerPlan(listener.type, resyncs, webhooks, resync_route=resync_route, actions=actions)


async def start_listener(
    settings: OceanSettings, port: PortClient, trigger: ResyncTrigger
) -> list[asyncio.Task[Any]]:
    """Start the listener's tasks: the start-up request, polling / Kafka, the schedule.

    ``POST /resync`` (WEBHOOK) is a route of the server, not a task. The caller runs the
    resync worker (``run_resyncs``) on ``trigger`` and cancels the tasks to stop.
    """
    plan = listener_plan(settings)
    tasks: list[asyncio.Task[Any]] = []
    if not plan.resyncs:
        return tasks
    trigger.request("start-up")
    if plan.type == "POLLING":
        initial = await current_request_stamp(port)
        interval = settings.event_listener.interval
        tasks.append(
            asyncio.create_task(
                poll_resync_requests(port, trigger, interval_seconds=interval, initial=initial),
                name="polling",
            )
        )
    elif plan.type == "KAFKA":
        # confluent-kafka is needed only by this listener: imported when it is chosen.
        from ocean_runtime.kafka.listener import run_kafka_listener

        tasks.append(asyncio.create_task(run_kafka_listener(settings, port, trigger), name="kafka-listener"))
    if settings.scheduled_resync_interval:
        minutes = settings.scheduled_resync_interval
        tasks.append(
            asyncio.create_task(schedule_resyncs(trigger, interval_minutes=minutes), name="schedule")
        )
    return tasks


def _flag(extra: dict[str, Any], key: str, default: bool) -> bool:
    value = extra.get(key, default)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, bool):
        return value
    raise UserInputError(
        f"event_listener.{key} is {value!r}, not a boolean",
        location=f"OCEAN__EVENT_LISTENER__{key.upper()}",
        fix="set it to true or false",
    )
