"""The harbor as a far-away Port: route families, buckets, 429 + headers over HTTP, latency."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from ocean_harbor.app import create_app
from ocean_harbor.latency import Latency, LatencyError, LatencyMiddleware
from ocean_harbor.rate_limits import (
    ENV_VAR,
    PORT_FAMILIES,
    Family,
    RateLimitConfigError,
    RateLimitMiddleware,
    RateLimits,
    family_of,
)
from ocean_harbor.testing import RunningHarbor


@pytest.mark.parametrize(
    ("method", "path", "authenticated", "family"),
    [
        ("POST", "/v1/auth/access_token", False, "unauthenticated"),
        ("GET", "/v1/organization", False, "unauthenticated"),
        ("POST", "/v1/blueprints/svc/entities/bulk", True, "bulkUpsert"),
        ("POST", "/v1/entities/search", True, "search"),
        ("POST", "/v1/blueprints/svc/entities/search", True, "search"),
        ("POST", "/v1/blueprints/svc/entities", True, "singleUpsert"),
        ("GET", "/v1/blueprints/svc/entities", True, "entities"),
        ("DELETE", "/v1/blueprints/svc/entities/x", True, "entities"),
        ("POST", "/v1/blueprints/svc/bulk/entities/delete", True, "entities"),
        ("POST", "/v1/blueprints/entities/datasource-entities", True, "entities"),
        ("GET", "/v1/blueprints/svc", True, "blueprints"),
        ("POST", "/v1/blueprints", True, "blueprints"),
        ("PATCH", "/v1/integration/x/resync-state", True, "other"),
        ("POST", "/ingest/logs/x", True, "other"),
    ],
)
def test_each_request_counts_against_one_route_family(
    method: str, path: str, authenticated: bool, family: str
) -> None:
    assert family_of(method, path, authenticated) == family


def test_ports_published_table() -> None:
    assert PORT_FAMILIES["bulkUpsert"] == Family(35_000, 3_500, 300.0)
    assert PORT_FAMILIES["singleUpsert"] == Family(10_000, 200, 300.0)
    assert PORT_FAMILIES["unauthenticated"].limit == 100
    assert round(PORT_FAMILIES["bulkUpsert"].rate * 20) == 2333  # entities/s sustained in bulk


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill_at_the_steady_rate_and_the_window_cap() -> None:
    clock = Ticks()
    limits = RateLimits(families={"bulkUpsert": Family(limit=10, burst=3, period=5.0)}, clock=clock)
    answers = [limits.admit("bulkUpsert") for _ in range(4)]
    assert [wait for wait, _ in answers] == [0, 0, 0, pytest.approx(0.5)]  # refills 2/s
    headers = dict(answers[2][1])
    assert headers == {
        b"x-ratelimit-limit": b"10",
        b"x-ratelimit-period": b"5",
        b"x-ratelimit-remaining": b"0",
        b"x-ratelimit-reset": b"5",
    }
    admitted = []
    for _ in range(9):  # half a second at a time: one new token each
        clock.now += 0.5
        admitted.append(limits.admit("bulkUpsert")[0] == 0)
    # 3 + 7 = the window's 10 by t=3.5 s; at 4.0 and 4.5 the bucket has tokens, the window not
    assert admitted == [True] * 7 + [False, False]
    assert limits.admit("bulkUpsert")[0] == pytest.approx(0.5)  # until the window starts again
    clock.now += 0.5
    assert limits.admit("bulkUpsert")[0] == 0
    assert limits.throttled == 4


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("{nope", "not valid JSON"),
        ("portly", "neither 'port'"),
        ('{"bulk": {"limit": 1}}', "unknown family 'bulk'"),
        ('{"search": {"limit": 0}}', "search.limit must be a positive number"),
        ('{"search": {"rate": 5}}', "search must be an object with limit, burst and/or period"),
        ("[1]", "must be an object"),
    ],
)
def test_bad_rate_limits_name_the_family_and_key(value: str, fragment: str) -> None:
    with pytest.raises(RateLimitConfigError) as caught:
        RateLimits.load(value)
    assert fragment in str(caught.value)


def test_load_port_overrides_and_env(tmp_path: Path) -> None:
    assert RateLimits.load("port").families == PORT_FAMILIES
    file = tmp_path / "limits.json"
    file.write_text(json.dumps({"search": {"limit": 60, "period": 2}}))
    limits = RateLimits.from_env({ENV_VAR: str(file)})
    assert limits is not None
    assert limits.families["search"] == Family(60, 3_500, 2.0)
    assert limits.families["bulkUpsert"] == PORT_FAMILIES["bulkUpsert"]
    assert RateLimits.from_env({}) is None
    with pytest.raises(RateLimitConfigError, match=ENV_VAR):
        RateLimits.from_env({ENV_VAR: "nope"})


def test_over_http_429_with_retry_after_and_ports_headers_then_the_limit_lifts(tmp_path: Path) -> None:
    limits = RateLimits.load('{"other": {"limit": 100, "burst": 2, "period": 300}}')
    with RunningHarbor(tmp_path / "harbor.db", rate_limits=limits) as harbor, harbor.client() as client:
        answers = [client.get("/v1/organization") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert answers[0].headers["x-ratelimit-limit"] == "100"
        assert answers[0].headers["x-ratelimit-period"] == "300"
        assert answers[0].headers["x-ratelimit-remaining"] == "1"
        assert 0 < int(answers[0].headers["x-ratelimit-reset"]) <= 300
        throttled = answers[2]
        assert throttled.headers["Retry-After"] == "3"  # one token per 3 s, in whole seconds
        assert throttled.headers["x-ratelimit-remaining"] == "0"
        assert throttled.json()["ok"] is False and throttled.json()["error"] == "too_many_requests"
        limits.enabled = False
        lifted = client.get("/v1/organization")
        assert lifted.status_code == 200 and "x-ratelimit-limit" not in lifted.headers
    assert limits.throttled == 1


def test_the_catalog_ui_is_never_limited(tmp_path: Path) -> None:
    limits = RateLimits.load('{"unauthenticated": {"limit": 1, "burst": 1}}')
    with RunningHarbor(tmp_path / "harbor.db", rate_limits=limits) as harbor:
        assert [httpx.get(harbor.url + "/").status_code for _ in range(3)] == [200] * 3


def test_latency_draws_within_the_jitter_and_is_repeatable() -> None:
    draws = [Latency(0.1, jitter=0.05, seed=3).draw() for _ in range(2)]
    assert draws[0] == draws[1]
    latency = Latency(0.1, jitter=0.05)
    assert all(0.05 <= latency.draw() <= 0.15 for _ in range(200))
    assert Latency(0.01, jitter=0.05).draw() >= 0
    assert Latency(0.1).draw() == 0.1
    assert not Latency(0) and Latency.from_env({"OCEAN_HARBOR_LATENCY": "0"}) is None
    assert Latency.from_env({"OCEAN_HARBOR_LATENCY": "0.2", "OCEAN_HARBOR_JITTER": "0.01"}) == Latency(
        0.2, 0.01
    )
    for bad in ("-1", "x", "61"):
        with pytest.raises(LatencyError):
            Latency.parse(bad)


def test_the_app_stacks_latency_outside_the_rate_limits(tmp_path: Path) -> None:
    app = create_app(
        tmp_path / "h.db",
        client_id="c",
        client_secret="s",
        latency=Latency(0.1),
        rate_limits=RateLimits(),
    )
    layers = [entry.cls for entry in app.user_middleware]
    assert layers.index(LatencyMiddleware) < layers.index(RateLimitMiddleware)
    assert app.state.rate_limits is not None
    app.state.store.close()
