"""The Port client behind a proxy and with a private CA: a real local proxy, a real TLS harbor.

``LocalProxy`` is a small HTTP proxy as corporate networks run them: absolute-form requests for
``http`` URLs are forwarded, ``CONNECT host:port`` opens a tunnel for ``https``. A TLS front
(certificates from ``trustme``) puts a real harbor behind ``https://localhost``.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from ocean_harbor.server import HarborServer
from ocean_runtime.errors import PortUnreachableError, UserInputError
from ocean_runtime.http.context import RoutedTransport
from ocean_runtime.http.transports.http11 import Http11Transport
from ocean_runtime.http.transports.network import network_transport, proxy_for
from ocean_runtime.port import PortClient, RetryPolicy


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def _message(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    """One HTTP/1.1 message with a ``content-length`` body (all the harbor sends): (head, body)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head, await reader.readexactly(length)


class LocalProxy:
    """Forwards ``http`` requests one by one and tunnels ``CONNECT``; remembers each request line."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while (request := await _message(reader)) is not None:
                head, body = request
                line, rest = head.split(b"\r\n", 1)
                method, target, version = line.decode().split(" ")
                self.seen.append(f"{method} {target}")
                if method == "CONNECT":
                    host, port = target.rsplit(":", 1)
                    tunnel_reader, tunnel_writer = await asyncio.open_connection(host, int(port))
                    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    await asyncio.gather(_pipe(reader, tunnel_writer), _pipe(tunnel_reader, writer))
                    return
                url = httpx.URL(target)
                if upstream is None:
                    upstream = await asyncio.open_connection(url.host, url.port)
                upstream[1].write(f"{method} {url.raw_path.decode()} {version}\r\n".encode() + rest + body)
                answer = await _message(upstream[0])
                if answer is None:
                    return
                writer.write(answer[0] + answer[1])
                await writer.drain()
        finally:
            writer.close()
            if upstream is not None:
                upstream[1].close()


@asynccontextmanager
async def serving(handler: Any, tls: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=tls)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


def dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def harbor(tmp_path: Path) -> Any:
    with HarborServer(tmp_path / "harbor.db") as server:
        yield server


def client(url: str, environ: dict[str, str], **options: Any) -> PortClient:
    return PortClient(
        url,
        "ocean",
        "ocean",
        integration_identifier="behind-proxy",
        integration_type="test",
        integration_version="1.0.0",
        environ=environ,
        **options,
    )


async def test_http_proxy_carries_every_request(harbor: HarborServer) -> None:
    proxy = LocalProxy()
    async with serving(proxy.handle) as proxy_port:
        environ = {"HTTP_PROXY": f"http://127.0.0.1:{proxy_port}"}
        async with client(harbor.url, environ) as port:
            assert (await port.get_organization())["id"]
            await port.create_blueprint({"identifier": "svc", "title": "Svc", "schema": {"properties": {}}})
            [outcome] = await port.upsert_entities("svc", [{"identifier": "a", "blueprint": "svc"}])
    assert outcome.ok
    assert f"POST {harbor.url}/v1/auth/access_token" in proxy.seen
    assert any(line.startswith(f"POST {harbor.url}/v1/blueprints/svc/entities/bulk") for line in proxy.seen)


async def test_a_dead_proxy_is_an_error_never_a_direct_connection(harbor: HarborServer) -> None:
    environ = {"http_proxy": f"127.0.0.1:{dead_port()}"}  # lower case, no scheme: as curl reads it
    async with client(harbor.url, environ, retry_policy=RetryPolicy(max_attempts=1)) as port:
        with pytest.raises(PortUnreachableError, match="Could not reach Port"):
            await port.get_organization()
    with httpx.Client(base_url=harbor.url) as direct:  # nothing reached the harbor
        token = direct.post("/v1/auth/access_token", json={"clientId": "ocean", "clientSecret": "ocean"})
        headers = {"Authorization": f"Bearer {token.json()['accessToken']}"}
        assert direct.get("/v1/integration/behind-proxy", headers=headers).status_code == 404


async def test_no_proxy_hosts_are_reached_directly(harbor: HarborServer) -> None:
    proxy = LocalProxy()
    async with serving(proxy.handle) as proxy_port:
        environ = {"HTTP_PROXY": f"http://127.0.0.1:{proxy_port}", "NO_PROXY": "example.com, 127.0.0.0/8"}
        async with client(harbor.url, environ) as port:
            assert (await port.get_organization())["id"]
    assert proxy.seen == []


@pytest.mark.parametrize(
    ("url", "environ", "expected"),
    [
        ("https://api.getport.io", {"HTTPS_PROXY": "http://p:3128"}, "http://p:3128"),
        ("https://api.getport.io", {"https_proxy": "p:1", "HTTPS_PROXY": "http://q:2"}, "http://p:1"),
        ("http://api.getport.io", {"HTTPS_PROXY": "http://p:3128"}, None),
        ("http://api.getport.io", {"ALL_PROXY": "socks5://p:1080"}, "socks5://p:1080"),
        ("https://api.getport.io", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "getport.io"}, None),
        ("https://api.getport.io", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".getport.io"}, None),
        ("https://api.getport.io", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "port.io"}, "http://p:1"),
        ("https://10.1.2.3:443", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "10.0.0.0/8"}, None),
        ("https://api.getport.io", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, None),
    ],
)
def test_proxy_environment_reads_as_curl_does(
    url: str, environ: dict[str, str], expected: str | None
) -> None:
    assert proxy_for(httpx.URL(url), environ) == expected


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@asynccontextmanager
async def tls_front(harbor: HarborServer, authority: trustme.CA) -> AsyncIterator[str]:
    """``https://localhost:PORT`` in front of the harbor (TLS terminated, bytes piped)."""
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_tls)

    async def terminate(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", harbor.port)
        await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))

    async with serving(terminate, tls=server_tls) as port:
        yield f"https://localhost:{port}"


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"])
async def test_a_private_ca_bundle_is_trusted(
    harbor: HarborServer, authority: trustme.CA, tmp_path: Path, variable: str
) -> None:
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    async with tls_front(harbor, authority) as url:
        async with client(url, {variable: str(bundle)}) as port:
            assert (await port.get_organization())["id"]
        async with client(url, {}, retry_policy=RetryPolicy(max_attempts=1)) as untrusting:
            with pytest.raises(PortUnreachableError, match="CERTIFICATE_VERIFY_FAILED"):
                await untrusting.get_organization()


