"""A full resync of {{ cookiecutter.name }} into a local Port, against a fake {{ cookiecutter.name }} API.

Fixtures that ship with Ocean (its pytest plugin, nothing to import):

- ``harbor``: a real Port-compatible catalog on a temporary SQLite file, over HTTP;
- ``third_party``: a fake 3rd-party API that every ``ocean_runtime.http`` client of the
  integration talks to during the test — no network;
- ``fake_clock``: the clock those clients wait on — retries never sleep for real.

``resync`` runs this folder's ``main.py`` once, like ``ocean sail --once``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocean_runtime.testing import resync

INTEGRATION_DIR = Path(__file__).resolve().parents[1]
BLUEPRINT = "{{ cookiecutter.__blueprint }}"
API_URL = "https://{{ cookiecutter.slug.replace('_', '-') }}.example.test"
ENV = {
    "OCEAN__INTEGRATION__CONFIG__USE_EXAMPLE_DATA": "false",
    "OCEAN__INTEGRATION__CONFIG__API_URL": API_URL,
    "OCEAN__INTEGRATION__CONFIG__API_TOKEN": "test-token",
}


def api_item(index: int) -> dict[str, Any]:
    """One item as the API returns it (item 4 is archived)."""
    return {
        "id": f"{{ cookiecutter.kind }}-{index}",
        "name": f"{{ cookiecutter.__kind_title }} {index}",
        "url": f"{API_URL}/{{ cookiecutter.kind }}/{index}",
        "status": "active",
        "archived": index == 4,
        "owner": {"email": "ada@example.com"},
        "open_issues": index,
    }


def serve(third_party: Any, count: int, page_size: int = 100) -> None:
    """Answer ``GET /{{ cookiecutter.kind }}?page=N`` with ``count`` items, then an empty page."""
    items = [api_item(index) for index in range(count)]
    for page in range(1, count // page_size + 3):
        chunk = items[(page - 1) * page_size : page * page_size]
        third_party.get(f"{API_URL}/{{ cookiecutter.kind }}?page={page}", json=chunk)


def sync_into(harbor: Any) -> None:
    """One resync of this integration into the ``harbor``, configured with ``ENV``."""
    resync(
        INTEGRATION_DIR,
        base_url=harbor.url,
        client_id=harbor.client_id,
        client_secret=harbor.client_secret,
        env=ENV,
    )


def test_resync_syncs_every_unarchived_item(harbor: Any, third_party: Any, fake_clock: Any) -> None:
    serve(third_party, 6)
    # The first page is throttled once: the client waits as Retry-After says, then asks again.
    throttled = third_party.response(429, headers={"Retry-After": "3"})
    first_page = [api_item(index) for index in range(6)]
    third_party.get(f"{API_URL}/{{ cookiecutter.kind }}?page=1", responses=[throttled, first_page])

    sync_into(harbor)

    entities = {entity["identifier"]: entity for entity in harbor.entities(BLUEPRINT)}
    assert sorted(entities) == [f"{{ cookiecutter.kind }}-{i}" for i in (0, 1, 2, 3, 5)]  # 4 is archived
    assert entities["{{ cookiecutter.kind }}-1"]["properties"] == {
        "url": f"{API_URL}/{{ cookiecutter.kind }}/1",
        "status": "active",
        "owner": "ada@example.com",
        "openIssues": 1,
    }
    assert fake_clock.sleeps == [3.0]
    assert {request.headers["Authorization"] for request in third_party.requests} == {"Bearer test-token"}


def test_a_second_resync_deletes_items_that_are_gone(harbor: Any, third_party: Any) -> None:
    for count in (12, 3):
        serve(third_party, count)  # newer routes answer first
        sync_into(harbor)

    identifiers = sorted(entity["identifier"] for entity in harbor.entities(BLUEPRINT))
    assert identifiers == ["{{ cookiecutter.kind }}-0", "{{ cookiecutter.kind }}-1", "{{ cookiecutter.kind }}-2"]
