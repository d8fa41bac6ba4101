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
        assert hint + "'<your --client-secret>'" in banner
        assert "s3cret" not in banner  # a secret of the user's own never reaches the terminal
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
        rest, errors = process.communicate(timeout=30)
    assert process.returncode == 0
    assert (tmp_path / "h.db").is_file()
    # From start to stop, serving requests included, the secret is never printed anywhere.
    assert "s3cret" not in banner + rest + errors


def test_defaults_to_ocean_credentials(tmp_path: Path) -> None:
    command = [OCEAN, "harbor", "--db", str(tmp_path / "h.db"), "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = "".join(process.stdout.readline() for _ in range(6))
        assert "client id 'ocean', client secret: the public default" in banner
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", banner)
        assert url, banner
        token = httpx.post(
            f"{url.group(1)}/v1/auth/access_token", json={"clientId": "ocean", "clientSecret": "ocean"}
        )
        assert token.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        rest, errors = process.communicate(timeout=30)
    output = banner + rest + errors
    # The public default secret is printed once — in the hint to copy — and nowhere else.
    assert output.count("OCEAN__PORT__CLIENT_SECRET=ocean ") == 1
    assert output.count("'ocean'") == 1  # the id, quoted; the secret only in the hint
    assert output.count("=ocean ") == 2  # CLIENT_ID=ocean and CLIENT_SECRET=ocean, once each


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


def test_latency_and_port_rate_limits_from_the_command_line(tmp_path: Path) -> None:
    command = [OCEAN, "harbor", "--db", str(tmp_path / "h.db"), "--port", "0"]
    limits = '{"other": {"burst": 1, "period": 30000}}'  # one request per 2 s after the first
    command += ["--latency", "0.05", "--jitter", "0.01", "--rate-limits", limits]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = "".join(process.stdout.readline() for _ in range(12))
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", banner)
        assert url, banner
        assert "every API answer 0.05 s ± 0.01 s late" in banner
        assert "bulk upsert 35,000 per 300 s, burst 3,500" in banner
        token = httpx.post(
            f"{url.group(1)}/v1/auth/access_token", json={"clientId": "ocean", "clientSecret": "ocean"}
        ).json()["accessToken"]
        headers = {"Authorization": f"Bearer {token}"}
        first, second = (httpx.get(f"{url.group(1)}/v1/organization", headers=headers) for _ in range(2))
        assert first.status_code == 200 and first.headers["x-ratelimit-limit"] == "15000"
        assert second.status_code == 429 and int(second.headers["Retry-After"]) >= 1
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


def test_bad_latency_and_rate_limits_are_one_clear_error(tmp_path: Path) -> None:
    db = str(tmp_path / "h.db")
    latency = CliRunner().invoke(app, ["harbor", "--db", db, "--latency", "-1"])
    assert (
        latency.exit_code == 1 and "--latency/--jitter: latency must be a number of seconds" in latency.output
    )
    limits = CliRunner().invoke(app, ["harbor", "--db", db, "--rate-limits", "nope"])
    assert limits.exit_code == 1 and "--rate-limits: 'nope' is neither 'port'" in limits.output
    assert "Traceback" not in latency.output + limits.output
