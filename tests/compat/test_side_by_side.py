"""Our ``ocean sail`` and the published framework's sync into one harbor without touching each other.

Ownership is carried by the User-Agent (Port's ``$datasource``): each side's reconcile must delete
only the entities it wrote. Skipped when the reference framework is not installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ocean_harbor.testing import RunningHarbor as HarborServer

REPO_ROOT = Path(__file__).resolve().parents[2]
FAKE = REPO_ROOT / "integrations" / "fake"


@pytest.fixture
def shared_harbor(tmp_path: Path) -> Iterator[HarborServer]:
    with HarborServer(tmp_path / "harbor.db", client_id="bench", client_secret="bench") as harbor:
        yield harbor


def port_env(harbor: HarborServer, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCEAN__")}
    env.update(
        OCEAN__PORT__BASE_URL=harbor.url, OCEAN__PORT__CLIENT_ID="bench", OCEAN__PORT__CLIENT_SECRET="bench"
    )
    env.update(extra)
    return env


def reference_sail(reference: Any, harbor: HarborServer, items: Path) -> None:
    result = subprocess.run(
        ["bash", str(reference.anchor / "run_sail.sh"), harbor.url, str(items), str(reference.venv)],
        env=port_env(harbor, OCEAN__INTEGRATION__IDENTIFIER="bench-anchor"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def our_sail(harbor: HarborServer, cwd: Path, **config: str) -> None:
    env = port_env(harbor, **{f"OCEAN__INTEGRATION__CONFIG__{k}": v for k, v in config.items()})
    result = subprocess.run(
        [str(Path(sys.executable).with_name("ocean")), "sail", str(FAKE), "--once"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def generated_items(reference: Any, tmp_path: Path, count: int) -> tuple[Path, set[str]]:
    path = tmp_path / f"items-{count}.jsonl"
    subprocess.run(
        [sys.executable, str(reference.anchor / "gen_data.py"), str(count), str(path)],
        check=True,
        capture_output=True,
    )
    items = [json.loads(line) for line in path.read_text().splitlines()]
    return path, {item["full_name"] for item in items if not item["archived"]}


def identifiers(harbor: HarborServer, blueprint: str) -> set[str]:
    return {entity["identifier"] for entity in harbor.entities(blueprint)}


def test_ours_and_the_reference_share_a_harbor(
    reference_framework: Any, shared_harbor: HarborServer, tmp_path: Path
) -> None:
    items_200, repos_200 = generated_items(reference_framework, tmp_path, 200)
    items_150, repos_150 = generated_items(reference_framework, tmp_path, 150)

    reference_sail(reference_framework, shared_harbor, items_200)
    our_sail(shared_harbor, tmp_path)
    assert identifiers(shared_harbor, "githubRepository") == repos_200
    people = identifiers(shared_harbor, "fakePerson")
    assert len(people) == 100

    # The reference shrinks: it deletes its own stale repositories, never our people.
    reference_sail(reference_framework, shared_harbor, items_150)
    assert identifiers(shared_harbor, "githubRepository") == repos_150
    assert identifiers(shared_harbor, "fakePerson") == people

    # We shrink: we delete our own stale people, never its repositories.
    our_sail(shared_harbor, tmp_path, PEOPLE_PER_DEPARTMENT="5")
    remaining = identifiers(shared_harbor, "fakePerson")
    assert len(remaining) == 25 and remaining < people
    assert identifiers(shared_harbor, "githubRepository") == repos_150
