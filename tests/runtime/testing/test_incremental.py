"""Incremental sync against the harbor: cursors per kind, advanced only on success, no deletions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ocean_runtime import UserInputError, updated_since
from ocean_runtime.testing import Catalog, FakeAPI

API = "https://items.example.test"


def stored_cursor(harbor: Any) -> dict[str, Any] | None:
    with harbor.client() as port:
        answer = port.get("/v1/integration/my-probe-integration/cursor", params={"kind": "item", "index": 0})
    answer.raise_for_status()
    cursor: dict[str, Any] | None = answer.json()["cursor"]
    return cursor


def test_incremental_runs_read_the_cursor_advance_it_and_delete_nothing(
    probe: Path, third_party: FakeAPI, ocean_resync: Any, catalog: Catalog, harbor: Any
) -> None:
    third_party.get(f"{API}/items", json=[{"id": "a", "name": "A"}, {"id": "b", "name": "B"}])
    full = ocean_resync(probe)
    first = stored_cursor(harbor)
    assert full.ok and first is not None
    assert "since" not in third_party.requests[-1].url.params  # a full resync fetches everything

    third_party.get(f"{API}/items", json=[{"id": "c", "name": "C"}])  # the delta
    report = ocean_resync(probe, incremental=True)

    assert report.ok
    assert report.reconcile.status == "skipped" and "incremental" in (report.reconcile.reason or "")
    assert third_party.requests[-1].url.params["since"] == first["primary"]
    catalog.assert_identifiers("probeItem", ["a", "b", "c"])  # a and b were not in the delta: kept
    second = stored_cursor(harbor)
    assert second is not None
    assert datetime.fromisoformat(second["primary"]) > datetime.fromisoformat(first["primary"])


def test_a_failed_kind_keeps_its_cursor(
    probe: Path, third_party: FakeAPI, ocean_resync: Any, catalog: Catalog, harbor: Any
) -> None:
    third_party.get(f"{API}/items", json=[{"id": "a", "name": "A"}])
    ocean_resync(probe)
    before = stored_cursor(harbor)

    third_party.get(f"{API}/items", status=503, json={"message": "down"})
    report = ocean_resync(probe, incremental=True, check=False)

    assert not report.ok
    assert "answered 503: down" in report.kinds[0].errors[0]
    assert stored_cursor(harbor) == before
    catalog.assert_identifiers("probeItem", ["a"])


def test_a_full_resync_after_incremental_ones_reconciles_deletions(
    probe: Path, third_party: FakeAPI, ocean_resync: Any, catalog: Catalog
) -> None:
    third_party.get(f"{API}/items", json=[{"id": "a", "name": "A"}, {"id": "b", "name": "B"}])
    ocean_resync(probe)
    third_party.get(f"{API}/items", json=[{"id": "c", "name": "C"}])
    ocean_resync(probe, incremental=True)
    catalog.assert_identifiers("probeItem", ["a", "b", "c"])

    third_party.get(f"{API}/items", json=[{"id": "c", "name": "C"}])
    report = ocean_resync(probe)

    assert report.reconcile.status == "completed"
    catalog.assert_identifiers("probeItem", ["c"])


def test_the_first_incremental_run_fetches_everything(
    probe: Path, third_party: FakeAPI, ocean_resync: Any, catalog: Catalog, harbor: Any
) -> None:
    third_party.get(f"{API}/items", json=[{"id": "a", "name": "A"}])

    ocean_resync(probe, incremental=True)

    assert "since" not in third_party.requests[-1].url.params
    catalog.assert_identifiers("probeItem", ["a"])
    assert stored_cursor(harbor) is not None


async def test_updated_since_outside_a_resync_is_none() -> None:
    assert await updated_since() is None


def test_the_incremental_setting_is_read_like_the_reference(probe: Path) -> None:
    from ocean_runtime.config import load_settings
    from ocean_runtime.incremental import incremental_enabled

    def enabled(value: str | None) -> bool:
        environ = {"OCEAN__INTEGRATION__INCREMENTAL_SYNC_ENABLED": value} if value is not None else {}
        return incremental_enabled(load_settings(probe, environ=environ))

    assert enabled(None) is False
    assert enabled("true") is True and enabled("0") is False
    with pytest.raises(UserInputError, match="OCEAN__INTEGRATION__INCREMENTAL_SYNC_ENABLED.*not a boolean"):
        enabled("sometimes")
