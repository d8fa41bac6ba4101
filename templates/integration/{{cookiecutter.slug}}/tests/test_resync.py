"""A full resync of {{ cookiecutter.name }} into a local Port (the ``harbor`` fixture), over HTTP.

The ``harbor`` fixture comes with Ocean (its pytest plugin): a real Port-compatible catalog on a
temporary SQLite file. ``resync`` runs this folder's ``main.py`` once, like ``ocean sail --once``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocean_runtime.testing import resync

INTEGRATION_DIR = Path(__file__).resolve().parents[1]
BLUEPRINT = "{{ cookiecutter.__blueprint }}"


def test_resync_syncs_every_unarchived_item(harbor: Any) -> None:
    resync(
        INTEGRATION_DIR,
        base_url=harbor.url,
        client_id=harbor.client_id,
        client_secret=harbor.client_secret,
        env={"OCEAN__INTEGRATION__CONFIG__ITEM_COUNT": "12"},
    )

    entities = {entity["identifier"]: entity for entity in harbor.entities(BLUEPRINT)}
    # Items 4 and 9 are archived and the selector's includeArchived is false.
    assert sorted(entities) == sorted(f"{{ cookiecutter.kind }}-{i}" for i in range(12) if i not in (4, 9))
    first = entities["{{ cookiecutter.kind }}-0"]
    assert first["title"] == "{{ cookiecutter.__kind_title }} 0"
    assert first["properties"] == {
        "url": "https://api.example.com/{{ cookiecutter.kind }}/0",
        "status": "active",
        "owner": "ada@example.com",
        "openIssues": 0,
    }


def test_a_second_resync_deletes_items_that_are_gone(harbor: Any) -> None:
    for count in ("12", "3"):
        resync(
            INTEGRATION_DIR,
            base_url=harbor.url,
            client_id=harbor.client_id,
            client_secret=harbor.client_secret,
            env={"OCEAN__INTEGRATION__CONFIG__ITEM_COUNT": count},
        )

    identifiers = sorted(entity["identifier"] for entity in harbor.entities(BLUEPRINT))
    assert identifiers == ["{{ cookiecutter.kind }}-0", "{{ cookiecutter.kind }}-1", "{{ cookiecutter.kind }}-2"]
