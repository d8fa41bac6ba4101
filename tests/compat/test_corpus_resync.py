"""Published integrations resync unmodified: ``ocean sail DIR --once`` into a harbor, against fakes.

Each integration runs in the corpus venv (Python 3.12 with its own dependencies), reading its
folder from ``../shared/realworld`` as it is; its 3rd-party API is a ``FakeAPI`` served over
HTTP (``tests/compat/corpus/cases.py``). The test checks the entities that reached the catalog
and that every request carried the integration's auth header.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocean_harbor.testing import RunningHarbor
from ocean_runtime.config.naming import config_env_var
from ocean_runtime.testing.fake_api import FakeAPI
from tests.compat.corpus.cases import CASES, Case
from tests.compat.corpus.environment import corpus_folder, corpus_python, resources_with_kinds, scratch_copy
from tests.compat.fake_server import ServedFakeAPI


@pytest.fixture
def harbor(tmp_path: Path) -> Iterator[RunningHarbor]:
    with RunningHarbor(tmp_path / "harbor.db", client_id="corpus", client_secret="corpus") as running:
        yield running


def sail(case: Case, harbor: RunningHarbor, api_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``ocean sail DIR --once`` with the corpus venv, configured for the fake API and the harbor."""
    folder = scratch_copy(corpus_folder(case.name), tmp_path)
    python = corpus_python()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCEAN__")}
    env.update(
        OCEAN__PORT__BASE_URL=harbor.url,
        OCEAN__PORT__CLIENT_ID="corpus",
        OCEAN__PORT__CLIENT_SECRET="corpus",
        OCEAN__INTEGRATION__IDENTIFIER=f"corpus-{case.name}",
        OCEAN__INTEGRATION__TYPE=case.name,
        PYTHONDONTWRITEBYTECODE="1",
        **case.extra_env,
    )
    env.update({config_env_var(k): v.format(api=api_url) for k, v in case.config.items()})
    if case.hosts:
        import json

        env["OCEAN_COMPAT_HTTP_ROUTES"] = json.dumps({host: api_url for host in case.hosts})
    if case.kinds is not None:
        env["OCEAN__RESOURCES_PATH"] = str(resources_with_kinds(folder, case.kinds, tmp_path / "resources"))
    return subprocess.run(
        [str(python.with_name("ocean")), "sail", str(folder), "--once"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_published_integration_resyncs_unmodified(case: Case, harbor: RunningHarbor, tmp_path: Path) -> None:
    api = FakeAPI()
    server = ServedFakeAPI(api)
    case.routes(api, server.url)
    with server.running():
        result = sail(case, harbor, server.url, tmp_path)
    output = result.stdout[-4000:] + result.stderr[-4000:]
    assert result.returncode == 0, output
    assert server.unmatched == [], f"requests the fake does not answer: {server.unmatched}\n{output}"
    for blueprint, identifiers in case.expected.items():
        found = {entity["identifier"] for entity in harbor.entities(blueprint)}
        assert found == identifiers, f"{blueprint}: {found} != {identifiers}\n{output}"
    assert api.requests, "the integration made no request"
    if case.name == "servicenow":
        table_calls = [r for r in api.requests if "/api/now/table/" in r.url.path]
        assert {r.headers.get("authorization") for r in table_calls} == {"Bearer sn-oauth-token"}
    if case.auth is None:
        return
    header, value = case.auth
    assert all(request.headers.get(header) == value for request in api.requests), [
        (str(r.url), r.headers.get(header)) for r in api.requests if r.headers.get(header) != value
    ]
