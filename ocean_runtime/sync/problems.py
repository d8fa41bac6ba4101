"""Telling Port about mapping problems: structured records on the integration's log ingest.

Port (and the harbor's "problems" page) reads records whose ``extra`` carries ``kind`` and
``misconfigured`` (field → JQ expression that gave no usable value), and ERROR records with a
``kind``. Shipping them is best effort: the report the CLI prints is the source of truth.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .report import KindReport, ResyncReport

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
    return records


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
