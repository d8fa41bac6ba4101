"""``ActionRun``: one run of a self-service action, as an executor sees it and reports on it.

An executor gets the run's checked ``properties`` and reports through the run itself —
``await run.log("…")``, ``await run.add_link(url)`` — never through a Port client. Returning
normally marks the run SUCCESS and raising marks it FAILURE (``ActionFailedError`` for an
expected failure whose message is the whole story); both are sent by the processor, so an
executor that reports nothing is still reported exactly once.

Crash safety: a run whose worker dies is offered again once its claim expires, to this or
another replica. ``attempt`` counts the deliveries and ``idempotency_key`` is the same on every
one of them: pass it to the 3rd-party API (or record it there) so a repeated delivery does not
repeat the effect.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ocean_runtime.errors import OceanError, PortAPIError

if TYPE_CHECKING:
    from ocean_runtime.port.action_runs import ActionRunsAPI

CLAIM_LOST_STATUS = 409


class ActionFailedError(OceanError):
    """Raised by an executor for an expected failure: the run becomes FAILURE with ``message``.

    Args:
        message: what went wrong, shown on the run (no traceback is logged).
        status_label: a short label for the run's state (two words at most), e.g. ``"Bad repo"``.
    """

    def __init__(self, message: str, *, status_label: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_label = status_label


class ClaimLostError(OceanError):
    """This worker's claim on the run expired and another worker took it: stop, report nothing."""


class MalformedRunError(OceanError):
    """Port sent a run this processor cannot read (no id, no action type…)."""


@dataclass
class RunReporter:
    """Sends one run's reports to Port, with the claim they belong to.

    Attributes:
        api: the Port client's action-runs API.
        run_id: the run.
        claim_id: the harbor's claim (None with Port), sent so a stale worker is refused.
        finished: a terminal status (SUCCESS/FAILURE) was reported.
        succeeded: which one (None until then).
        completes_later: the executor handed completion to something else (e.g. a webhook).
    """

    api: ActionRunsAPI
    run_id: str
    claim_id: str | None
    finished: bool = False
    succeeded: bool | None = None
    completes_later: bool = False

    async def log(self, message: str, status_label: str | None = None) -> None:
        await self._guard(
            self.api.post_log(self.run_id, message, status_label=status_label, claim_id=self.claim_id)
        )

    async def patch(self, body: dict[str, Any]) -> None:
        await self._guard(self.api.patch(self.run_id, body, claim_id=self.claim_id))

    async def finish(self, success: bool, message: str | None, status_label: str | None) -> None:
        """Report the terminal status once (later calls do nothing)."""
        if self.finished:
            return
        if message:
            await self.log(message)
        body: dict[str, Any] = {"status": "SUCCESS" if success else "FAILURE"}
        if status_label:
            body["statusLabel"] = status_label
        if message:
            body["summary"] = message
        await self.patch(body)
        self.finished, self.succeeded = True, success

    async def _guard(self, call: Any) -> Any:
        try:
            return await call
        except PortAPIError as exc:
            if exc.status == CLAIM_LOST_STATUS and self.claim_id:
                raise ClaimLostError(f"run {self.run_id}: another worker holds it now ({exc})") from exc
            raise


@dataclass
class ActionRun:
    """One delivery of an action run to an executor.

    Attributes:
        id: Port's run id.
        action: the Port action's identifier (``deploy_service``), as users see it.
        action_type: the executor's action name (``integrationActionType``).
        properties: the run's inputs, checked against the spec (defaults applied).
        raw: the run as Port sent it.
        attempt: 1 on the first delivery, 2 when a worker died and it was offered again…
        entity: the identifier of the entity the action ran on, if any.
        blueprint: that entity's blueprint, if known.
        deadline: ``time.monotonic()`` when the run's time budget ends.
    """

    id: str
    action: str
    action_type: str
    properties: dict[str, Any]
    raw: dict[str, Any]
    attempt: int
    entity: str | None
    blueprint: str | None
    reporter: RunReporter
    deadline: float = field(default=float("inf"))
    _links: list[str] = field(default_factory=list)

    @property
    def idempotency_key(self) -> str:
        """The same on every delivery of this run: give it to the 3rd party to de-duplicate effects."""
        return f"port-run-{self.id}"

    @property
    def remaining_seconds(self) -> float:
        """Seconds left of the run's time budget."""
        return max(0.0, self.deadline - time.monotonic())

    async def log(self, message: str, *, status_label: str | None = None) -> None:
        """Add a line to the run's log (shown live on its page in Port or the harbor)."""
        await self.reporter.log(message, status_label)

    async def set_status_label(self, label: str) -> None:
        """Show a short phase label on the run (two words at most), e.g. ``"Waiting for CI"``."""
        await self.reporter.patch({"statusLabel": label})

    async def add_link(self, url: str) -> None:
        """Attach a link to the run (a pipeline, a pull request…); links accumulate."""
        if url not in self._links:
            self._links.append(url)
        await self.reporter.patch({"link": list(self._links)})

    async def set_external_id(self, external_id: str) -> None:
        """Record the 3rd party's id for this run, to find it again (``find_run_by_external_id``)."""
        await self.reporter.patch({"externalRunId": external_id})

    async def succeed(self, message: str | None = None, *, status_label: str | None = None) -> None:
        """Report SUCCESS now (returning from the executor does the same)."""
        await self.reporter.finish(True, message, status_label)

    async def fail(self, message: str, *, status_label: str | None = None) -> None:
        """Report FAILURE now (raising ``ActionFailedError`` does the same)."""
        await self.reporter.finish(False, message, status_label)

    def complete_later(self) -> None:
        """The executor started something that finishes later (a CI pipeline reported by webhook).

        The processor then leaves the run IN_PROGRESS when the executor returns; whatever learns
        the outcome reports it (``ActionRuns.complete``).
        """
        self.reporter.completes_later = True


def read_run(raw: dict[str, Any]) -> tuple[str, str, str, Any]:
    """``(id, action identifier, action type, execution properties)`` of a run as Port sends it.

    Raises:
        MalformedRunError: a field the processor needs is missing.
    """
    run_id = raw.get("id")
    payload = raw.get("payload")
    if not isinstance(run_id, str) or not run_id:
        raise MalformedRunError(f"a claimed run has no id: {str(raw)[:200]}")
    if not isinstance(payload, dict) or not isinstance(payload.get("integrationActionType"), str):
        raise MalformedRunError(
            f"run {run_id} has no payload.integrationActionType: its action's invocation method is not "
            "an INTEGRATION_ACTION for this integration"
        )
    action = raw.get("action")
    identifier = action.get("identifier") if isinstance(action, dict) else None
    action_type = payload["integrationActionType"]
    return (
        run_id,
        str(identifier or action_type),
        action_type,
        payload.get("integrationActionExecutionProperties"),
    )


def entity_of(raw: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(entity identifier, blueprint)`` of the run, when it ran on an entity."""
    entity, blueprint = raw.get("entity"), raw.get("blueprint")
    identifier = entity.get("identifier") if isinstance(entity, dict) else entity
    blueprint_id = blueprint.get("identifier") if isinstance(blueprint, dict) else blueprint
    return (
        identifier if isinstance(identifier, str) else None,
        blueprint_id if isinstance(blueprint_id, str) else None,
    )
