"""Fixtures of the GitHub integration's tests: a fake GitHub every toolkit client talks to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_github import START, FakeGitHub

from ocean_runtime.http import use_http
from ocean_runtime.testing.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    """The clock toolkit clients wait on: waits are recorded, never slept."""
    return FakeClock(start=START)


@pytest.fixture
def github(clock: FakeClock) -> Iterator[FakeGitHub]:
    """GitHub for the ``acme`` organisation, from ``fixtures/``; no request reaches the network."""
    fake = FakeGitHub(clock=clock.time)
    with use_http(transport=fake.transport(), clock=clock):
        yield fake
