"""``HarborServer``: a harbor served by uvicorn in a daemon thread (embedded in ``ocean sail``, tests).

with HarborServer(tmp_path / "harbor.db") as harbor:
    httpx.post(f"{harbor.url}/v1/auth/access_token", json={...})
"""

from __future__ import annotations

import enum
import socket
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import uvicorn

from ocean_harbor import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from ocean_harbor.app import create_app
from ocean_harbor.faults import FaultConfig
from ocean_harbor.latency import Latency
from ocean_harbor.rate_limits import RateLimits

START_TIMEOUT_SECONDS = 30.0


class ServerState(enum.Enum):
    """Lifecycle: NEW → STARTED → STOPPED; a stopped server is not restarted (make a new one)."""

    NEW = "new"
    STARTED = "started"
    STOPPED = "stopped"


class HarborServer:
    """A harbor listening on 127.0.0.1.

    Args:
        db_path: the SQLite catalog file.
        port: the TCP port; 0 picks a free one (read it from ``.url`` after ``start()``).
        client_id: the accepted client id.
        client_secret: the accepted client secret.
        faults: faults to inject (see ``ocean_harbor.faults``).
        latency: how late API answers arrive; default ``$OCEAN_HARBOR_LATENCY`` (and
            ``$OCEAN_HARBOR_JITTER``), so the harbor ``ocean sail`` embeds can play a far-away Port.
        rate_limits: Port's rate limits to enforce; default ``$OCEAN_HARBOR_RATE_LIMITS``.
        keepalive_timeout: seconds an idle kept-alive connection stays open (uvicorn's
            default 5; tests shorten it to play a load balancer that closes idle connections).
    """

    def __init__(
        self,
        db_path: Path,
        *,
        port: int = 0,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        faults: FaultConfig | None = None,
        latency: Latency | None = None,
        rate_limits: RateLimits | None = None,
        keepalive_timeout: float = 5.0,
    ) -> None:
        self.db_path = Path(db_path)
        self.client_id = client_id
        self.client_secret = client_secret
        self._requested_port = port
        self._faults = faults
        self.latency = latency if latency is not None else Latency.from_env()
        self.rate_limits = rate_limits if rate_limits is not None else RateLimits.from_env()
        self._keepalive_timeout = keepalive_timeout
        self._state = ServerState.NEW
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (valid once started)."""
        if self._state is not ServerState.STARTED:
            raise RuntimeError("The harbor is not running; call start() first.")
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Starts serving and returns once the server accepts connections.

        Raises:
            RuntimeError: already started/stopped, or the server did not come up.
            OSError: the port is taken.
        """
        if self._state is not ServerState.NEW:
            raise RuntimeError(f"Cannot start a harbor server that is {self._state.value}; create a new one.")
        app = create_app(
            self.db_path,
            client_id=self.client_id,
            client_secret=self.client_secret,
            faults=self._faults,
            latency=self.latency,
            rate_limits=self.rate_limits,
        )
        sock = listening_socket(self._requested_port)
        self.port = sock.getsockname()[1]
        self._server = uvicorn.Server(server_config(app, keepalive_timeout=self._keepalive_timeout))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"harbor-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError(f"The harbor on port {self.port} did not start (see the log above).")
            time.sleep(0.01)
        self._state = ServerState.STARTED
        return self

    def stop(self) -> None:
        """Stops serving and closes the database; safe to call twice."""
        if self._state is not ServerState.STARTED or self._server is None or self._thread is None:
            self._state = ServerState.STOPPED
            return
        self._server.should_exit = True
        self._thread.join(timeout=START_TIMEOUT_SECONDS)
        self._state = ServerState.STOPPED

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def listening_socket(port: int) -> socket.socket:
    """A TCP socket bound to ``127.0.0.1:port`` (0: any free port) for uvicorn to serve on.

    Raises:
        OSError: the port is taken.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: without it every keep-alive request after the first
    # waits ~40 ms for Nagle + delayed ACK (uvicorn sets it only on sockets it binds itself).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


def server_config(app: Any, *, keepalive_timeout: float = 5.0) -> uvicorn.Config:
    """How uvicorn serves a harbor: quiet, no websockets, and nothing a local API does not need.

    No proxy-header rewriting (nothing stands in front of a local harbor) and no ``Date`` /
    ``Server`` headers: each is per-request work on the path of every bulk upsert.
    """
    return uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        ws="none",
        lifespan="on",
        proxy_headers=False,
        server_header=False,
        date_header=False,
        timeout_keep_alive=keepalive_timeout,  # type: ignore[arg-type]  # uvicorn takes seconds as a float too
    )
