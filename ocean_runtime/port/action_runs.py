"""Self-service action runs: claiming pending runs and reporting on them.

The endpoints the reference's actions processor uses (``reference/port-api.md`` §3.5):

- ``POST /v1/actions/runs/claim-pending`` (+ ``x-port-reserved-usage``): ``installationId``,
  ``limit``, ``visibilityTimeoutMs``, ``exclude`` → ``{"runs": [...]}``;
- ``PATCH /v1/actions/runs/ack`` (+ ``x-port-reserved-usage``): ``runId`` (409: another worker
  has it);
- ``PATCH /v1/actions/runs/{id}``: ``status``, ``statusLabel``, ``summary``, ``link``,
  ``externalRunId``;
- ``POST /v1/actions/runs/{id}/logs``: ``message``, ``statusLabel``;
- ``GET /v1/actions/runs?version=v2&external_run_id=…``.

A claim may carry a ``claimId`` (the local harbor hands one out; Port does not). When it does,
the ack, patches and logs of that run send it back in ``x-ocean-claim-id``: the harbor then
treats the claim as a lease (renewed by every ack) and refuses writes from a worker whose lease
expired and was given to another (409), so a run is completed by one worker only. Port ignores
the header.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any
from urllib.parse import quote_plus

from ocean_runtime.errors import PortAPIError

from .session import PortSession, segment

RESERVED_USAGE = MappingProxyType({"x-port-reserved-usage": "true"})
CLAIM_HEADER = "x-ocean-claim-id"
ALREADY_TAKEN = 409


class ActionRunsAPI:
    """Claims, acknowledges and reports on action runs of this installation."""

    def __init__(self, session: PortSession) -> None:
        self._session = session
        self._installation_id = session.identity.integration_identifier

    async def claim_pending(
        self, *, limit: int, visibility_timeout_ms: int, exclude: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """Claim up to ``limit`` pending runs; each stays hidden from other claims for the timeout.

        Args:
            limit: most runs wanted.
            visibility_timeout_ms: how long the claim lasts before the run is offered again.
            exclude: action identifiers not wanted now (their share of the buffer is full).

        Raises:
            PortAPIError: Port refused the claim.
        """
        body: dict[str, Any] = {
            "installationId": self._installation_id,
            "limit": limit,
            "visibilityTimeoutMs": visibility_timeout_ms,
        }
        if exclude:
            body["exclude"] = exclude
        answer = await self._session.request(
            "POST", "/v1/actions/runs/claim-pending", json_body=body, headers=RESERVED_USAGE
        )
        runs = answer.get("runs") if isinstance(answer, dict) else None
        return [run for run in runs or [] if isinstance(run, dict)]

    async def acknowledge(self, run_id: str, claim_id: str | None = None) -> bool:
        """Tell Port this worker executes the run (renews the lease of a harbor claim).

        Returns:
            False when another worker has it (409): do not execute it.
        """
        try:
            await self._session.request(
                "PATCH",
                "/v1/actions/runs/ack",
                json_body={"runId": run_id},
                headers={**RESERVED_USAGE, **_claim(claim_id)},
            )
        except PortAPIError as exc:
            if exc.status == ALREADY_TAKEN:
                return False
            raise
        return True

    async def patch(self, run_id: str, body: dict[str, Any], claim_id: str | None = None) -> dict[str, Any]:
        """Update a run: ``status`` (``SUCCESS``/``FAILURE``), ``link``, ``externalRunId``, labels.

        Raises:
            PortAPIError: refused (409 when this worker's claim was given to another).
        """
        answer = await self._session.request(
            "PATCH", f"/v1/actions/runs/{segment(run_id)}", json_body=body, headers=_claim(claim_id)
        )
        return _field(answer, "run")

    async def post_log(
        self, run_id: str, message: str, *, status_label: str | None = None, claim_id: str | None = None
    ) -> None:
        """Add a log line to a run (shown on its page)."""
        body: dict[str, Any] = {"message": message}
        if status_label:
            body["statusLabel"] = status_label
        await self._session.request(
            "POST", f"/v1/actions/runs/{segment(run_id)}/logs", json_body=body, headers=_claim(claim_id)
        )

    async def get(self, run_id: str) -> dict[str, Any]:
        """One run as Port holds it."""
        return _field(await self._session.request("GET", f"/v1/actions/runs/{segment(run_id)}"), "run")

    async def find_by_external_id(self, external_id: str) -> dict[str, Any] | None:
        """The run whose ``externalRunId`` is ``external_id`` (set by an executor), or None."""
        answer = await self._session.request(
            "GET", f"/v1/actions/runs?version=v2&external_run_id={quote_plus(external_id)}"
        )
        runs = answer.get("runs") if isinstance(answer, dict) else None
        found = [run for run in runs or [] if isinstance(run, dict)]
        return found[0] if found else None


def _claim(claim_id: str | None) -> dict[str, str]:
    return {CLAIM_HEADER: claim_id} if claim_id else {}


def _field(answer: Any, key: str) -> dict[str, Any]:
    value = answer.get(key) if isinstance(answer, dict) else None
    return value if isinstance(value, dict) else {}
