"""``ocean harbor`` through its entry point: serves, prints how to connect, refuses bad flags."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from typer.testing import CliRunner

from ocean_cli.main import app

OCEAN = str(Path(sys.executable).with_name("ocean"))


def test_serves_with_the_given_credentials_and_says_how_to_connect(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OCEAN_HARBOR_FAULTS"}
    command = [
        OCEAN,
        "harbor",
        "--db",
        str(tmp_path / "h.db"),
        "--port",
        "0",
        "--client-id",
        "me",
        "--client-secret",
        "s3cret",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        banner = "".join(process.stdout.readline() for _ in range(7))
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", banner)
        assert url, banner
        hint = f"OCEAN__PORT__BASE_URL={url.group(1)} OCEAN__PORT__CLIENT_ID=me OCEAN__PORT__CLIENT_SECRET="
        assert hint + "s3cret" in banner
        token = httpx.post(
            f"{url.group(1)}/v1/auth/access_token", json={"clientId": "me", "clientSecret": "s3cret"}
        )
        assert token.status_code == 200
        refused = httpx.post(
            f"{url.group(1)}/v1/auth/access_token", json={"clientId": "ocean", "clientSecret": "ocean"}
        )
        assert refused.status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0
    assert (tmp_path / "h.db").is_file()


def test_defaults_to_ocean_credentials(tmp_path: Path) -> None:
    command = [OCEAN, "harbor", "--db", str(tmp_path / "h.db"), "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = "".join(process.stdout.readline() for _ in range(3))
        assert "client id 'ocean', client secret 'ocean'" in banner
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def test_bad_faults_are_one_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["harbor", "--db", str(tmp_path / "h.db"), "--faults", '[{"status": 429}]']
    )
    assert result.exit_code == 1
    assert "--faults: faults.rules[0].path is required" in result.output
    assert "Traceback" not in result.output


def test_a_taken_port_is_one_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["harbor", "--db", str(tmp_path / "h.db"), "--port", str(port)])
    assert result.exit_code == 1
    assert f"--port {port}: cannot listen" in result.output and "pick another port" in result.output
