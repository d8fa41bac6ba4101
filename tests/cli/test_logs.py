"""Logs for production: ``OCEAN__LOG_FORMAT=json`` and plain single lines when not on a terminal.

Each test runs ``ocean sail --once`` through the console script, with stderr piped (as in a
container or under a log collector), against a standalone harbor over HTTP.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from ocean_cli.logs import configure_logging

OCEAN = Path(sys.executable).with_name("ocean")
TOKEN = "tok-3f9a8b7c6d5e"
MAIN = """
import logging

from ocean_runtime import ocean

logger = logging.getLogger("notes")


@ocean.on_resync("note")
async def notes(kind):
    token = ocean.integration_config["api_token"]
    logger.warning("calling the notes API with token %s\\nand a second line", token)
    logger.info("webhook received", extra={"event_id": "evt-42", "path": "/webhook"})
    return [{"id": "n1", "text": "hello"}]
"""
SPEC = """
title: Notes
configurations:
  - name: apiToken
    type: string
    required: true
    sensitive: true
"""
MAPPING = {
    "resources": [
        {
            "kind": "note",
            "selector": {"query": "true"},
            "port": {"entity": {"mappings": {"identifier": ".id", "blueprint": '"note"'}}},
        }
    ]
}
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
PLAIN_LINE = re.compile(r"^(\S+) (\S+) +(\S+) (.*)$")


@pytest.fixture
def integration(tmp_path: Path) -> Path:
    root = tmp_path / "notes"
    (root / ".port" / "resources").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "notes"\nversion = "1.0.0"\n')
    (root / "main.py").write_text(MAIN)
    (root / ".port" / "spec.yaml").write_text(SPEC)
    blueprints = [{"identifier": "note", "title": "Note", "schema": {"properties": {}}}]
    (root / ".port" / "resources" / "blueprints.json").write_text(json.dumps(blueprints))
    (root / ".port" / "resources" / "port-app-config.yml").write_text(json.dumps(MAPPING))
    return root


def sail(integration: Path, harbor: Any, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OCEAN__", "APPLICATION__"))}
    environ |= {
        "OCEAN__PORT__BASE_URL": harbor.url,
        "OCEAN__PORT__CLIENT_ID": harbor.client_id,
        "OCEAN__PORT__CLIENT_SECRET": harbor.client_secret,
        "OCEAN__INTEGRATION__CONFIG__API_TOKEN": TOKEN,
        "OCEAN__INTEGRATION__IDENTIFIER": "notes-prod",
        **env,
    }
    return subprocess.run(
        [str(OCEAN), "sail", str(integration), "--once"],
        env=environ,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_json_logs_are_one_object_per_line_with_context_and_masked_secrets(
    integration: Path, harbor: Any
) -> None:
    done = sail(integration, harbor, OCEAN__LOG_FORMAT="json")

    assert done.returncode == 0, done.stdout + done.stderr
    records = [json.loads(line) for line in done.stderr.splitlines()]  # every line is one JSON object
    by_message = {record["message"].split(" with")[0]: record for record in records}
    warning = by_message["calling the notes API"]
    assert warning["message"] == "calling the notes API with token [REDACTED]\nand a second line"
    assert (warning["level"], warning["logger"]) == ("WARNING", "notes")
    assert (warning["integration"], warning["kind"], warning["event_id"]) == ("notes-prod", "note", None)
    assert ISO_TIME.match(warning["time"])
    webhook = by_message["webhook received"]
    assert (webhook["event_id"], webhook["path"], webhook["kind"]) == ("evt-42", "/webhook", "note")
    assert TOKEN not in done.stderr


def test_piped_logs_are_plain_single_lines_with_real_timestamps(integration: Path, harbor: Any) -> None:
    done = sail(integration, harbor)  # OCEAN__LOG_FORMAT unset: auto, and stderr is a pipe

    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if " notes: " in line]
    assert len(lines) == 2, done.stderr
    fields = PLAIN_LINE.match(lines[0])
    assert fields, lines[0]
    stamp, level, logger, message = fields.groups()
    assert ISO_TIME.match(stamp)
    assert (level, logger) == ("WARNING", "notes:")
    assert message == "calling the notes API with token [REDACTED]\\nand a second line [kind=note]"
    assert lines[1].endswith("webhook received [kind=note event_id=evt-42]")
    assert TOKEN not in done.stderr


def test_log_level_comes_from_the_environment_too(integration: Path, harbor: Any) -> None:
    done = sail(integration, harbor, OCEAN__LOG_LEVEL="ERROR")

    assert done.returncode == 0, done.stdout + done.stderr
    assert " notes: " not in done.stderr


def test_exceptions_stay_on_one_line_and_are_masked() -> None:
    stream = StringIO()
    setup = configure_logging("INFO", "plain", stream)
    setup.add(["hunter2-secret"])
    try:
        raise RuntimeError("refused hunter2-secret")
    except RuntimeError:
        logging.getLogger("ocean.test").exception("call failed")

    (line,) = stream.getvalue().splitlines()
    assert "call failed | Traceback (most recent call last):\\n" in line
    assert "RuntimeError: refused [REDACTED]" in line
    assert "hunter2" not in line


def test_auto_is_rich_on_a_terminal_and_plain_elsewhere() -> None:
    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    assert configure_logging("INFO", "auto", Terminal()).log_format == "rich"
    assert configure_logging("INFO", "auto", StringIO()).log_format == "plain"
    assert configure_logging("INFO", "JSON", Terminal()).log_format == "json"
