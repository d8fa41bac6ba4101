"""The "Deploy" self-service action, executed from a real local Port (the ``harbor`` fixture)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ocean_runtime.testing import ActionRunError

INTEGRATION_DIR = Path(__file__).resolve().parents[1]
FAST = {"OCEAN__INTEGRATION__CONFIG__ACTION_LATENCY": "0", "OCEAN__INTEGRATION__CONFIG__SERVICE_COUNT": "3"}


@pytest.fixture(autouse=True)
def forget_deployments() -> Iterator[None]:
    """The fake system's live state lives in a module: leave it empty for the other tests."""
    yield
    module = sys.modules.get("fake_webhook")
    if module is not None:
        module.DEPLOYMENTS.services.clear()


def service(harbor: Any, identifier: str) -> dict[str, Any]:
    return next(e for e in harbor.entities("fakeService") if e["identifier"] == identifier)


async def test_deploying_a_service_shows_in_its_entity(ocean_actions: Any, harbor: Any) -> None:
    async with ocean_actions(INTEGRATION_DIR, env=FAST) as actions:
        assert service(harbor, "auth")["properties"]["deployments"] == []
        first = await actions.run("fake_deploy_service", entity="auth", version=3, status="failing")
        second = await actions.run("fake_deploy_service", entity="auth", version=4)

        done = [await actions.finished(first), await actions.finished(second)]

        assert [run["status"] for run in done] == ["SUCCESS", "SUCCESS"]
        assert done[1]["link"] == ["https://auth.fake-org.example/deployments/4"]
        assert done[1]["statusLabel"] == "Deployed"
        assert await actions.logs(first) == [
            "Building auth version 3",
            "Rolling out version 3 of auth",
            "auth runs version 3 and reports failing",
        ]
        entity = service(harbor, "auth")
        # Deploys of one service run in order; the second one's default status is healthy.
        assert entity["properties"]["deployments"] == [3, 4]
        assert entity["properties"]["status"] == "healthy"


async def test_bad_input_is_refused_with_the_reason(ocean_actions: Any, harbor: Any) -> None:
    async with ocean_actions(INTEGRATION_DIR, env=FAST) as actions:
        before = service(harbor, "catalog")["properties"]["deployments"]
        # The harbor checks the action's user inputs before there is a run …
        with pytest.raises(ActionRunError, match=r"properties\.version: must be a whole number"):
            await actions.run("fake_deploy_service", entity="catalog", version="three")

        # … and the integration checks what reaches it: here an action definition looser than
        # the integration (an admin dropped the minimum) lets version 0 through.
        definition = (await actions.api.get("/v1/actions/fake_deploy_service")).json()["action"]
        del definition["trigger"]["userInputs"]["properties"]["version"]["minimum"]
        assert (await actions.api.put("/v1/actions/fake_deploy_service", json=definition)).status_code == 200
        run = await actions.finished(await actions.run("fake_deploy_service", entity="catalog", version=0))

        assert run["status"] == "FAILURE"
        assert run["summary"] == "version must be 1 or more, got 0"
        assert run["statusLabel"] == "Bad version"
        assert service(harbor, "catalog")["properties"]["deployments"] == before
