"""``ocean.action_runs``: report on runs outside their executor (e.g. from a webhook).

An executor that starts something long-running (a CI pipeline) records the 3rd party's id with
``run.set_external_id(id)``, calls ``run.complete_later()`` and returns. When the 3rd party
reports the end — typically through a webhook processor — it finds the run again and completes
it::

    run = await ocean.action_runs.find_by_external_id(f"gh-{workflow_run['id']}")
    if run and run["status"] == "IN_PROGRESS":
        await ocean.action_runs.complete(run["id"], success=conclusion == "success")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ocean_runtime.port.action_runs import ActionRunsAPI


class ActionRuns:
    """Reads and completes action runs by id or external id."""

    def __init__(self, api: ActionRunsAPI) -> None:
        self._api = api

    async def find_by_external_id(self, external_id: str) -> dict[str, Any] | None:
        """The run (as Port returns it) whose ``externalRunId`` is ``external_id``, or None."""
        return await self._api.find_by_external_id(external_id)

    async def get(self, run_id: str) -> dict[str, Any]:
        """The run as Port holds it (``status``, ``link``, ``summary``…)."""
        return await self._api.get(run_id)

    async def log(self, run_id: str, message: str, *, status_label: str | None = None) -> None:
        """Add a line to the run's log."""
        await self._api.post_log(run_id, message, status_label=status_label)

    async def patch(self, run_id: str, body: dict[str, Any]) -> None:
        """Update the run's fields as Port names them (``link``, ``externalRunId``, ``statusLabel``…)."""
        await self._api.patch(run_id, body)

    async def complete(
        self, run_id: str, *, success: bool, message: str | None = None, status_label: str | None = None
    ) -> None:
        """Report the run's end: SUCCESS or FAILURE, with an optional closing log line."""
        if message:
            await self._api.post_log(run_id, message)
        body: dict[str, Any] = {"status": "SUCCESS" if success else "FAILURE"}
        if message:
            body["summary"] = message
        if status_label:
            body["statusLabel"] = status_label
        await self._api.patch(run_id, body)
