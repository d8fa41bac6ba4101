"""A workshop of widgets, and the actions that paint them: what the actions-processor tests run."""

from __future__ import annotations

import asyncio
from typing import Any

from ocean_runtime import ActionExecutor, ActionFailedError, ActionRun, ocean

WIDGETS: dict[str, dict[str, Any]] = {
    "w1": {"id": "w1", "color": "grey", "coats": 0},
    "w2": {"id": "w2", "color": "grey", "coats": 0},
}
EVENTS: list[tuple[str, str]] = []  # ("start" | "end", run id), in the order they happened


@ocean.on_resync("widget")
async def widgets(kind: str) -> list[dict[str, Any]]:
    return [dict(widget) for widget in WIDGETS.values()]


@ocean.on_action("paint_widget", partition_key=lambda run: run.properties["widget"])
async def paint(run: ActionRun) -> None:
    widget = WIDGETS.get(run.properties["widget"])
    if widget is None:
        raise ActionFailedError(f"there is no widget {run.properties['widget']!r}", status_label="No widget")
    EVENTS.append(("start", run.id))
    await run.log(f"Painting {widget['id']} {run.properties['color']} ({run.properties['coats']} coats)")
    await asyncio.sleep(run.properties["seconds"])
    widget.update(color=run.properties["color"], coats=widget["coats"] + run.properties["coats"])
    await run.add_link(f"https://workshop.example/widgets/{widget['id']}")
    await ocean.register_raw("widget", [dict(widget)])
    EVENTS.append(("end", run.id))


@ocean.on_action("scrap_widget")
async def scrap(run: ActionRun) -> None:
    widget = WIDGETS.pop(run.properties["widget"])
    await ocean.unregister_raw("widget", [widget])


@ocean.on_action("explode")
async def explode(run: ActionRun) -> None:
    raise ValueError("the paint can exploded")


@ocean.on_action("slow")
async def slow(run: ActionRun) -> None:
    await asyncio.sleep(60)


class Throttled(ActionExecutor):
    """Says it is close to its rate limit twice before it lets a run through."""

    action_name = "throttled"

    def __init__(self) -> None:
        self.checks = 0

    async def is_close_to_rate_limit(self, run: ActionRun) -> bool:
        self.checks += 1
        return self.checks <= 2

    async def seconds_until_rate_limit_reset(self, run: ActionRun) -> float:
        return 0.05

    async def execute(self, run: ActionRun) -> None:
        await run.log(f"ran after {self.checks} rate-limit checks")


ocean.add_action_executor(Throttled())


class BrokenLimits(ActionExecutor):
    """Its rate-limit check raises: the run fails with the reason, never runs."""

    action_name = "broken_limits"

    async def is_close_to_rate_limit(self, run: ActionRun) -> bool:
        raise ConnectionError("the quota API is down")

    async def execute(self, run: ActionRun) -> None:
        EVENTS.append(("start", run.id))


ocean.add_action_executor(BrokenLimits())
