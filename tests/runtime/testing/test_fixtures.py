"""The pytest plugin's fixtures, used the way an integration's tests use them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ocean_runtime.testing import Catalog, FakeAPI, FakeClock, resync_async

API = "https://items.example.test"


def serve_items(api: FakeAPI, *pages: list[dict[str, Any]]) -> None:
    for number, page in enumerate(pages, start=1):
        link = {"Link": f'<{API}/items?page={number + 1}>; rel="next"'} if number < len(pages) else {}
        api.get(f"{API}/items" + (f"?page={number}" if number > 1 else ""), json=page, headers=link)


def test_third_party_answers_the_integrations_clients(
    probe: Path, third_party: FakeAPI, ocean_resync: Any, catalog: Catalog, fake_clock: FakeClock
) -> None:
    serve_items(third_party, [{"id": "a", "name": "A", "size": 1}], [{"id": "b", "name": "B", "size": 2}])
    throttled = third_party.response(503, headers={"Retry-After": "12"})
    third_party.get(f"{API}/items?page=2", responses=[throttled, [{"id": "b", "name": "B", "size": 2}]])

    report = ocean_resync(probe)

    assert report.ok
    catalog.assert_identifiers("probeItem", ["a", "b"])
    catalog.assert_entity("probeItem", "b", title="B", properties={"size": 2})
    assert fake_clock.sleeps == [12.0]
    assert [r.url.params.get("page") for r in third_party.requests] == [None, "2", "2"]


async def test_works_from_an_async_test_too(
    probe: Path, third_party: FakeAPI, harbor: Any, catalog: Catalog
) -> None:
    serve_items(third_party, [{"id": "x", "name": "X", "size": 9}])

    # Inside a running loop the resync runs in a thread; the fake API must still answer it.
    await resync_async(
        probe, base_url=harbor.url, client_id=harbor.client_id, client_secret=harbor.client_secret
    )
    from ocean_runtime.testing import resync

    resync(probe, base_url=harbor.url, client_id=harbor.client_id, client_secret=harbor.client_secret)

    catalog.assert_identifiers("probeItem", ["x"])


def test_an_unrouted_request_fails_the_kind_naming_it(
    probe: Path, third_party: FakeAPI, ocean_resync: Any
) -> None:
    report = ocean_resync(probe, check=False)

    (kind,) = report.kinds
    assert "no route for GET https://items.example.test/items" in kind.errors[0]
    assert report.reconcile.status == "skipped"


def test_recorded_responses(
    tmp_path: Path, probe: Path, third_party: FakeAPI, ocean_resync: Any, catalog: Catalog
) -> None:
    recording = tmp_path / "items.json"
    recording.write_text(
        json.dumps(
            [
                {
                    "url": f"{API}/items",
                    "headers": {"Link": f'<{API}/items?page=2>; rel="next"'},
                    "json": [{"id": "r1", "name": "R1", "size": 1}],
                },
                {
                    "method": "GET",
                    "url": f"{API}/items?page=2",
                    "status": 200,
                    "json": [{"id": "r2", "name": "R2"}],
                },
            ]
        )
    )
    third_party.load(recording)

    ocean_resync(probe)

    catalog.assert_identifiers("probeItem", ["r1", "r2"])


def test_a_bad_recording_is_named(tmp_path: Path) -> None:
    recording = tmp_path / "bad.json"
    recording.write_text(json.dumps([{"json": []}]))
    with pytest.raises(ValueError, match=r"bad.json: entry 0 needs at least a 'url'"):
        FakeAPI().load(recording)


def test_catalog_assertions_say_what_differs(
    probe: Path, third_party: FakeAPI, ocean_resync: Any, catalog: Catalog
) -> None:
    serve_items(third_party, [{"id": "a", "name": "A", "size": 1}])
    ocean_resync(probe)

    with pytest.raises(AssertionError, match=r"missing \['b'\], unexpected \[\]"):
        catalog.assert_identifiers("probeItem", ["a", "b"])
    with pytest.raises(
        AssertionError, match=r"properties.size: expected 2, got 1; title: expected 'Z', got 'A'"
    ):
        catalog.assert_entity("probeItem", "a", properties={"size": 2}, title="Z")
    with pytest.raises(AssertionError, match=r"no probeItem entity 'zz' in the catalog; it has 'a'"):
        catalog.entity("probeItem", "zz")
