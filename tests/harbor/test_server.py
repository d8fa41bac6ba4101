"""``HarborServer`` over real HTTP: lifecycle, persistence across restarts, concurrent writers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from ocean_harbor.server import HarborServer
from ocean_harbor.testing import RunningHarbor

UA = "port-ocean/test-type/1.0.0/test-integration/exporter"


def upsert(harbor: RunningHarbor, prefix: str, count: int, batch: int = 20) -> None:
    with harbor.client(headers={"User-Agent": UA}) as client:
        for start in range(0, count, batch):
            entities = [
                {"identifier": f"{prefix}-{i}", "properties": {"n": i}} for i in range(start, start + batch)
            ]
            response = client.post("/v1/blueprints/item/entities/bulk", json={"entities": entities})
            assert response.status_code == 200, response.text


def test_lifecycle(tmp_path: Path) -> None:
    server = HarborServer(tmp_path / "h.db")
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
    server.start()
    try:
        assert server.url.startswith("http://127.0.0.1:") and server.port > 0
        assert httpx.get(f"{server.url}/v1/organization").status_code == 401  # up and answering
        with pytest.raises(RuntimeError, match="create a new one"):
            server.start()
    finally:
        server.stop()
    server.stop()  # twice is fine
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{server.port}/v1/organization")


def test_a_taken_port_is_an_error(tmp_path: Path) -> None:
    with HarborServer(tmp_path / "a.db") as first, pytest.raises(OSError):
        HarborServer(tmp_path / "b.db", port=first.port).start()


def test_the_catalog_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with RunningHarbor(db) as harbor, harbor.client() as client:
        client.post("/v1/integration", json={"installationId": "keep", "config": {"resources": []}})
        client.post(
            "/v1/blueprints", json={"identifier": "item", "schema": {"properties": {"n": {"type": "number"}}}}
        )
        upsert(harbor, "x", 40)
    with RunningHarbor(db, client_id="other", client_secret="creds") as restarted:
        assert [b["identifier"] for b in restarted.blueprints()] == ["item"]
        assert len(restarted.entities("item")) == 40
        integration = restarted.integration("keep")
        assert integration is not None and integration["config"] == {"resources": []}
        # the ingest URLs follow the new address
        assert integration["logAttributes"]["ingestUrl"].startswith(restarted.url)


def test_concurrent_writers_in_threads_lose_nothing(harbor: RunningHarbor) -> None:
    with harbor.client() as client:
        client.post(
            "/v1/blueprints", json={"identifier": "item", "schema": {"properties": {"n": {"type": "number"}}}}
        )
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda w: upsert(harbor, f"w{w}", 100), range(8)))
    items = harbor.entities("item")
    assert len(items) == 800 and len({e["identifier"] for e in items}) == 800


WRITER = textwrap.dedent(
    """
    import sys
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path
    from ocean_harbor.testing import RunningHarbor

    db, name = Path(sys.argv[1]), sys.argv[2]
    with RunningHarbor(db) as harbor:
        def write(thread):
            with harbor.client(headers={"User-Agent": "port-ocean/t/1/i/exporter"}) as client:
                for start in range(0, 100, 20):
                    entities = [{"identifier": f"{name}-{thread}-{i}"} for i in range(start, start + 20)]
                    response = client.post("/v1/blueprints/item/entities/bulk", json={"entities": entities})
                    assert response.status_code == 200, response.text
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(write, range(4)))
    print("done")
    """
)


def test_several_processes_on_one_database_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    with RunningHarbor(db) as harbor:
        with harbor.client() as client:
            client.post(
                "/v1/blueprints",
                json={"identifier": "item", "schema": {"properties": {"n": {"type": "number"}}}},
            )
        writers = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, str(db), f"p{p}"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for p in range(3)
        ]
        upsert(harbor, "parent", 200)
        for writer in writers:
            out, err = writer.communicate(timeout=120)
            assert writer.returncode == 0, err
            assert out.strip() == "done"
        items = harbor.entities("item")
    assert len(items) == 3 * 4 * 100 + 200
    assert len({e["identifier"] for e in items}) == len(items)


def test_the_listening_socket_disables_nagle_for_the_connections_it_accepts() -> None:
    # Both `ocean harbor` and HarborServer serve on it; without TCP_NODELAY every keep-alive
    # request after the first waits for Nagle + delayed ACK (~40 ms).
    import socket

    from ocean_harbor.server import listening_socket

    sock = listening_socket(0)
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()
