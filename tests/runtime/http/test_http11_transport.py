"""The Port client's HTTP/1.1 transport against real sockets: a small scripted server per test."""

from __future__ import annotations

import asyncio
import gzip
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import pytest
import trustme
import uvicorn

from ocean_runtime.http.transports.http11 import Http11Transport

# A handler gets the raw request (head + body) and returns the raw answer bytes, or None to
# close the connection without answering.
Handler = Callable[[bytes], Awaitable[bytes | None]]


class ScriptedServer:
    """Answers each request on a connection with ``handler``; counts connections and requests."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.requests: list[bytes] = []
        self.open_writers: list[asyncio.StreamWriter] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open_writers.append(writer)
        try:
            while request := await _read_request(reader):
                self.requests.append(request)
                answer = await self.handler(request)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if b"connection: close" in answer.lower():
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def close_idle_connections(self) -> None:
        for writer in self.open_writers:
            writer.close()


async def _read_request(reader: asyncio.StreamReader) -> bytes | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head + await reader.readexactly(length)


@asynccontextmanager
async def scripted(
    handler: Handler, tls: ssl.SSLContext | None = None
) -> AsyncIterator[tuple[ScriptedServer, str]]:
    server = ScriptedServer(handler)
    listener = await asyncio.start_server(server.serve, "127.0.0.1", 0, ssl=tls)
    port = listener.sockets[0].getsockname()[1]
    scheme = "https" if tls else "http"
    try:
        yield server, f"{scheme}://{'localhost' if tls else '127.0.0.1'}:{port}"
    finally:
        listener.close()
        server.close_idle_connections()
        await listener.wait_closed()


def answer(body: bytes, *, status: bytes = b"200 OK", headers: bytes = b"") -> bytes:
    return b"HTTP/1.1 " + status + b"\r\ncontent-length: %d\r\n" % len(body) + headers + b"\r\n" + body


async def echo_path(request: bytes) -> bytes:
    return answer(
        b'{"path":"' + request.split(b" ")[1] + b'"}', headers=b"content-type: application/json\r\n"
    )


async def test_requests_reuse_one_kept_alive_connection() -> None:
    async with scripted(echo_path) as (server, url), httpx.AsyncClient(transport=Http11Transport()) as client:
        for number in range(5):
            response = await client.get(f"{url}/v1/items", params={"page": number})
            assert response.json() == {"path": f"/v1/items?page={number}"}
    assert (server.connections, len(server.requests)) == (1, 5)


async def test_request_body_and_headers_reach_the_server() -> None:
    async with scripted(echo_path) as (server, url), httpx.AsyncClient(transport=Http11Transport()) as client:
        response = await client.post(f"{url}/bulk", content=b'{"entities":[]}', headers={"X-Trace": "abc"})
    assert response.status_code == 200
    [request] = server.requests
    assert request.startswith(b"POST /bulk HTTP/1.1\r\n")
    assert b"\r\ncontent-length: 15\r\n" in request.lower() and b"x-trace: abc" in request.lower()
    assert request.endswith(b'\r\n\r\n{"entities":[]}')


async def test_chunked_gzip_and_read_until_close_answers_are_decoded() -> None:
    payload = gzip.compress(b'{"ok":true}')

    async def varied(request: bytes) -> bytes:
        if b"/chunked" in request:
            return (
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
            )
        if b"/gzip" in request:
            return answer(payload, headers=b"content-encoding: gzip\r\n")
        return b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil the end"

    async with scripted(varied) as (_, url), httpx.AsyncClient(transport=Http11Transport()) as client:
        assert (await client.get(f"{url}/chunked")).text == "hello world"
        assert (await client.get(f"{url}/gzip")).json() == {"ok": True}
        assert (await client.get(f"{url}/eof")).text == "until the end"
        assert (await client.get(f"{url}/chunked")).text == "hello world"  # after a closed connection


async def test_a_connection_the_server_closed_while_idle_is_replaced_for_safe_requests() -> None:
    async with scripted(echo_path) as (server, url), httpx.AsyncClient(transport=Http11Transport()) as client:
        await client.get(f"{url}/first")
        server.close_idle_connections()
        await asyncio.sleep(0.05)  # let the client's loop see (or not yet see) the close
        response = await client.get(f"{url}/second")
        assert response.json() == {"path": "/second"}
        assert server.connections == 2


async def test_a_post_on_a_connection_that_dies_unanswered_is_not_resent_unless_retryable() -> None:
    seen: list[bytes] = []

    async def drop_first_post(request: bytes) -> bytes | None:
        seen.append(request)
        return None if len(seen) == 2 else await echo_path(request)

    async with (
        scripted(drop_first_post) as (_, url),
        httpx.AsyncClient(transport=Http11Transport()) as client,
    ):
        await client.get(f"{url}/warm")  # opens the connection the POST will reuse
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post(f"{url}/once", content=b"{}")
        await client.get(f"{url}/warm")
        seen.clear()
        seen.append(b"")  # the next request (a retryable POST) is the one dropped
        response = await client.post(f"{url}/again", content=b"{}", extensions={"retryable": True})
    assert response.json() == {"path": "/again"}


async def test_read_timeout_and_refused_connection_raise_httpx_errors() -> None:
    async def silent(request: bytes) -> bytes:
        await asyncio.sleep(5)
        return answer(b"late")

    async with scripted(silent) as (_, url), httpx.AsyncClient(transport=Http11Transport()) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(f"{url}/slow", timeout=httpx.Timeout(5, read=0.2))
    async with httpx.AsyncClient(transport=Http11Transport()) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(url)  # the server is gone


async def test_https_with_the_servers_certificate_trusted() -> None:
    authority = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_tls)
    client_tls = ssl.create_default_context()
    authority.configure_trust(client_tls)
    async with scripted(echo_path, tls=server_tls) as (server, url):
        async with httpx.AsyncClient(transport=Http11Transport(ssl_context=client_tls)) as client:
            assert (await client.get(f"{url}/secure")).json() == {"path": "/secure"}
            assert (await client.get(f"{url}/again")).json() == {"path": "/again"}
        async with httpx.AsyncClient(transport=Http11Transport()) as untrusting:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await untrusting.get(f"{url}/secure")
    assert (
        server.connections == 1
    )  # both trusted requests on one connection; the refused handshake never reached serve()


async def test_connections_are_bounded() -> None:
    in_flight = peak = 0

    async def slow(request: bytes) -> bytes:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return answer(b"{}")

    bounded = Http11Transport(max_connections=3)
    async with scripted(slow) as (server, url), httpx.AsyncClient(transport=bounded) as client:
        await asyncio.gather(*(client.get(f"{url}/{n}") for n in range(12)))
    assert peak == 3 and server.connections == 3


async def test_pool_timeout_when_every_connection_is_busy() -> None:
    release = asyncio.Event()

    async def held(request: bytes) -> bytes:
        await release.wait()
        return answer(b"{}")

    async with (
        scripted(held) as (_, url),
        httpx.AsyncClient(transport=Http11Transport(max_connections=1)) as client,
    ):
        busy = asyncio.create_task(client.get(f"{url}/busy"))
        await asyncio.sleep(0.05)
        with pytest.raises(httpx.PoolTimeout):
            await client.get(f"{url}/waits", timeout=httpx.Timeout(5, pool=0.1))
        release.set()
        assert (await busy).status_code == 200


async def test_connect_timeout_covers_a_tls_handshake_that_never_answers() -> None:
    async def mute(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)  # accepts TCP, never speaks TLS

    listener = await asyncio.start_server(mute, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(transport=Http11Transport()) as client:
            with pytest.raises(httpx.ConnectTimeout):
                await client.get(f"https://127.0.0.1:{port}/", timeout=httpx.Timeout(5, connect=0.2))
    finally:
        listener.close()


async def test_write_timeout_when_the_server_stops_reading() -> None:
    async def deaf(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)  # never reads: the socket buffers fill up

    listener = await asyncio.start_server(deaf, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(transport=Http11Transport()) as client:
            with pytest.raises(httpx.WriteTimeout):
                await client.post(
                    f"http://127.0.0.1:{port}/bulk",
                    content=b"x" * (32 * 1024 * 1024),
                    timeout=httpx.Timeout(5, write=0.2),
                )
    finally:
        listener.close()


async def test_head_answers_announce_a_length_but_carry_no_body() -> None:
    async def head_or_get(request: bytes) -> bytes:
        if request.startswith(b"HEAD"):
            return b"HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n"
        return answer(b"after")

    async with (
        scripted(head_or_get) as (server, url),
        httpx.AsyncClient(transport=Http11Transport()) as client,
    ):
        head = await client.head(f"{url}/thing")
        assert head.status_code == 200 and head.headers["content-length"] == "1234" and head.content == b""
        assert (await client.get(f"{url}/thing")).text == "after"  # the connection stayed usable
    assert server.connections == 1


async def test_a_body_cut_mid_answer_is_a_protocol_error_and_the_connection_retires() -> None:
    calls = 0

    async def cut(request: bytes) -> bytes:
        nonlocal calls
        calls += 1
        if calls == 1:
            return b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\nconnection: close\r\n\r\nonly ten b"
        return answer(b"whole")

    async with scripted(cut) as (server, url), httpx.AsyncClient(transport=Http11Transport()) as client:
        with pytest.raises(httpx.RemoteProtocolError, match="mid-answer"):
            await client.post(f"{url}/bulk", content=b"{}")
        assert (await client.get(f"{url}/again")).text == "whole"
    assert server.connections == 2


async def test_a_malformed_answer_is_a_protocol_error() -> None:
    async def garbage(request: bytes) -> bytes:
        return b"HTTP/1.1 abc nonsense\r\n\x00\x01\r\n\r\n"

    async with scripted(garbage) as (_, url), httpx.AsyncClient(transport=Http11Transport()) as client:
        with pytest.raises(httpx.RemoteProtocolError, match="unreadable HTTP answer"):
            await client.get(f"{url}/x")


async def test_a_best_effort_post_on_a_stale_connection_is_resent_once_silently(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[bytes] = []

    async def drop_second(request: bytes) -> bytes | None:
        seen.append(request)
        return None if len(seen) == 2 else await echo_path(request)

    async with (
        scripted(drop_second) as (server, url),
        httpx.AsyncClient(transport=Http11Transport()) as client,
    ):
        await client.get(f"{url}/warm")
        response = await client.post(f"{url}/examples", content=b"{}", extensions={"resend_if_stale": True})
    assert response.json() == {"path": "/examples"}
    assert server.connections == 2 and len(seen) == 3
    assert not [record for record in caplog.records if record.levelname in ("WARNING", "ERROR")]


async def test_a_connection_idle_past_its_expiry_is_not_reused() -> None:
    transport = Http11Transport(keepalive_expiry=0.05)
    async with scripted(echo_path) as (server, url), httpx.AsyncClient(transport=transport) as client:
        await client.get(f"{url}/one")
        await client.get(f"{url}/two")  # right away: the same connection
        await asyncio.sleep(0.1)
        await client.get(f"{url}/three")  # after the expiry: a new one
    assert server.connections == 2


# -- stale kept-alive connections against a real server that closes idle ones ------------------


class RecordingApp:
    """A tiny ASGI app: answers ``{}``, records (client port, method, path, body length)."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, str, str, int]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        length = 0
        while True:
            message = await receive()
            length += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        self.seen.append((scope["client"][1], scope["method"], scope["path"], length))
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"{}"})


