"""pytest plugin (entry point ``pytest11`` ``ocean_runtime``): fixtures for integration tests.

    def test_repositories(third_party, ocean_resync, catalog):
        third_party.get("https://api.github.com/orgs/acme/repos", json=[{"name": "ocean"}])
        ocean_resync(INTEGRATION_DIR, env={"OCEAN__INTEGRATION__CONFIG__ORG": "acme"})
        catalog.assert_identifiers("githubRepository", ["ocean"])

- ``third_party``: a ``FakeAPI``; every ``ocean_runtime.http`` client in the test talks to it
  (no network) and waits on ``fake_clock`` (no real sleeping).
- ``fake_clock``: the ``FakeClock`` those clients use; ``fake_clock.sleeps`` lists the waits.
- ``ocean_resync``: runs one resync of an integration folder into the ``harbor`` fixture (the
  in-process local Port that ships with Ocean).
- ``catalog``: assertions on the harbor's entities.
- ``ocean_live``: ``async with ocean_live(DIR, env=...) as live:`` serves the integration's
  webhooks in-process (``await live.post("/webhook", json=...)``, ``await live.settle()``).
- ``ocean_actions``: ``async with ocean_actions(DIR, env=...) as actions:`` executes the
  integration's action runs (``run_id = await actions.run("deploy", entity="x", version=3)``,
  ``await actions.finished(run_id)``).

Heavy imports happen inside the fixtures, so loading the plugin costs next to nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ocean_runtime.sync import ResyncReport

    from .actions import ActionsIntegration
    from .catalog import Catalog
    from .clock import FakeClock
    from .fake_api import FakeAPI
    from .live import LiveIntegration

ResyncRunner = Callable[..., "ResyncReport"]
LiveStarter = Callable[..., AbstractAsyncContextManager["LiveIntegration"]]
ActionsStarter = Callable[..., AbstractAsyncContextManager["ActionsIntegration"]]


@pytest.fixture
def fake_clock() -> FakeClock:
    """The clock toolkit clients use under ``third_party``: waits are recorded, never slept."""
    from .clock import FakeClock

    return FakeClock()


@pytest.fixture
def third_party(fake_clock: FakeClock) -> Iterator[FakeAPI]:
    """A fake 3rd-party API answering every ``ocean_runtime.http`` client of the test."""
    from ocean_runtime.http import use_http

    from .fake_api import FakeAPI

    api = FakeAPI()
    with use_http(transport=api.transport, clock=fake_clock):
        yield api


@pytest.fixture
def ocean_resync(harbor: Any) -> ResyncRunner:
    """``ocean_resync(DIR, env=None, check=True, incremental=False)``: one resync into ``harbor``."""
    from . import resync

    def run(
        integration_dir: Path | str,
        *,
        env: Mapping[str, str] | None = None,
        check: bool = True,
        incremental: bool = False,
    ) -> ResyncReport:
        return resync(
            integration_dir,
            base_url=harbor.url,
            client_id=harbor.client_id,
            client_secret=harbor.client_secret,
            env=env,
            check=check,
            incremental=incremental,
        )

    return run


@pytest.fixture
def catalog(harbor: Any) -> Catalog:
    """Assertions on the entities in ``harbor``."""
    from .catalog import Catalog

    return Catalog(harbor)


@pytest.fixture
def ocean_live(harbor: Any) -> LiveStarter:
    """``async with ocean_live(DIR, env=None) as live``: the integration serving webhooks into ``harbor``."""
    from .live import live_integration

    def start(
        integration_dir: Path | str, *, env: Mapping[str, str] | None = None
    ) -> AbstractAsyncContextManager[LiveIntegration]:
        return live_integration(integration_dir, harbor, env=env)

    return start


@pytest.fixture
def ocean_actions(harbor: Any) -> ActionsStarter:
    """``async with ocean_actions(DIR, env=None) as actions``: the integration executing ``harbor``'s runs."""
    from .actions import actions_integration

    def start(
        integration_dir: Path | str, *, env: Mapping[str, str] | None = None, resync: bool = True
    ) -> AbstractAsyncContextManager[ActionsIntegration]:
        return actions_integration(integration_dir, harbor, env=env, resync=resync)

    return start
