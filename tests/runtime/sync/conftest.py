"""A tiny integration, written to a temporary folder, whose raw data a test controls.

``main.py`` reads ``data.json`` next to it on every resync, so a test changes what the 3rd-party
API "returns" between two resyncs by rewriting that file. ``fail`` in the data makes a handler
raise after its first batch.

Kinds: ``team`` (a coroutine returning a list; each team carries ``members``) and ``service``
(an async generator yielding batches of 2; each service points at a team).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ocean_runtime.sync import ResyncReport
from ocean_runtime.testing import resync_async

MAIN = """
import json
from pathlib import Path

from ocean_runtime import event, ocean

DATA = Path(__file__).with_name("data.json")


def load(kind):
    return json.loads(DATA.read_text())


@ocean.on_resync("team")
async def teams(kind):
    data = load(kind)
    if data.get("fail") == "team":
        raise RuntimeError("the teams API is down")
    return data["team"]


@ocean.on_resync("service")
async def services(kind):
    data = load(kind)
    items = data["service"]
    for start in range(0, len(items), 2):
        if start and data.get("fail") == "service":
            raise RuntimeError("the services API broke mid-way")
        yield items[start : start + 2]
"""

BLUEPRINTS = [
    {"identifier": "team", "title": "Team", "schema": {"properties": {"size": {"type": "number"}}}},
    {
        "identifier": "member",
        "title": "Member",
        "schema": {"properties": {"role": {"type": "string"}}},
        "relations": {"team": {"target": "team", "required": False, "many": False}},
    },
    {
        "identifier": "service",
        "title": "Service",
        "schema": {"properties": {"tier": {"type": "string"}, "url": {"type": "string"}}},
        "relations": {"team": {"target": "team", "required": False, "many": False}},
    },
]

TEAM_RESOURCE = {
    "kind": "team",
    "selector": {"query": "true"},
    "port": {
        "entity": {
            "mappings": {
                "identifier": ".id",
                "title": ".name",
                "blueprint": '"team"',
                "properties": {"size": ".members | length"},
            }
        }
    },
}
MEMBER_RESOURCE = {
    "kind": "team",
    "selector": {"query": "true"},
    "port": {
        "itemsToParse": ".members",
        "entity": {
            "mappings": {
                "identifier": ".item.id",
                "title": ".item.name",
                "blueprint": '"member"',
                "properties": {"role": ".item.role"},
                "relations": {"team": ".id"},
            }
        },
    },
}
SERVICE_RESOURCE = {
    "kind": "service",
    "selector": {"query": "true"},
    "port": {
        "entity": {
            "mappings": {
                "identifier": ".id",
                "title": ".name",
                "blueprint": '"service"',
                "properties": {"tier": ".tier", "url": ".url"},
                "relations": {"team": ".team"},
            }
        }
    },
}


def teams(count: int = 2, members: int = 2) -> list[dict[str, Any]]:
    """Raw teams, each with its members."""
    return [
        {
            "id": f"t{t}",
            "name": f"Team {t}",
            "members": [{"id": f"t{t}-m{m}", "name": f"Member {m}", "role": "dev"} for m in range(members)],
        }
        for t in range(count)
    ]


def services(count: int = 5, teams: int = 2, tier: str = "gold") -> list[dict[str, Any]]:
    """Raw services, owned round-robin by the teams."""
    return [
        {
            "id": f"s{i}",
            "name": f"Service {i}",
            "tier": tier,
            "url": f"https://s{i}.example.com",
            "team": f"t{i % teams}",
        }
        for i in range(count)
    ]


class TinyIntegration:
    """The integration folder and helpers to drive it against a harbor.

    The raw-data factories and mapping resources are attributes, so tests reach them through
    the fixture (test modules do not import conftest).
    """

    teams = staticmethod(teams)
    services = staticmethod(services)
    TEAM = TEAM_RESOURCE
    MEMBER = MEMBER_RESOURCE
    SERVICE = SERVICE_RESOURCE

    def __init__(self, root: Path, harbor: Any) -> None:
        self.root = root
        self.harbor = harbor

    def set_data(
        self,
        *,
        team: list[dict[str, Any]] | None = None,
        service: list[dict[str, Any]] | None = None,
        fail: str | None = None,
    ) -> None:
        data = {
            "team": teams() if team is None else team,
            "service": services() if service is None else service,
        }
        if fail:
            data["fail"] = fail
        (self.root / "data.json").write_text(json.dumps(data))

    def set_mapping(self, resources: list[dict[str, Any]], **options: Any) -> None:
        config = {
            "deleteDependentEntities": True,
            "createMissingRelatedEntities": True,
            "enableMergeEntity": True,
            "entityDeletionThreshold": 0.9,
            **options,
            "resources": resources,
        }
        (self.root / ".port" / "resources" / "port-app-config.yml").write_text(yaml.safe_dump(config))

    async def resync(self, harbor: Any | None = None) -> ResyncReport:
        target = harbor or self.harbor
        return await resync_async(
            self.root,
            base_url=target.url,
            client_id=target.client_id,
            client_secret=target.client_secret,
            check=False,
        )

    def ids(self, blueprint: str) -> set[str]:
        return {entity["identifier"] for entity in self.harbor.entities(blueprint)}


def write_integration(
    root: Path, *, main: str = MAIN, blueprints: list[dict[str, Any]] | None = None
) -> Path:
    """Write the tiny integration's files (no data, no mapping) into ``root``."""
    (root / ".port" / "resources").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "tiny"\nversion = "0.1.0"\n')
    (root / "main.py").write_text(main)
    (root / ".port" / "resources" / "blueprints.json").write_text(json.dumps(blueprints or BLUEPRINTS))
    return root


@pytest.fixture
def tiny(tmp_path: Path, harbor: Any) -> TinyIntegration:
    """The tiny integration with default data and the team/member/service mapping."""
    integration = TinyIntegration(write_integration(tmp_path / "tiny"), harbor)
    integration.set_data()
    integration.set_mapping([TEAM_RESOURCE, MEMBER_RESOURCE, SERVICE_RESOURCE])
    return integration


@pytest.fixture
def make_tiny(tmp_path: Path, harbor: Any) -> Callable[..., TinyIntegration]:
    """Build a tiny integration with a custom ``main.py`` / blueprints."""

    def make(name: str = "custom", **kwargs: Any) -> TinyIntegration:
        integration = TinyIntegration(write_integration(tmp_path / name, **kwargs), harbor)
        integration.set_data()
        return integration

    return make
