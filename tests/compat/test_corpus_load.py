"""Every published integration imports on Ocean, loads its own config class, compiles its mapping,
and ``ocean validate`` names exactly its real defects.

Each folder is probed in its own process of the corpus venv (``corpus/probe.py``), two at a time.
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.compat.corpus.environment import CORPUS, corpus_folder, corpus_names, corpus_python

REPO = Path(__file__).resolve().parents[2]
# Probing 46 folders (two processes at a time) takes ~1 min on a quiet machine, longer on a busy one.
pytestmark = pytest.mark.timeout(900)

# Folders that do not load, and why (each is a finding about the corpus or a known limit).
NOT_LOADING = {
    "aws": "its dependencies (aioboto3 ^12, mypy stubs imported at run time) conflict with aws-v3's "
    "(aioboto3 ^15) in the shared corpus venv; in a venv of its own it loads (measured by hand)",
    "gitlab": "its default mapping uses 'file://README.md' values, which the published integration "
    "resolves with its own entity processor; Ocean's mapping engine compiles jq only",
}

# Real defects of the published folders: (file, key) that `ocean validate` must name as errors.
MAPPINGS = ".port/resources/port-app-config.yml:resources"
MAPPINGS_YAML = ".port/resources/port-app-config.yaml:resources"
REAL_DEFECTS = {
    "argocd": {".port/resources/blueprints.json:[0].schema.properties.status.type"},
    "armorcode": {
        f"{MAPPINGS}[2].port.entity.mappings.properties.productId",
        f"{MAPPINGS}[2].port.entity.mappings.properties.subProductId",
    },
    "fake-integration": {
        f"{MAPPINGS}[1].port.entity.mappings.properties.name",
        f"{MAPPINGS}[1].port.entity.mappings.properties.department",
    },
    "firehydrant": {f"{MAPPINGS_YAML}[3].port.entity.mappings.properties.description"},
    "github": {f"{MAPPINGS}[2].port.entity.mappings.properties.prNumber"},
    "github-copilot": {f"{MAPPINGS}[3].port.entity.relations"},
    "gitlab-v2": {f"{MAPPINGS}[0].port.entity.mappings.properties.hasPortConfig"},
    "pagerduty": {f"{MAPPINGS_YAML}[5].port.entity.mappings.properties.description"},
    "statuspage": {f"{MAPPINGS_YAML}[3].port.entity.mappings.properties.impact_override"},
}


def _probe(python: Path, folder: Path) -> dict[str, Any]:
    result = subprocess.run(
        [str(python), "-m", "tests.compat.corpus.probe", str(folder)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(Path.home())},
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"name": folder.name, "imports": False, "error": result.stderr[-2000:]}
    return dict(json.loads(lines[-1]))


@pytest.fixture(scope="module")
def probes() -> dict[str, dict[str, Any]]:
    corpus_folder("sentry")
    python = corpus_python()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda name: _probe(python, CORPUS / name), corpus_names()))
    return {result["name"]: result for result in results}


def test_the_corpus_has_46_integrations(probes: dict[str, dict[str, Any]]) -> None:
    assert len(probes) == 46


def test_integrations_import_load_their_config_class_and_compile_their_mapping(
    probes: dict[str, dict[str, Any]],
) -> None:
    loading = {name for name, r in probes.items() if r.get("imports") and r.get("mapping")}
    failures = {name: r.get("error", "") for name, r in probes.items() if name not in loading}
    assert set(failures) == set(NOT_LOADING), json.dumps(failures, indent=1)[:6000]
    assert len(loading) >= 40
    # Their own PortAppConfig subclass is the config class (incl. those imported from another module).
    for name in ("jenkins", "jira", "jira-server", "newrelic", "snyk", "wiz", "sentry", "pagerduty"):
        assert probes[name]["config_class"] not in (None, "PortAppConfig"), probes[name]


def test_validate_names_exactly_the_real_defects(probes: dict[str, dict[str, Any]]) -> None:
    found = {
        name: {error.split(": ", 1)[0] for error in r.get("validate_errors", [])}
        for name, r in probes.items()
        if r.get("validate_errors")
    }
    assert found == REAL_DEFECTS


def test_the_readme_commands_for_a_published_integration() -> None:
    """README "Running Port Ocean integrations": the integration's own requirements, then validate.

    Command 1 with the corpus venv (Python 3.12, Ocean installed) standing in for a fresh
    ``.venv312``; command 2 (build the corpus venv, run ``tests/compat``) is what ``.ci/run`` does.
    """
    folder = corpus_folder("sentry")
    requirements = subprocess.run(
        ["python3", str(REPO / "tests/compat/corpus/requirements.py"), str(folder)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "fastapi>=0.110" in requirements and "loguru>=0.7" in requirements
    assert not any(line.startswith(("port_ocean", "port-ocean")) for line in requirements)
    validate = subprocess.run(
        [str(corpus_python().with_name("ocean")), "validate", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert "✓ valid" in validate.stdout


def test_one_integrations_requirements_keep_the_stubs_it_imports_at_run_time() -> None:
    """``aws`` imports ``types_aiobotocore_sts`` at run time; the union (the corpus venv) has no stubs."""

    def requirements(folder: Path) -> list[str]:
        script = str(REPO / "tests/compat/corpus/requirements.py")
        return subprocess.run(
            ["python3", script, str(folder)], capture_output=True, text=True, check=True
        ).stdout.split()

    aws = requirements(corpus_folder("aws"))
    union = requirements(corpus_folder("aws").parent)

    assert "types-aiobotocore[sts]>=2.12.3,<3" in aws
    assert not [line for line in union if line.startswith("types-") or "-stubs" in line]
    (aws_aioboto3,) = [line for line in aws if line.startswith("aioboto3")]
    assert aws_aioboto3 not in union  # aws (aioboto3 12) is not in the union; aws-v3 (15) is