@contextmanager
def uvicorn_closing_idle_connections(app: RecordingApp, after: float) -> Iterator[str]:
    """uvicorn in a thread of its own, closing a connection idle for ``after`` seconds."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_keep_alive=after)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def keep_the_loop_busy(seconds: float) -> None:
    """Blocks the event loop, as mapping a big batch does: it sees no socket event meanwhile."""
    time.sleep(seconds)


async def test_a_post_is_not_sent_on_a_connection_the_server_closed_while_the_loop_was_busy(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = RecordingApp()
    with uvicorn_closing_idle_connections(app, after=0.2) as url:
        async with httpx.AsyncClient(transport=Http11Transport()) as client:
            assert (await client.post(f"{url}/one", content=b"1")).status_code == 200
            # uvicorn closes the idle connection while the loop cannot notice; the next request
            # must not go out on it (a plain POST that went out could not be sent again).
            keep_the_loop_busy(0.6)
            assert (await client.post(f"{url}/two", content=b"22")).status_code == 200
            assert (await client.post(f"{url}/three", content=b"333")).status_code == 200
    assert [(method, path, length) for _, method, path, length in app.seen] == [
        ("POST", "/one", 1),
        ("POST", "/two", 2),
        ("POST", "/three", 3),
    ]  # each applied exactly once
    ports = [port for port, *_ in app.seen]
    assert ports[0] != ports[1] == ports[2]  # a fresh connection after the close, then kept alive
    assert not [record for record in caplog.records if record.levelname in ("WARNING", "ERROR")]


async def test_a_request_cut_off_before_it_was_fully_sent_is_sent_again_whatever_its_method() -> None:
    body = b"x" * (32 * 1024 * 1024)  # more than the kernel takes at once: most of it waits to be sent
    connections: list[int] = []

    async def closes_the_second_request_unread(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        connections.append(len(connections) + 1)
        try:
            request = await _read_request(reader)
            if len(connections) == 1:
                writer.write(answer(b"{}"))  # the first request is answered, the connection kept
                await reader.readuntil(b"\r\n\r\n")  # the next one's head arrives: gone, body unread
                return
            assert request is not None
            writer.write(answer(b'{"received":%d}' % (len(request) - request.index(b"\r\n\r\n") - 4)))
            await writer.drain()
        finally:
            writer.close()

    listener = await asyncio.start_server(closes_the_second_request_unread, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}"
    try:
        async with httpx.AsyncClient(transport=Http11Transport()) as client:
            await client.get(f"{url}/warm")
            response = await client.post(f"{url}/bulk", content=body)
    finally:
        listener.close()
    # The server never had the whole request, so it cannot have acted on it: a plain POST
    # is safe to send again — on a fresh connection, where it arrived whole.
    assert response.json() == {"received": len(body)}
    assert connections == [1, 2]
