"""Published integrations take signed webhooks through their own processors into the catalog.

``ocean sail DIR`` (listening) runs the unmodified integration in the corpus venv; after its
start-up resync a signed event is posted over HTTP: it must be acknowledged (202) and its entity
must reach the harbor. The same body with a wrong signature must be refused (401) before anything
is acknowledged (Ocean's admission runs the processor's own checks on the raw body).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ocean_harbor.testing import RunningHarbor
from ocean_runtime.config.naming import config_env_var
from ocean_runtime.testing.fake_api import FakeAPI
from tests.compat.corpus.environment import corpus_folder, resources_with_kinds, scratch_copy
from tests.compat.corpus.listening import sail
from tests.compat.corpus.webhooks import WEBHOOK_CASES, WebhookCase, compact
from tests.compat.fake_server import ServedFakeAPI
from tests.support.sail import Sail, eventually


@pytest.fixture
def harbor(tmp_path: Path) -> Iterator[RunningHarbor]:
    with RunningHarbor(tmp_path / "harbor.db", client_id="corpus", client_secret="corpus") as running:
        yield running


def _start(webhook: WebhookCase, harbor: RunningHarbor, api_url: str, tmp_path: Path) -> Sail:
    case = webhook.case
    folder = scratch_copy(corpus_folder(case.name), tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCEAN__")}
    env.update(
        OCEAN__PORT__BASE_URL=harbor.url,
        OCEAN__PORT__CLIENT_ID="corpus",
        OCEAN__PORT__CLIENT_SECRET="corpus",
        OCEAN__INTEGRATION__IDENTIFIER=f"corpus-{case.name}",
        OCEAN__INTEGRATION__TYPE=case.name,
        OCEAN__EVENT_LISTENER__TYPE="WEBHOOKS_ONLY",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
    )
    env.update({config_env_var(k): v.format(api=api_url) for k, v in case.config.items()})
    if case.hosts:
        env["OCEAN_COMPAT_HTTP_ROUTES"] = json.dumps({host: api_url for host in case.hosts})
    if case.kinds is not None:
        env["OCEAN__RESOURCES_PATH"] = str(resources_with_kinds(folder, case.kinds, tmp_path / "resources"))
    return sail(folder, env, tmp_path)


@pytest.mark.parametrize("webhook", WEBHOOK_CASES, ids=[w.case.name for w in WEBHOOK_CASES])
def test_signed_webhook_reaches_the_catalog_through_the_integrations_processor(
    webhook: WebhookCase, harbor: RunningHarbor, tmp_path: Path
) -> None:
    api = FakeAPI()
    server = ServedFakeAPI(api)
    webhook.case.routes(api, server.url)
    blueprint, identifier = webhook.expected
    body = compact(webhook.payload)
    with server.running():
        listening = _start(webhook, harbor, server.url, tmp_path)
        try:
            url = listening.url
            endpoint = f"{url}/integration{webhook.path}"
            forged = {name: "0" * len(value) for name, value in webhook.sign(body).items()}
            refused = httpx.post(
                endpoint, content=body, headers={"content-type": "application/json", **forged}
            )
            assert refused.status_code == 401, refused.text
            accepted = httpx.post(
                endpoint, content=body, headers={"content-type": "application/json", **webhook.sign(body)}
            )
            assert accepted.status_code == 202, accepted.text
            eventually(
                lambda: identifier in {e["identifier"] for e in harbor.entities(blueprint)},
                f"{blueprint}/{identifier} reached the catalog",
                listening,
            )
        finally:
            listening.stop()
    assert server.unmatched == []
