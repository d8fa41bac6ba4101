"""Container images, built and run for real: Ocean's runtime image and integrations built FROM it.

The scaffold's image runs with ``--network host`` (and a read-only root filesystem, as on
Kubernetes) against a harbor on loopback: entities land, ``/health/ready`` answers, docker's
health check turns healthy, and ``docker stop`` ends it cleanly within the grace period.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import OCEAN, REPO, run

BLUEPRINT = "acmeTicketsTicket"
GRACE_SECONDS = 30
INTEGRATION_DOCKERFILE = REPO / "deploy" / "docker" / "integration.Dockerfile"
# No buildx here: ask for the classic builder instead of a warning about it.
LEGACY_BUILDER = dict(os.environ) | {"DOCKER_BUILDKIT": "0"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build(docker: str, context: Path, tag: str, ocean_image: str, dockerfile: Path | None = None) -> None:
    """``docker build [-f FILE] -t TAG DIR``, as README → Deploying says: FROM the runtime image."""
    assert ocean_image == "ocean-sail:0.1.0"  # the Dockerfiles' default OCEAN_IMAGE
    options = ["-f", str(dockerfile)] if dockerfile else []
    done = run([docker, "build", "--quiet", *options, "-t", tag, str(context)], env=LEGACY_BUILDER)
    assert done.returncode == 0, done.stdout + done.stderr


def inspect(docker: str, name: str) -> dict[str, Any]:
    done = run([docker, "inspect", name])
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout)[0])


def wait_for(
    condition: Callable[[], bool], what: str, check: Callable[[], None], timeout: float = 120
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        check()
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def port_env(harbor: Any) -> list[str]:
    settings = {
        "OCEAN__PORT__BASE_URL": harbor.url,
        "OCEAN__PORT__CLIENT_ID": harbor.client_id,
        "OCEAN__PORT__CLIENT_SECRET": harbor.client_secret,
    }
    return [item for key, value in settings.items() for item in ("-e", f"{key}={value}")]


@pytest.fixture
def container(docker: str, image_tag: str) -> Iterator[str]:
    name = f"{image_tag}-run"
    yield name
    run([docker, "rm", "--force", name], timeout=120)


@pytest.fixture
def scaffold(tmp_path: Path) -> Path:
    done = run([str(OCEAN), "new", str(tmp_path), "--name", "Acme Tickets", "--kind", "ticket", "--no-input"])
    assert done.returncode == 0, done.stderr
    return tmp_path / "acme_tickets"


def test_the_runtime_image_is_non_root_with_tini_a_health_check_and_a_port(
    docker: str, ocean_image: str
) -> None:
    config = inspect(docker, ocean_image)["Config"]

    assert config["User"] == "10001:10001"
    assert config["Entrypoint"] == ["tini", "--", "ocean"]
    assert list(config["ExposedPorts"]) == ["8000/tcp"]
    assert "/health/ready" in " ".join(config["Healthcheck"]["Test"])
    done = run([docker, "run", "--rm", "--network", "none", ocean_image, "version"])
    assert (done.returncode, done.stdout.strip()) == (0, "Ocean 0.1.0")


def test_the_scaffold_container_syncs_answers_health_and_stops_cleanly(
    docker: str, ocean_image: str, image_tag: str, container: str, scaffold: Path, harbor: Any
) -> None:
    build(docker, scaffold, image_tag, ocean_image)
    port = free_port()
    started = run(
        [
            docker, "run", "--detach", "--name", container, "--network", "host",
            "--read-only", "--tmpfs", "/tmp", "--tmpfs", "/app/.ocean:uid=10001,gid=10001",
            "--health-interval", "2s", "--health-start-period", "60s",
            "-e", f"APPLICATION__PORT={port}", "-e", "OCEAN__LOG_FORMAT=json", *port_env(harbor),
            image_tag,
        ]
    )  # fmt: skip
    assert started.returncode == 0, started.stderr

    def still_running() -> None:
        state = inspect(docker, container)["State"]
        if not state["Running"]:
            logs = run([docker, "logs", container])
            pytest.fail(f"the container exited with {state['ExitCode']}: {logs.stdout}{logs.stderr}")

    wait_for(lambda: len(harbor.entities(BLUEPRINT)) == 20, "20 entities in the harbor", still_running)
    ready = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=5)
    assert ready.status_code == 200, ready.text
    health = lambda: inspect(docker, container)["State"]["Health"]["Status"] == "healthy"  # noqa: E731
    wait_for(health, "docker's health check to pass", still_running)

    stopped = run([docker, "stop", "--time", str(GRACE_SECONDS), container], timeout=GRACE_SECONDS + 60)

    assert stopped.returncode == 0, stopped.stderr
    state = inspect(docker, container)["State"]
    assert state["ExitCode"] == 0, state  # 137 would mean SIGKILL after the grace period
    logs = run([docker, "logs", container])
    assert "Stopped." in logs.stdout
    records = [json.loads(line) for line in logs.stderr.splitlines() if line.startswith("{")]
    assert all(record["integration"] == "my-acme_tickets-integration" for record in records)


@pytest.mark.parametrize("integration", ["fake", "http", "github", "kafka"])
def test_each_integration_image_builds_from_the_runtime_image(
    docker: str, ocean_image: str, image_tag: str, integration: str
) -> None:
    build(docker, REPO / "integrations" / integration, image_tag, ocean_image, INTEGRATION_DOCKERFILE)

    done = run([docker, "run", "--rm", "--network", "none", image_tag, "validate", "."])

    assert done.returncode == 0, done.stdout + done.stderr
    assert inspect(docker, image_tag)["Config"]["User"] == "10001:10001"


def test_the_fake_integration_image_syncs_once(
    docker: str, ocean_image: str, image_tag: str, container: str, harbor: Any
) -> None:
    build(docker, REPO / "integrations" / "fake", image_tag, ocean_image, INTEGRATION_DOCKERFILE)

    done = run(
        [docker, "run", "--name", container, "--network", "host",
         "--read-only", "--tmpfs", "/tmp", "--tmpfs", "/app/.ocean:uid=10001,gid=10001",
         *port_env(harbor), image_tag, "sail", ".", "--once"]
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    assert len(harbor.entities("fakeService")) == 30


def test_the_scaffold_and_this_repositorys_integrations_share_one_dockerfile(scaffold: Path) -> None:
    def instructions(dockerfile: Path) -> list[str]:
        return [line for line in dockerfile.read_text().splitlines() if line and not line.startswith("#")]

    assert instructions(scaffold / "Dockerfile") == instructions(INTEGRATION_DOCKERFILE)
