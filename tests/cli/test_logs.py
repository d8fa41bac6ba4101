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


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of ``text`` as a JSON object (fails on a line that is not one)."""
    return [json.loads(line) for line in text.splitlines()]


def test_json_mode_prints_only_json_and_the_summary_is_one_record(integration: Path, harbor: Any) -> None:
    done = sail(integration, harbor, OCEAN__LOG_FORMAT="json")

    assert done.returncode == 0, done.stdout + done.stderr
    printed = json_lines(done.stdout)  # what a log collector reads from stdout: JSON only
    assert all(record["integration"] == "notes-prod" for record in printed)
    (summary,) = [record for record in printed if record.get("event") == "resync_finished"]
    assert summary["level"] == "INFO"
    assert summary["message"].startswith("Resync completed in ")
    resync = summary["resync"]
    assert resync["status"] == "completed"
    counts = {"items": 1, "upserted": 1, "unchanged": 0, "failed": 0, "filtered": 0, "deleted": 0}
    assert resync["total"] == counts
    (note,) = resync["kinds"]
    assert (note["kind"], note["blueprint"], note["status"]) == ("note", "note", "completed")
    assert {name: note[name] for name in counts} == counts
    assert resync["reconcile"]["status"] == "completed" and resync["reasons"] == []
    assert not any("upserted   unchanged" in record["message"] for record in printed)  # no table
    assert TOKEN not in done.stdout


def test_json_mode_reports_a_failed_resync_as_json_on_both_streams(integration: Path, harbor: Any) -> None:
    broken = MAIN.replace("return [", "raise ValueError('notes API down')\n    return [")
    (integration / "main.py").write_text(broken)

    done = sail(integration, harbor, OCEAN__LOG_FORMAT="json")

    assert done.returncode == 1
    (summary,) = [r for r in json_lines(done.stdout) if r.get("event") == "resync_finished"]
    assert (summary["level"], summary["resync"]["status"]) == ("ERROR", "failed")
    assert any("notes API down" in reason for reason in summary["resync"]["reasons"])
    assert summary["resync"]["reconcile"]["status"] == "skipped"  # a failed kind deletes nothing
    error = json_lines(done.stderr)[-1]  # the command's last word is a JSON record too
    assert error["level"] == "ERROR" and error["message"].startswith("error: the resync failed — ")


def test_plain_mode_keeps_the_table(integration: Path, harbor: Any) -> None:
    done = sail(integration, harbor, OCEAN__LOG_FORMAT="plain")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "upserted   unchanged" in done.stdout and "resync_finished" not in done.stdout


@pytest.mark.parametrize("log_format", ["plain", "json"])
def test_without_credentials_one_loud_line_says_nothing_reaches_port(
    integration: Path, harbor: Any, log_format: str
) -> None:
    done = sail(
        integration,
        harbor,
        OCEAN__LOG_FORMAT=log_format,
        OCEAN__PORT__BASE_URL="",
        OCEAN__PORT__CLIENT_ID="",
        OCEAN__PORT__CLIENT_SECRET="",
    )

    assert done.returncode == 0, done.stdout + done.stderr
    first = done.stdout.splitlines()[0]
    if log_format == "json":
        record = json.loads(first)
        assert record["level"] == "WARNING"
        first = record["message"]
    assert "NOTHING reaches a real Port" in first
    for name in ("OCEAN__PORT__CLIENT_ID", "OCEAN__PORT__CLIENT_SECRET", "OCEAN__PORT__BASE_URL"):
        assert name in first
