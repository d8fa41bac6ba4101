"""Telling Port about mapping problems: structured records on the integration's log ingest.

Port (and the harbor's "problems" page) reads records whose ``extra`` carries ``kind`` and
``misconfigured`` (field → JQ expression that gave no usable value), and ERROR records with a
``kind``. A reconcile that deleted nothing on purpose (the deletion threshold, a failed kind)
is one WARNING record with ``extra.category = "reconcile"``. Shipping them is best effort: the
report the CLI prints is the source of truth. They are shipped before the run's final state,
so the run they belong to is still open.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .report import KindReport, ResyncReport, Status

if TYPE_CHECKING:
    from ocean_runtime.port import PortClient


def problem_records(report: ResyncReport) -> list[dict[str, Any]]:
    """One record per kind with misconfigured fields, one per kind error."""
    now = datetime.now(UTC).isoformat()
    records: list[dict[str, Any]] = []
    for kind in report.kinds:
        if kind.misconfigured:
            records.append(_misconfigured(kind, now))
        records.extend(
            {
                "message": f"{kind.kind} (resources[{kind.index}]): {error}",
                "level": "ERROR",
                "timestamp": now,
                "extra": _extra(kind),
            }
            for error in kind.errors
        )
    reconcile = _reconcile_record(report, now)
    if reconcile is not None:
        records.append(reconcile)
    return records


def _reconcile_record(report: ResyncReport, now: str) -> dict[str, Any] | None:
    """The reconcile outcome when it refused to delete (threshold, failed kinds, a listing error)."""
    outcome = report.reconcile
    if outcome.status not in (Status.SKIPPED, Status.FAILED) or not outcome.reason:
        return None
    if outcome.reason.startswith("incremental sync"):
        return None  # deleting nothing is what an incremental run is for
    return {
        "message": f"reconcile {outcome.status.value}: {outcome.reason}",
        "level": "WARNING",
        "timestamp": now,
        "extra": {
            "category": "reconcile",
            "reconcile": {
                "status": outcome.status.value,
                "reason": outcome.reason,
                "owned": outcome.owned,
                "stale": outcome.stale,
                "threshold": outcome.threshold,
                "thresholdExceeded": _threshold_exceeded(report),
            },
        },
    }


def _threshold_exceeded(report: ResyncReport) -> bool:
    outcome = report.reconcile
    return bool(
        outcome.status == Status.SKIPPED
        and outcome.threshold is not None
        and outcome.owned
        and outcome.stale / outcome.owned > outcome.threshold
    )


async def ship_problems(port: PortClient, report: ResyncReport) -> None:
    """Send the run's mapping problems to Port's log ingest (never raises for Port's sake)."""
    records = problem_records(report)
    if records:
        await port.ingest_logs(records)


def _misconfigured(kind: KindReport, now: str) -> dict[str, Any]:
    fields = ", ".join(sorted(kind.misconfigured))
    return {
        "message": f"{kind.kind} (resources[{kind.index}]): no valid value for {fields}",
        "level": "WARNING",
        "timestamp": now,
        "extra": {**_extra(kind), "misconfigured": dict(kind.misconfigured)},
    }


def _extra(kind: KindReport) -> dict[str, Any]:
    extra: dict[str, Any] = {"kind": kind.kind, "resourceIndex": kind.index}
    if kind.blueprint:
        extra["blueprint"] = kind.blueprint
    return extra
