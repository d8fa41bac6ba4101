"""The proof: the published ``port-ocean`` client, unmodified, syncs into the harbor and cleans up.

Runs the reference's own ``ocean sail -O`` (``anchor/run_sail.sh``) twice against a real
``HarborServer`` — 300 then 250 synthetic repositories — and then its ``ocean defaults clean
--force --wait --destroy``. Skipped when the reference venv or the anchor folder is missing
(``ANCHOR_VENV`` / ``OCEAN_ANCHOR_DIR`` point at them; defaults ``~/.cache/ocean-anchor/venv`` and
``../shared/anchor`` next to the repository).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from ocean_harbor.testing import RunningHarbor

REPO_ROOT = Path(__file__).resolve().parents[2]
IDENTIFIER = "bench-anchor"


def anchor_dir() -> Path | None:
    path = Path(os.environ.get("OCEAN_ANCHOR_DIR") or REPO_ROOT.parent / "shared" / "anchor")
    return path if (path / "run_sail.sh").is_file() and (path / "gen_data.py").is_file() else None


def anchor_venv() -> Path | None:
    path = Path(os.environ.get("ANCHOR_VENV") or Path.home() / ".cache" / "ocean-anchor" / "venv")
    return path if (path / "bin" / "ocean").is_file() else None


ANCHOR, VENV = anchor_dir(), anchor_venv()
pytestmark = pytest.mark.skipif(
    ANCHOR is None or VENV is None or shutil.which("bash") is None,
    reason="the reference implementation is not installed (see ../shared/anchor/setup.sh)",
)


@pytest.fixture
def bench_harbor(tmp_path: Path) -> Iterator[RunningHarbor]:
    with RunningHarbor(tmp_path / "harbor.db", client_id="bench", client_secret="bench") as harbor:
        yield harbor


def reference_env(harbor: RunningHarbor) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCEAN__")}
    env.update(
        {
            "OCEAN__PORT__BASE_URL": harbor.url,
            "OCEAN__PORT__CLIENT_ID": "bench",
            "OCEAN__PORT__CLIENT_SECRET": "bench",
            "OCEAN__INTEGRATION__IDENTIFIER": IDENTIFIER,
            "OCEAN__INTEGRATION__TYPE": "bench-anchor",
            "OCEAN__EVENT_LISTENER__TYPE": "ONCE",
        }
    )
    return env


def generate(tmp_path: Path, count: int) -> tuple[Path, set[str]]:
    """Writes ``count`` items and returns the file and the identifiers the mapping keeps."""
    assert ANCHOR is not None
    data = tmp_path / f"items-{count}.jsonl"
    subprocess.run(
        [sys.executable, str(ANCHOR / "gen_data.py"), str(count), str(data)], check=True, capture_output=True
    )
    items = [json.loads(line) for line in data.read_text().splitlines()]
    return data, {item["full_name"] for item in items if item["archived"] is False}  # selector of resource 0


def sail(harbor: RunningHarbor, data: Path) -> str:
    assert ANCHOR is not None and VENV is not None
    result = subprocess.run(
        ["bash", str(ANCHOR / "run_sail.sh"), harbor.url, str(data), str(VENV)],
        env=reference_env(harbor),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout + result.stderr


def reference_integration_dir(tmp_path: Path) -> Path:
    """The same integration folder ``run_sail.sh`` builds (resource 0 of mapping.yml)."""
    assert ANCHOR is not None
    integration = tmp_path / "bench_anchor"
    (integration / ".port" / "resources").mkdir(parents=True)
    for name in ("main.py", "integration.py"):
        shutil.copy(ANCHOR / "sail-integration" / name, integration / name)
    shutil.copy(ANCHOR / "blueprints.json", integration / ".port" / "resources" / "blueprints.json")
    (integration / "pyproject.toml").write_text('[tool.poetry]\nname = "bench-anchor"\nversion = "0.1.0"\n')
    (integration / ".port" / "spec.yaml").write_text(
        "description: benchmark integration\nfeatures:\n  - type: exporter\n    resources:\n"
        "      - kind: repository\nconfigurations: []\n"
    )
    config = yaml.safe_load((ANCHOR / "mapping.yml").read_text())
    config["resources"] = config["resources"][:1]
    (integration / ".port" / "resources" / "port-app-config.yml").write_text(
        yaml.safe_dump(config, sort_keys=False)
    )
    return integration


def repositories(harbor: RunningHarbor) -> set[str]:
    return {entity["identifier"] for entity in harbor.entities("githubRepository")}


def test_reference_sail_resync_reconcile_and_clean(tmp_path: Path, bench_harbor: RunningHarbor) -> None:
    assert VENV is not None
    data_300, kept_300 = generate(tmp_path, 300)
    data_250, kept_250 = generate(tmp_path, 250)
    assert kept_250 < kept_300  # item i depends only on i: the 250 are the first 250

    log = sail(bench_harbor, data_300)
    assert repositories(bench_harbor) == kept_300, log[-3000:]
    assert {b["identifier"] for b in bench_harbor.blueprints()} == {
        "githubOwner",
        "githubTeam",
        "githubRepository",
        "githubRepositoryTopic",
    }
    integration = bench_harbor.integration(IDENTIFIER)
    assert integration is not None and integration["resyncState"]["status"] == "completed"
    owners = {e["identifier"] for e in bench_harbor.entities("githubOwner")}
    assert owners  # placeholders created for the relation targets (create_missing_related_entities)

    log = sail(bench_harbor, data_250)
    assert repositories(bench_harbor) == kept_250, log[-3000:]  # exactly kept_300 - kept_250 deleted
    assert {e["identifier"] for e in bench_harbor.entities("githubOwner")} == owners  # placeholders stay

    clean = subprocess.run(
        [str(VENV / "bin" / "ocean"), "defaults", "clean", "--force", "--wait", "--destroy", "."],
        cwd=reference_integration_dir(tmp_path),
        env=reference_env(bench_harbor),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert clean.returncode == 0, clean.stdout[-3000:] + clean.stderr[-3000:]
    assert bench_harbor.blueprints() == []
    assert repositories(bench_harbor) == set()
    assert bench_harbor.integration(IDENTIFIER) is None