async def test_https_through_a_connect_tunnel_with_a_private_ca(
    harbor: HarborServer, authority: trustme.CA, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    proxy = LocalProxy()
    async with tls_front(harbor, authority) as url, serving(proxy.handle) as proxy_port:
        environ = {"HTTPS_PROXY": f"http://127.0.0.1:{proxy_port}", "SSL_CERT_FILE": str(bundle)}
        async with client(url, environ) as port:
            assert (await port.get_organization())["id"]
            assert (await port.get_integration()) is None
    port_number = httpx.URL(url).port
    assert proxy.seen == [f"CONNECT localhost:{port_number}"]  # one tunnel, kept alive


def test_a_missing_ca_bundle_is_named(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="SSL_CERT_FILE") as caught:
        network_transport("https://api.getport.io", environ={"SSL_CERT_FILE": str(tmp_path / "nope.pem")})
    assert "is not a file" in str(caught.value)


def test_direct_connections_use_the_lean_transport_proxied_ones_httpx() -> None:
    direct = network_transport("https://api.getport.io", environ={}, lean=True)
    proxied = network_transport("https://api.getport.io", environ={"HTTPS_PROXY": "http://p:1"}, lean=True)
    assert isinstance(direct, Http11Transport)
    assert isinstance(proxied, httpx.AsyncHTTPTransport)


async def test_toolkit_clients_honour_the_proxy_too(harbor: HarborServer) -> None:
    proxy = LocalProxy()
    async with serving(proxy.handle) as proxy_port:
        routed = RoutedTransport(environ={"HTTP_PROXY": f"http://127.0.0.1:{proxy_port}"})
        async with httpx.AsyncClient(transport=routed) as third_party:
            answer = await third_party.get(f"{harbor.url}/v1/organization")
    assert answer.status_code == 401  # the harbor answered, through the proxy
    assert proxy.seen == [f"GET {harbor.url}/v1/organization"]
