"""Malformed and hostile input against a real harbor: a 4xx in Port's shape, never a 5xx, and the
kept-alive connection stays usable.

The named cases are the ones that used to give a 500 and drop the connection; the property tests
(hypothesis) throw random search queries and random entity bodies at it.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocean_harbor.testing import RunningHarbor

EXAMPLES = 100


@pytest.fixture(scope="module")
def harbor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHarbor]:
    with RunningHarbor(tmp_path_factory.mktemp("hostile") / "harbor.db") as server:
        with server.client() as client:
            schema = {"properties": {"n": {"type": "number"}, "s": {"type": "string"}}}
            client.post("/v1/blueprints", json={"identifier": "svc", "title": "Svc", "schema": schema})
            client.post(
                "/v1/blueprints/svc/entities/bulk",
                json={"entities": [{"identifier": "a", "properties": {"n": 1, "s": "x"}}]},
            )
        yield server


@pytest.fixture(scope="module")
def api(harbor: RunningHarbor) -> Iterator[httpx.Client]:
    with harbor.client() as client:
        yield client


def nested(depth: int) -> str:
    rule = '{"property": "n", "operator": "=", "value": 1}'
    return '{"combinator": "and", "rules": [' * depth + rule + "]}" * depth


HOSTILE_SEARCHES = {
    "NUL in a property name": json.dumps({"rules": [{"property": "n\x00x", "operator": "=", "value": 1}]}),
    "NUL in a relation name": json.dumps({"rules": [{"relation": "r\x00", "operator": "=", "value": "a"}]}),
    "a lone surrogate": '{"rules": [{"property": "s", "operator": "=", "value": "\\ud800"}]}',
    "10^40": json.dumps({"rules": [{"property": "n", "operator": "=", "value": 10**40}]}),
    "10^400": '{"rules": [{"property": "n", "operator": "<", "value": 1' + "0" * 400 + "}]}",
    "10^40 in a list": json.dumps({"rules": [{"property": "n", "operator": "in", "value": [10**40]}]}),
    "nesting 200": nested(200),
    "nesting 5000": nested(5000),
    "1,000 OR rules": json.dumps(
        {"combinator": "or", "rules": [{"property": "n", "operator": "=", "value": i} for i in range(1000)]}
    ),
    "40,000 values in": json.dumps(
        {"rules": [{"property": "s", "operator": "in", "value": list(range(40_000))}]}
    ),
    "a 10,000-character name": json.dumps(
        {"rules": [{"property": "p" * 10_000, "operator": "=", "value": 1}]}
    ),
}


@pytest.mark.parametrize("body", HOSTILE_SEARCHES.values(), ids=HOSTILE_SEARCHES.keys())
def test_hostile_searches_answer_in_ports_shape_on_the_same_connection(
    harbor: RunningHarbor, body: str
) -> None:
    token = httpx.post(
        f"{harbor.url}/v1/auth/access_token", json={"clientId": "ocean", "clientSecret": "ocean"}
    )
    headers = f"Authorization: Bearer {token.json()['accessToken']}\r\nContent-Type: application/json\r\n"
    payload = body.encode()
    request = (
        f"POST /v1/entities/search HTTP/1.1\r\nHost: h\r\n{headers}Content-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload
    follow_up = f"GET /v1/organization HTTP/1.1\r\nHost: h\r\n{headers}\r\n".encode()
    with socket.create_connection(("127.0.0.1", harbor.port), timeout=30) as sock:
        sock.sendall(request)
        status, answer = _answer(sock)
        assert status in (200, 422), answer
        if status == 422:
            assert answer["ok"] is False and answer["error"] == "invalid_request" and answer["message"]
        sock.sendall(follow_up)  # the same kept-alive connection still serves
        assert _answer(sock)[0] == 200


def _answer(sock: socket.socket) -> tuple[int, Any]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the harbor closed the connection"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the harbor closed the connection mid-answer"
        body += chunk
    assert b"connection: close" not in head.lower()
    return int(head.split(b" ")[1]), json.loads(body)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**50), max_value=10**50)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
OPERATORS = ["=", "!=", "in", "notIn", ">", "<", ">=", "<=", "between", "notBetween", "contains",
             "doesNotContains", "beginsWith", "endsWith", "isEmpty", "isNotEmpty", "containsAny",
             "relatedTo", "nope"]  # fmt: skip
NAMES = st.sampled_from(["n", "s", "$identifier", "$title", "$team", "$updatedAt", "$nope", "r"]) | st.text(
    max_size=10
)
RULE = st.fixed_dictionaries(
    {"operator": st.sampled_from(OPERATORS) | JSON, "value": JSON},
    optional={"property": NAMES | JSON, "relation": NAMES, "blueprint": NAMES, "direction": JSON},
)
QUERY = st.recursive(
    RULE | JSON,
    lambda inner: st.fixed_dictionaries(
        {"rules": st.lists(inner, max_size=5)}, optional={"combinator": st.sampled_from(["and", "or"]) | JSON}
    ),
    max_leaves=10,
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=QUERY)
def test_random_search_queries_never_get_a_5xx(api: httpx.Client, query: Any) -> None:
    answer = api.post(
        "/v1/entities/search", content=json.dumps(query), headers={"content-type": "application/json"}
    )
    assert answer.status_code < 500, answer.text
    assert answer.headers.get("connection") != "close"
    if answer.status_code != 200:
        assert answer.json()["ok"] is False and answer.json()["message"]


ENTITY = st.fixed_dictionaries(
    {},
    optional={
        "identifier": st.text(max_size=12) | JSON,
        "title": JSON,
        "icon": JSON,
        "team": JSON,
        "blueprint": st.sampled_from(["svc", "other"]) | JSON,
        "properties": st.dictionaries(NAMES, JSON, max_size=4) | JSON,
        "relations": st.dictionaries(NAMES, JSON, max_size=3) | JSON,
    },
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entities=st.lists(ENTITY | JSON, max_size=25), merge=st.booleans())
def test_random_entity_bodies_never_get_a_5xx(api: httpx.Client, entities: list[Any], merge: bool) -> None:
    answer = api.post(
        "/v1/blueprints/svc/entities/bulk",
        params={"upsert": "true", "merge": str(merge).lower(), "create_missing_related_entities": "true"},
        content=json.dumps({"entities": entities}),
        headers={"content-type": "application/json"},
    )
    assert answer.status_code < 500, answer.text
    body = answer.json()
    if answer.status_code == 207 or answer.status_code == 200:
        reported = {item["index"] for item in body.get("entities", []) + body.get("errors", [])}
        assert reported == set(range(len(entities)))
    else:
        assert body["ok"] is False and body["message"]
