"""The integration template, tested the way a user meets it (meltano's template session).

Render it with ``ocean new``, then — each through the real entry points — validate it, run its
own tests (a resync into a local Port), and sail it once from another working directory.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ocean_runtime.testing import resync

OCEAN = Path(sys.executable).with_name("ocean")
BLUEPRINT = "acmeTicketsTicket"


def clean_env() -> dict[str, str]:
    """The current environment without Ocean settings, so nothing leaks into the runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCEAN__")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run(args: list[str], *, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    done = run(
        [str(OCEAN), "new", str(tmp_path), "--name", "Acme Tickets", "--kind", "ticket", "--no-input"],
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    return tmp_path / "acme_tickets"


def test_generated_integration_passes_validate(generated: Path) -> None:
    # --strict: a fresh integration has no warnings either.
    done = run([str(OCEAN), "validate", str(generated), "--strict"], cwd=generated.parent)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid" in done.stdout


def test_generated_integration_passes_its_own_tests(generated: Path) -> None:
    done = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout=200"],
        cwd=generated,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert not list(generated.rglob("__pycache__"))


def test_generated_integration_sails_once_from_another_directory(generated: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    done = run([str(OCEAN), "sail", str(generated), "--once"], cwd=elsewhere)

    assert done.returncode == 0, done.stdout + done.stderr
    assert not list(elsewhere.iterdir()), "sail wrote into the working directory"
    databases = list((generated / ".ocean").rglob("*.db"))
    assert len(databases) == 1, databases
    with sqlite3.connect(databases[0]) as db:
        rows = db.execute(
            "SELECT identifier, properties FROM entities WHERE blueprint = ?", (BLUEPRINT,)
        ).fetchall()
    # itemCount defaults to 25; every fifth item is archived and left out by the selector.
    assert len(rows) == 20
    properties = {identifier: json.loads(props) for identifier, props in rows}
    assert properties["ticket-0"]["url"] == "https://api.example.com/ticket/0"
    assert "ticket-4" not in properties


def test_the_custom_selector_field_reaches_the_handler(generated: Path, harbor: Any) -> None:
    # includeArchived is declared by the generated integration.py's Selector subclass and read by
    # main.py through event.resource_config.selector; turning it on syncs the archived items too.
    mapping = generated / ".port/resources/port-app-config.yml"
    text = mapping.read_text()
    assert "# includeArchived: true" in text
    mapping.write_text(text.replace("# includeArchived: true", "includeArchived: true"))

    resync(
        generated,
        base_url=harbor.url,
        client_id=harbor.client_id,
        client_secret=harbor.client_secret,
        env={"OCEAN__INTEGRATION__CONFIG__ITEM_COUNT": "12"},
    )

    identifiers = {entity["identifier"] for entity in harbor.entities(BLUEPRINT)}
    assert identifiers == {f"ticket-{i}" for i in range(12)}


def test_the_generated_example_items_map_to_entities(generated: Path) -> None:
    done = run(
        [str(OCEAN), "map", ".", "--kind", "ticket", "--input", "examples/ticket.json", "--format", "json"],
        cwd=generated,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    examples = json.loads((generated / "examples/ticket.json").read_text())
    assert [e["identifier"] for e in result["entities"]] == [item["id"] for item in examples]
    assert {e["blueprint"] for e in result["entities"]} == {BLUEPRINT}
    assert result["misconfigured"] == {}
    assert result["errors"] == []
