"""The port_ocean layer on a published-style integration written here (no corpus needed).

The integration below uses the published idioms the corpus relies on: a pydantic v1 selector with
aliases, defaults and validators, its config class declared on a ``BaseIntegration`` subclass and
imported from another module, ``event.resource_config`` in a handler, ``http_async_client``,
``event.attributes``, ``itemsToParse`` and an ``AbstractWebhookProcessor`` that checks an HMAC of
the raw body through ``event._original_request``, and an ``on_resync_start`` hook.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocean_compat import finder
from ocean_runtime.app import load_integration
from ocean_runtime.http import use_http
from ocean_runtime.testing import resync_async
from ocean_runtime.testing.fake_api import FakeAPI
from ocean_runtime.webhooks.admission import admit

SECRET = "s3cret"

FILES = {
    ".port/spec.yaml": """
        title: Teams
        features:
          - type: exporter
            resources: [{kind: team}]
        configurations:
          - {name: apiUrl, type: url, required: true}
          - {name: webhookSecret, type: string, required: false}
    """,
    ".port/resources/blueprints.json": json.dumps(
        [
            {"identifier": "team", "title": "Team", "schema": {"properties": {"size": {"type": "number"}}}},
            {"identifier": "member", "title": "Member", "schema": {"properties": {}}},
        ]
    ),
    ".port/resources/port-app-config.yml": """
        resources:
          - kind: team
            selector: {query: 'true', minSize: 2, slugPrefix: ACME}
            port:
              entity:
                mappings: {identifier: .slug, title: .name, blueprint: '"team"', properties: {size: .size}}
          - kind: team
            selector: {query: 'true'}
            port:
              itemsToParse: .members
              entity:
                mappings: {identifier: .item, blueprint: '"member"'}
    """,
    "models.py": """
        from typing import Literal
        from pydantic.v1 import Field, root_validator, validator
        from port_ocean.core.handlers.port_app_config.models import PortAppConfig, ResourceConfig, Selector

        class TeamSelector(Selector):
            min_size: int = Field(alias="minSize", default=0)
            slug_prefix: str = Field(alias="slugPrefix", default="")

            @validator("slug_prefix")
            def lower(cls, value):
                return value.lower()

            @root_validator
            def sane(cls, values):
                if values.get("min_size", 0) < 0:
                    raise ValueError("minSize must not be negative")
                return values

        class TeamResource(ResourceConfig):
            kind: Literal["team"]
            selector: TeamSelector

        class TeamsConfig(PortAppConfig):
            resources: list[TeamResource | ResourceConfig] = Field(default_factory=list)
    """,
    "integration.py": """
        from port_ocean.core.handlers.port_app_config.api import APIPortAppConfig
        from port_ocean.core.integrations.base import BaseIntegration
        from models import TeamsConfig

        class TeamsIntegration(BaseIntegration):
            class AppConfigHandlerClass(APIPortAppConfig):
                CONFIG_CLASS = TeamsConfig
    """,
    "main.py": """
        import hashlib, hmac
        from port_ocean.context.event import event
        from port_ocean.context.ocean import ocean
        from port_ocean.core.handlers.webhook.abstract_webhook_processor import AbstractWebhookProcessor
        from port_ocean.core.handlers.webhook.webhook_event import WebhookEventRawResults
        from port_ocean.core.ocean_types import ASYNC_GENERATOR_RESYNC_TYPE
        from port_ocean.utils import http_async_client

        STARTS = []

        @ocean.on_resync_start()
        async def prepare() -> None:
            STARTS.append(event.port_app_config)

        @ocean.on_resync("team")
        async def teams(kind: str) -> ASYNC_GENERATOR_RESYNC_TYPE:
            # on_resync_start ran once for this run, before the first handler (two team resources)
            assert STARTS == [event.port_app_config], STARTS
            selector = event.resource_config.selector
            event.attributes["calls"] = event.attributes.get("calls", 0) + 1
            response = await http_async_client.get(ocean.integration_config["api_url"] + "/teams")
            teams = response.json()
            size = getattr(selector, "min_size", 0)
            prefix = getattr(selector, "slug_prefix", "")
            yield [dict(t, slug=prefix + t["slug"]) for t in teams if t["size"] >= size]

        class TeamWebhook(AbstractWebhookProcessor):
            async def should_process_event(self, event) -> bool:
                body = await event._original_request.body()
                digest = hmac.new(ocean.integration_config["webhook_secret"].encode(), body, hashlib.sha256)
                return event.headers.get("x-signature") == digest.hexdigest()

            async def authenticate(self, payload, headers) -> bool:
                return True

            async def validate_payload(self, payload) -> bool:
                return "team" in payload

            async def get_matching_kinds(self, event) -> list[str]:
                return ["team"]

            async def handle_event(self, payload, resource) -> WebhookEventRawResults:
                assert resource.selector.slug_prefix == "acme"  # the integration's own v1 selector
                return WebhookEventRawResults(updated_raw_results=[payload["team"]], deleted_raw_results=[])

        ocean.add_webhook_processor("/webhook", TeamWebhook)
    """,
}


@pytest.fixture
def integration(tmp_path: Path) -> Path:
    root = tmp_path / "teams"
    for name, text in {"pyproject.toml": '[project]\nname = "teams"\nversion = "1.0.0"\n', **FILES}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


ENV = {
    "OCEAN__INTEGRATION__IDENTIFIER": "teams",
    "OCEAN__INTEGRATION__TYPE": "teams",
    "OCEAN__INTEGRATION__CONFIG__API_URL": "https://teams.example.com",
    "OCEAN__INTEGRATION__CONFIG__WEBHOOK_SECRET": SECRET,
}


def test_the_config_class_is_the_integrations_own_v1_class_with_validators(integration: Path) -> None:
    app = load_integration(integration, environ=ENV)
    config = app.config_class.model_validate(
        {
            "resources": [
                {
                    "kind": "team",
                    "selector": {"query": "true", "slugPrefix": "ABC"},
                    "port": {"entity": {"mappings": {"identifier": ".id", "blueprint": '"team"'}}},
                }
            ]
        }
    )
    native = config.native  # type: ignore[attr-defined]
    assert type(native).__name__ == "TeamsConfig"
    assert native.resources[0].selector.slug_prefix == "abc"  # @validator ran
    assert native.resources[0].selector.min_size == 0  # default
    # The @root_validator refuses minSize -1, so (pydantic v1 unions, as published) the resource
    # falls back to the next member of the union: the base ResourceConfig.
    refused = app.config_class.model_validate(
        {
            "resources": [
                {
                    "kind": "team",
                    "selector": {"query": "true", "minSize": -1},
                    "port": {"entity": {"mappings": {"identifier": ".id", "blueprint": '"team"'}}},
                }
            ]
        }
    )
    assert type(refused.native.resources[0]).__name__ == "ResourceConfig"  # type: ignore[attr-defined]


def test_resync_reads_the_custom_selector_and_items_to_parse(integration: Path, harbor: Any) -> None:
    api = FakeAPI("https://teams.example.com")
    api.get(
        "/teams",
        json=[
            {"slug": "core", "name": "Core", "size": 3, "members": ["ada", "linus"]},
            {"slug": "solo", "name": "Solo", "size": 1, "members": ["grace"]},
        ],
    )

    async def run() -> Any:
        with use_http(transport=api.transport):
            return await resync_async(
                integration,
                base_url=harbor.url,
                client_id=harbor.client_id,
                client_secret=harbor.client_secret,
                env=ENV,
            )

    asyncio.run(run())
    teams = {e["identifier"]: e for e in harbor.entities("team")}
    assert set(teams) == {"acmecore"}  # minSize 2 filtered "solo"; slugPrefix lower-cased by the validator
    assert teams["acmecore"]["properties"]["size"] == 3
    assert {e["identifier"] for e in harbor.entities("member")} == {"ada", "linus", "grace"}


def test_webhook_admission_runs_the_published_checks_on_the_raw_body(integration: Path) -> None:
    app = load_integration(integration, environ=ENV)
    [processor] = app.webhook_processors["/webhook"]
    body = json.dumps({"team": {"slug": "web", "name": "Web", "size": 4}}).encode()
    good = {"x-signature": hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()}

    async def answer(headers: dict[str, str]) -> int:
        with app.activated():
            return (await admit([processor], "/webhook", body, headers)).status

    assert asyncio.run(answer(good)) == 202
    assert asyncio.run(answer({"x-signature": "0" * 64})) == 401


def test_the_layer_never_shadows_a_real_port_ocean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert finder.provide() is not None
    site = tmp_path / "site"
    dist = site / "port_ocean-0.56.2.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: port-ocean\nVersion: 0.56.2\n")
    monkeypatch.syspath_prepend(str(site))
    assert finder.real_port_ocean_installed()
    assert finder.provide() is None


def test_every_name_of_the_table_resolves() -> None:
    from ocean_compat.names import MODULES

    spec_finder = finder.PortOceanFinder()
    missing = []
    for module_name, names in MODULES.items():
        spec = spec_finder.find_spec(module_name)
        assert spec is not None, module_name
        module = type(sys)(module_name)
        spec_finder.exec_module(module)
        for name in names:
            try:
                getattr(module, name)
            except AttributeError as exc:
                missing.append(f"{module_name}:{name} ({exc})")
    assert missing == []


def test_retry_transport_keeps_the_published_loop_and_hooks() -> None:
    from ocean_compat.http import OceanAsyncClient, RetryConfig, RetryTransport

    answers = [httpx.Response(503, headers={"Retry-After": "0"}), httpx.Response(200, json={"ok": True})]
    calls: list[str] = []

    class Recording(RetryTransport):  # how pagerduty, jira, github… subclass it
        def __init__(self, *, label: str, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.label = label

        async def before_retry_async(
            self, request: Any, response: Any, sleep_time: float, attempt: int
        ) -> Any:
            calls.append(f"{self.label}:before:{attempt}:{response.status_code}:{sleep_time}")

        async def after_retry_async(self, request: Any, response: Any, attempt: int) -> None:
            calls.append(f"{self.label}:after:{attempt}:{response.status_code}")

    async def run() -> Any:
        client = OceanAsyncClient(
            transport_class=Recording,
            transport_kwargs={"label": "pd"},
            retry_config=RetryConfig(max_attempts=3, base_delay=0.0),
            transport=httpx.MockTransport(lambda request: answers.pop(0)),
        )
        async with client:
            return (await client.get("https://api.example.com/users")).json()

    assert asyncio.run(run()) == {"ok": True}
    assert calls == ["pd:after:1:503", "pd:before:1:503:0.0", "pd:after:2:200"]


def test_http_routes_point_hard_coded_hosts_at_another_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    from ocean_compat.http import ROUTES_ENV, RoutingTransport

    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={})

    monkeypatch.setenv(ROUTES_ENV, json.dumps({"https://api.linear.app": "http://127.0.0.1:8123"}))
    transport = RoutingTransport(httpx.MockTransport(answer))

    async def run() -> None:
        async with httpx.AsyncClient(transport=transport) as client:
            await client.post("https://api.linear.app/graphql", json={})
            await client.get("https://other.example.com/x")

    asyncio.run(run())
    assert seen == ["http://127.0.0.1:8123/graphql", "https://other.example.com/x"]


def test_rooms_the_runtime_never_imports_the_layer_and_the_layer_only_the_runtime() -> None:
    import ast
    import subprocess

    root = Path(__file__).resolve().parents[2]
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import ocean_runtime, ocean_runtime.app, sys; print('ocean_compat' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"
    for path in (root / "ocean_compat").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            ours = [n for n in names if n.split(".")[0] in ("ocean_cli", "ocean_harbor", "ocean_templates")]
            assert ours == [], f"{path.name} imports {ours}"
