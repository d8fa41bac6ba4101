"""What each ``OCEAN__EVENT_LISTENER__TYPE`` runs, and the ``should_*`` overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocean_runtime import UserInputError
from ocean_runtime.config import load_settings
from ocean_runtime.events import listener_plan

BASE = {"OCEAN__INTEGRATION__IDENTIFIER": "x", "OCEAN__INTEGRATION__TYPE": "x"}


def plan(tmp_path: Path, **env: str) -> tuple[bool, bool, bool]:
    settings = load_settings(tmp_path, environ={**BASE, **env})
    found = listener_plan(settings)
    return found.resyncs, found.webhooks, found.resync_route


@pytest.mark.parametrize(
    ("listener", "expected"),
    [
        ("ONCE", (True, False, False)),
        ("POLLING", (True, True, False)),
        ("WEBHOOK", (True, True, True)),
        ("KAFKA", (True, True, False)),
        ("webhooks_only", (False, True, False)),
    ],
)
def test_each_listener(tmp_path: Path, listener: str, expected: tuple[bool, bool, bool]) -> None:
    assert plan(tmp_path, OCEAN__EVENT_LISTENER__TYPE=listener) == expected


def test_overrides(tmp_path: Path) -> None:
    assert plan(
        tmp_path,
        OCEAN__EVENT_LISTENER__TYPE="WEBHOOK",
        OCEAN__EVENT_LISTENER__SHOULD_RESYNC="false",
        OCEAN__EVENT_LISTENER__SHOULD_PROCESS_WEBHOOKS="false",
    ) == (False, False, False)
    with pytest.raises(UserInputError, match="not a boolean") as error:
        plan(tmp_path, OCEAN__EVENT_LISTENER__SHOULD_RESYNC="maybe")
    assert "OCEAN__EVENT_LISTENER__SHOULD_RESYNC" in error.value.render()
