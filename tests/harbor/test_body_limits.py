"""Bodies over a route's limit are refused while they stream in, over real HTTP (uvicorn)."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ocean_harbor.body_limits import BodyLimits
from ocean_harbor.testing import RunningHarbor

MIB = 1024 * 1024


@pytest.fixture
def harbor(tmp_path: Path) -> Iterator[RunningHarbor]:
    with RunningHarbor(tmp_path / "harbor.db") as server:
        yield server


def connect(harbor: RunningHarbor) -> socket.socket:
    return socket.create_connection(("127.0.0.1", harbor.port), timeout=10)


def read_answer(sock: socket.socket) -> bytes:
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
        data = sock.recv(65536)
        if not data:
            break
        answer += data
    return answer


def test_a_declared_length_over_the_limit_is_refused_before_any_byte_is_sent(harbor: RunningHarbor) -> None:
    with connect(harbor) as sock:
        sock.sendall(
            b"POST /v1/auth/access_token HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
            b"Content-Length: 104857600\r\n\r\n"
        )
        answer = read_answer(sock)
        assert answer.startswith(b"HTTP/1.1 413 ")
        assert b"connection: close" in answer.lower()
        assert b'"error":"request_entity_too_large"' in answer.replace(b" ", b"")
        assert sock.recv(1) == b""  # closed: the 100 MB are never read


def test_a_chunked_body_is_refused_once_it_passes_the_limit(harbor: RunningHarbor) -> None:
    token = httpx.post(
        f"{harbor.url}/v1/auth/access_token", json={"clientId": "ocean", "clientSecret": "ocean"}
    )
    bearer = token.json()["accessToken"].encode()
    chunk = b"x" * 65536
    sent = 0
    with connect(harbor) as sock:
        sock.sendall(
            b"POST /v1/blueprints HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + bearer + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        answered = False
        while sent < 200 * MIB and not answered:
            try:
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
            answered = bool(select.select([sock], [], [], 0)[0])
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 413 ")
    # Refused near the 8 MiB limit of the route (plus what the sockets buffer), not at 200 MB.
    assert sent < BodyLimits().default + 32 * MIB


def test_an_oversized_bulk_upsert_is_413_and_the_client_goes_one_by_one(harbor: RunningHarbor) -> None:
    with harbor.client() as client:
        client.post(
            "/v1/blueprints", json={"identifier": "svc", "title": "Svc", "schema": {"properties": {}}}
        )
        big = [{"identifier": f"e{n}", "title": "x" * 60_000} for n in range(20)]  # ~1.2 MB
        refused = client.post("/v1/blueprints/svc/entities/bulk", json={"entities": big})
        assert refused.status_code == 413 and refused.json()["error"] == "request_entity_too_large"
        one = client.post("/v1/blueprints/svc/entities", params={"upsert": "true"}, json=big[0])
        assert one.status_code in (200, 201)
        # A body within the limit on a kept-alive connection is served as always.
        assert client.get("/v1/blueprints/svc").status_code == 200


def test_small_bodies_keep_their_connection(harbor: RunningHarbor) -> None:
    with harbor.client() as client:
        for _ in range(3):
            assert client.get("/v1/organization").status_code == 200
            response = client.post("/v1/blueprints", json={"identifier": "x", "schema": {"properties": {}}})
            assert response.status_code in (200, 409)
            assert response.headers.get("connection", "") != "close"
