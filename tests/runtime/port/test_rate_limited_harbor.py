"""The client against a rate-limited harbor over HTTP: it backs off, loses nothing, recovers.

The harbor enforces Port's bulk-upsert family scaled down (a few requests per second instead
of 35,000 per 5 minutes) so the test takes seconds; nothing here asserts on time.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ocean_harbor.rate_limits import RateLimits
from ocean_harbor.server import HarborServer
from ocean_harbor.testing import RunningHarbor
from ocean_runtime.port import PortClient

BLUEPRINT = {"identifier": "service", "title": "Service", "schema": {"properties": {}}}
# 30 bulk requests a second, 6 at once: the client's first round (8 in flight) overshoots it.
LIMITS = '{"bulkUpsert": {"limit": 30, "burst": 6, "period": 1}}'


def services(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {"identifier": f"svc-{n}", "blueprint": "service", "title": f"S{n}"}
        for n in range(start, start + count)
    ]


def client_for(harbor: HarborServer) -> PortClient:
    return PortClient(
        harbor.url,
        harbor.client_id,
        harbor.client_secret,
        integration_identifier="limited",
        integration_type="test",
        integration_version="1.0.0",
    )


async def upsert_in_chunks(port: PortClient, start: int, chunks: int) -> list[Any]:
    """``chunks`` bulk requests of 20 entities, all offered at once (as a resync's writers do)."""
    answers = await asyncio.gather(
        *(port.upsert_entities("service", services(start + 20 * n, 20)) for n in range(chunks))
    )
    return [outcome for outcomes in answers for outcome in outcomes]


async def test_backs_off_under_ports_limits_without_exhausting_retries_then_recovers(tmp_path: Path) -> None:
    limits = RateLimits.load(LIMITS)
    with RunningHarbor(tmp_path / "harbor.db", rate_limits=limits) as harbor:
        async with client_for(harbor) as port:
            await port.create_blueprint(BLUEPRINT)
            throttled = await upsert_in_chunks(port, 0, 45)  # 45 requests against 30/s
            limit_while_limited = port.concurrency.limit
            assert port.concurrency.decreases >= 1  # the 429s of the first round cut the limit
            assert port.rate_budget.known("bulkUpsert")  # ... and the headers set a budget
            assert port.rate_budget.waited_s > 0  # which paced the rest instead of more 429s
            refused_while_limited = limits.throttled

            limits.enabled = False  # the limit lifts: no more 429s, no more headers
            lifted = await upsert_in_chunks(port, 900, 120)
            assert not port.rate_budget.known("bulkUpsert")
            assert port.concurrency.limit > limit_while_limited  # grown back
            assert port.concurrency.peak_limit >= 8
        landed = {e["identifier"] for e in harbor.entities("service")}
    assert refused_while_limited >= 1  # the harbor did refuse some
    assert all(outcome.ok for outcome in throttled + lifted)  # every 429 was retried in time
    assert len(landed) == 45 * 20 + 120 * 20
