"""The integration's server faces the internet: authentication first, bodies refused while they
stream in (on every route), and readiness that says when Port is gone.

Body limits are checked through a real uvicorn server on a socket: only a real HTTP server
streams a chunked body the way an attacker sends it.
"""

from __future__ import annotations

import asyncio
import select
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import Cable, served

LIMIT = 64 * 1024


async def test_an_unsigned_body_that_is_not_json_gets_401_not_400(start_live: Any) -> None:
    live = await start_live()

    unsigned = await live.client.post("/integration/repos", content=b"{not json")
    array = await live.client.post("/integration/repos", content=b"[1, 2]")
    deep = await live.client.post("/integration/repos", content=b"[" * 100_000)

    assert [a.status_code for a in (unsigned, array, deep)] == [401, 401, 401]
    assert await live.metric("ocean_webhook_events_total", path="/repos", outcome="unauthorized") == 3


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def _read_answer(conn: socket.socket) -> bytes:
    """One whole answer (head and a ``content-length`` body); the connection may stay open."""
    data = b""
    while b"\r\n\r\n" not in data and (chunk := conn.recv(65536)):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.lower().split(b"\r\n")
            if line.startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length and (chunk := conn.recv(65536)):
        body += chunk
    return head + b"\r\n\r\n" + body


def _post_chunked(address: tuple[str, int], path: str, chunk_count: int) -> tuple[bytes, int]:
    """Stream ``chunk_count`` chunks of ``LIMIT`` bytes; stop as soon as an answer arrives.

    Returns the answer and how many bytes of body were sent before it came.
    """
    sent = 0
    with socket.create_connection(address, timeout=30) as conn:
        head = f"POST {path} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n"
        conn.sendall(head.encode())
        chunk = f"{LIMIT:x}\r\n".encode() + b"a" * LIMIT + b"\r\n"
        for _ in range(chunk_count):
            if select.select([conn], [], [], 0)[0]:
                break
            try:
                conn.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += LIMIT
        else:
            conn.sendall(b"0\r\n\r\n")  # the whole body went: end it
        conn.settimeout(30)
        return _read_answer(conn), sent


def _post_declared(address: tuple[str, int], path: str, length: str) -> bytes:
    """Send only the head, declaring a body of ``length`` bytes; return the answer."""
    with socket.create_connection(address, timeout=30) as conn:
        conn.sendall(f"POST {path} HTTP/1.1\r\nhost: x\r\ncontent-length: {length}\r\n\r\n".encode())
        return _read_answer(conn)


async def test_a_chunked_body_over_the_limit_is_refused_while_it_streams(start_live: Any) -> None:
    live = await start_live(env={"OCEAN__MAX_REQUEST_BODY_BYTES": str(LIMIT)})
    async with served(live) as address:
        # 64 MiB offered; the answer must come long before the sender is done.
        answer, sent = await asyncio.to_thread(_post_chunked, address, "/integration/repos", 1024)

    assert _status(answer) == 413, answer
    assert b"OCEAN__MAX_REQUEST_BODY_BYTES" in answer
    assert b"connection: close" in answer.lower()
    assert sent < 1024 * LIMIT


@pytest.mark.parametrize(("path", "status"), [("/health/ready", 405), ("/integration/nowhere", 404)])
async def test_routes_that_take_no_body_answer_without_reading_one(
    start_live: Any, path: str, status: int
) -> None:
    live = await start_live(env={"OCEAN__MAX_REQUEST_BODY_BYTES": str(LIMIT)})
    async with served(live) as address:
        answer, sent = await asyncio.to_thread(_post_chunked, address, path, 1024)

    assert _status(answer) == status
    assert sent < 1024 * LIMIT


async def test_a_declared_length_over_the_limit_is_refused_before_the_body(start_live: Any) -> None:
    live = await start_live(env={"OCEAN__MAX_REQUEST_BODY_BYTES": str(LIMIT)})
    async with served(live) as address:
        too_big = await asyncio.to_thread(_post_declared, address, "/integration/repos", str(LIMIT + 1))
        resync = await asyncio.to_thread(_post_declared, address, "/resync", str(400 * 1024 * 1024))

    assert (_status(too_big), _status(resync)) == (413, 413)


async def test_a_body_within_the_limit_is_still_served(start_live: Any) -> None:
    live = await start_live(env={"OCEAN__MAX_REQUEST_BODY_BYTES": str(LIMIT)})
    async with served(live) as address:
        answer, _ = await asyncio.to_thread(_post_chunked, address, "/integration/repos", 0)

    assert _status(answer) == 401  # an empty unsigned body: judged, not refused for its size


async def _wait_for(check: Callable[[], Any], what: str) -> None:
    deadline = time.monotonic() + 30
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        await asyncio.sleep(0.02)


async def test_ready_says_degraded_while_port_is_unreachable(start_live: Any, cable: Cable) -> None:
    live = await start_live(port_url=await cable.start())
    probe = live.service.port_probe
    probe.interval, probe.timeout = 0.05, 0.5

    async def status() -> str:
        return str((await live.client.get("/health/ready")).json()["status"])

    await _wait_for(lambda: _is(status, "healthy"), "ready says healthy")
    cable.cut_off()
    await _wait_for(lambda: _is(status, "degraded"), "ready says degraded while Port is cut off")
    ready = await live.client.get("/health/ready")
    assert ready.status_code == 200  # still takes webhooks: they wait in the queue
    assert ready.json()["port"]["reachable"] is False and ready.json()["port"]["error"]
    cable.restore()
    await _wait_for(lambda: _is(status, "healthy"), "ready says healthy once Port is back")


async def _is(read: Callable[[], Any], expected: str) -> bool:
    return bool(await read() == expected)
