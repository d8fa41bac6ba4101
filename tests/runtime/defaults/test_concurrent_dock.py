"""Two replicas starting at the same moment both dock: the one that loses the create race
(Port answers 409) uses the integration the other created instead of crashing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ocean_runtime.defaults import dock, load_resources
from ocean_runtime.port import PortClient

FAKE = Path(__file__).resolve().parents[3] / "integrations" / "fake"


def client(harbor: Any) -> PortClient:
    return PortClient(
        harbor.url,
        harbor.client_id,
        harbor.client_secret,
        integration_identifier="replicated",
        integration_type="fake",
        integration_version="0.1.0",
    )


async def test_two_replicas_docking_at_once_both_succeed(harbor: Any) -> None:
    resources = load_resources(FAKE)
    async with client(harbor) as first, client(harbor) as second:
        reports = await asyncio.gather(dock(first, resources), dock(second, resources))

    assert sorted(report.created_integration for report in reports) == [False, True]
    integration = harbor.integration("replicated")
    assert integration is not None and integration["arePortResourcesInitialized"] is True
    assert {"fakeDepartment", "fakePerson", "fakeService"} <= {b["identifier"] for b in harbor.blueprints()}
