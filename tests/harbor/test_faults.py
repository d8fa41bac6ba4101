"""Fault injection: configuration, deterministic firing, and faults answered over real HTTP."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocean_harbor.faults import ENV_VAR, FaultConfig, FaultConfigError, FaultRule
from ocean_harbor.testing import RunningHarbor


def fired(rule: FaultRule, times: int, seed: int = 0) -> list[int]:
    rng = random.Random(seed)
    return [n for n in range(1, times + 1) if rule.fires(rng)]


def test_every_first_and_always() -> None:
    assert fired(FaultRule(path="x", every=3), 10) == [3, 6, 9]
    assert fired(FaultRule(path="x", first=2), 10) == [1, 2]
    assert fired(FaultRule(path="x"), 3) == [1, 2, 3]


def test_rate_is_repeatable_with_a_seed() -> None:
    runs = [fired(FaultRule(path="x", rate=0.3), 200, seed=7) for _ in range(2)]
    assert runs[0] == runs[1]
    assert 20 < len(runs[0]) < 100  # roughly 30 %, but the point is: same seed, same requests
    assert fired(FaultRule(path="x", rate=0.3), 200, seed=8) != runs[0]


def test_only_matching_requests_count() -> None:
    config = FaultConfig.from_json([{"method": "POST", "path": "/bulk$", "status": 429, "every": 2}])
    picks = [
        config.pick(m, p) for m, p in [("POST", "/v1/b/bulk"), ("GET", "/v1/b/bulk"), ("POST", "/v1/b/bulk")]
    ]
    assert [p is not None for p in picks] == [False, False, True]


def test_load_inline_file_and_env(tmp_path: Path) -> None:
    rules = {"seed": 3, "rules": [{"path": "^/v1/", "status": 503, "retryAfter": 2, "first": 1}]}
    inline = FaultConfig.load(json.dumps(rules))
    file = tmp_path / "faults.json"
    file.write_text(json.dumps(rules))
    from_file = FaultConfig.load(str(file))
    from_env = FaultConfig.from_env({ENV_VAR: str(file)})
    for config in (inline, from_file, from_env):
        assert config is not None and config.seed == 3
        assert (config.rules[0].status, config.rules[0].retry_after, config.rules[0].first) == (503, 2, 1)
    assert FaultConfig.from_env({}) is None and FaultConfig.from_env({ENV_VAR: "  "}) is None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("{nope", "not valid JSON"),
        ("/no/such/file.json", "does not exist"),
        ('{"rules": {}}', "list of rules"),
        ('{"seed": "x", "rules": []}', "seed"),
        ('[{"status": 429}]', "rules[0].path is required"),
        ('[{"path": "("}]', "rules[0].path is not a valid regular expression"),
        ('[{"path": "x", "every": 0}]', "rules[0].every"),
        ('[{"path": "x", "status": "429"}]', "rules[0].status"),
        ('[{"path": "x", "delay": -1}]', "rules[0].delay"),
        ('[{"path": "x", "retry": 1}]', "unknown key(s) retry"),
        ('["x"]', "rules[0] must be an object"),
    ],
)
def test_bad_configs_name_the_rule_and_key(value: str, fragment: str) -> None:
    with pytest.raises(FaultConfigError) as caught:
        FaultConfig.load(value)
    assert fragment in str(caught.value)


@pytest.fixture
def faulty(tmp_path: Path) -> Iterator[RunningHarbor]:
    config = FaultConfig.from_json(
        {
            "rules": [
                {"method": "POST", "path": "/entities/bulk$", "status": 429, "retryAfter": 1.5, "every": 3},
                {"method": "GET", "path": "^/v1/organization$", "status": 503, "first": 2},
                {"method": "GET", "path": "^/v1/blueprints$", "delay": 0.01},
                {"path": "^/v1/auth/", "status": 500, "first": 1},
            ]
        }
    )
    with RunningHarbor(tmp_path / "harbor.db", faults=config) as harbor:
        yield harbor


def statuses(client: httpx.Client, method: str, path: str, times: int, **kwargs: Any) -> list[int]:
    return [client.request(method, path, **kwargs).status_code for _ in range(times)]


def test_faults_over_http(faulty: RunningHarbor) -> None:
    with httpx.Client(base_url=faulty.url) as raw:
        credentials = {"clientId": faulty.client_id, "clientSecret": faulty.client_secret}
        first = raw.post("/v1/auth/access_token", json=credentials)
        assert first.status_code == 500 and first.json()["ok"] is False
    with faulty.client() as client:
        assert statuses(client, "GET", "/v1/organization", 3) == [503, 503, 200]
        client.post("/v1/blueprints", json={"identifier": "team"})
        body = {"entities": [{"identifier": "t1"}]}
        codes = statuses(client, "POST", "/v1/blueprints/team/entities/bulk", 6, json=body)
        assert codes == [200, 200, 429, 200, 200, 429]
        *_, throttled = [client.post("/v1/blueprints/team/entities/bulk", json=body) for _ in range(3)]
        assert throttled.status_code == 429
        assert throttled.headers["Retry-After"] == "1.5"
        assert throttled.json() == {
            "ok": False,
            "error": "too_many_requests",
            "message": throttled.json()["message"],
        }
        assert client.get("/v1/blueprints").status_code == 200  # slow, not failing
    assert [e["identifier"] for e in faulty.entities("team")] == ["t1"]


def test_no_faults_by_default(harbor: RunningHarbor) -> None:
    with harbor.client() as client:
        assert statuses(client, "GET", "/v1/organization", 5) == [200] * 5
