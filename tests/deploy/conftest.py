"""Docker for the deploy tests: a daemon, Ocean's runtime image, and wheels for offline installs.

Outside CI a missing docker daemon or debootstrap skips the container tests with the reason; in
CI (``CI`` set) it fails them, since ``.ci/run`` installs both and starts the daemon.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OCEAN = Path(sys.executable).with_name("ocean")
DOCKER_DIR = REPO / "deploy" / "docker"
# What a generated project's `pip install -r requirements-ocean.txt -e '.[test]'` needs besides Ocean.
EXTRA_WHEELS = ["pytest>=8", "pytest-asyncio>=0.23", "setuptools>=68", "wheel"]


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} — .ci/run provides it in CI")
    pytest.skip(reason)


def run(
    command: list[str], *, timeout: float = 600, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
        env=env,
        cwd=cwd,
    )


@pytest.fixture(scope="session")
def docker() -> Iterator[str]:
    """The docker client, with a daemon answering (started here when this user may start one)."""
    client = shutil.which("docker")
    if client is None:
        unavailable("docker is not installed (Debian: apt-get install docker.io)")
    assert client is not None
    started = None
    if run([client, "info"], timeout=60).returncode != 0:
        if os.geteuid() != 0 or shutil.which("dockerd") is None:
            unavailable("no docker daemon answers, and this user cannot start dockerd")
        done = run(["bash", str(DOCKER_DIR / "start-dockerd.sh")], timeout=120)
        if done.returncode != 0:
            unavailable(f"dockerd did not start: {done.stderr.strip()}")
        started = int(done.stdout.strip()) if done.stdout.strip() else None
    yield client
    if started is not None:
        os.kill(started, 15)


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of Ocean, its dependencies and a generated project's test tools: installs need no index."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    done = run([str(OCEAN), "wheel", "--deps", str(folder)])
    assert done.returncode == 0, done.stderr
    done = run([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(folder), *EXTRA_WHEELS])
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture(scope="session")
def ocean_image(docker: str) -> str:
    """Ocean's runtime image, built FROM a debootstrapped Debian (no image registry here).

    As a user builds it: the script makes its own wheels for the image's Python (3.11), which
    need not be the Python running the tests (from a 3.12 venv it once got cp312 wheels).
    """
    has_rootfs = run([docker, "image", "inspect", "ocean-debian:bookworm"]).returncode == 0
    if shutil.which("debootstrap") is None and not has_rootfs:
        unavailable("debootstrap is not installed (apt-get install debootstrap): it makes the base rootfs")
    env = dict(os.environ) | {"OCEAN": str(OCEAN)}
    done = run(["bash", str(DOCKER_DIR / "build-base.sh"), "--debootstrap"], env=env, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def image_tag() -> Iterator[str]:
    """A unique tag for an image a test builds; removed afterwards."""
    tag = f"ocean-test-{uuid.uuid4().hex[:10]}"
    yield tag
    run(["docker", "image", "rm", "--force", tag], timeout=120)
