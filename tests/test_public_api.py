"""The public API of ``ocean_runtime`` is exactly what integrations may import: pinned here."""

from __future__ import annotations

import inspect

import ocean_runtime
import ocean_runtime.testing

EXPECTED = [
    "AbortRunError",
    "EntityMapping",
    "OceanError",
    "PortAPIError",
    "PortAppConfig",
    "PortAuthError",
    "PortResourceConfig",
    "PortUnreachableError",
    "ResourceConfig",
    "RetryableError",
    "Selector",
    "SkipRecordError",
    "UserInputError",
    "event",
    "ocean",
]


def test_all_is_pinned() -> None:
    assert sorted(ocean_runtime.__all__) == EXPECTED


def test_every_public_name_exists_and_is_documented() -> None:
    for name in ocean_runtime.__all__:
        member = getattr(ocean_runtime, name)
        documented = inspect.getdoc(member if inspect.isclass(member) else type(member))
        assert documented, f"ocean_runtime.{name} has no docstring"


def test_the_test_kit_is_pinned() -> None:
    assert sorted(ocean_runtime.testing.__all__) == ["ResyncFailedError", "resync", "resync_async"]


def test_the_authors_api_members() -> None:
    # What an integration's main.py uses (DESIGN.md, "The integration author's API").
    for member in ("on_start", "on_resync", "add_webhook_processor", "integration_config"):
        assert hasattr(type(ocean_runtime.ocean), member)
    assert hasattr(type(ocean_runtime.event), "resource_config")
