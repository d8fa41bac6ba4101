"""pytest plugin (entry point ``pytest11``): the ``harbor`` fixture, a fresh local Port per test.

    def test_sync(harbor):
        run_my_integration(base_url=harbor.url, client_id=harbor.client_id,
                           client_secret=harbor.client_secret)
        assert len(harbor.entities("service")) == 3

The fixture yields an ``ocean_harbor.testing.RunningHarbor`` (a started ``HarborServer`` on a
temporary database, credentials ``ocean``/``ocean``) and stops it after the test. Heavy imports
happen inside the fixture so loading the plugin costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ocean_harbor.testing import RunningHarbor


@pytest.fixture
def harbor(tmp_path: Path) -> Iterator[RunningHarbor]:
    """A started harbor on ``tmp_path/harbor.db``, with ``.url``, credentials and catalog readers."""
    from ocean_harbor.testing import RunningHarbor

    server = RunningHarbor(tmp_path / "harbor.db")
    server.start()
    try:
        yield server
    finally:
        server.stop()
