"""The CI recipes ``ocean new`` generates: valid YAML, and the commands they run work.

A GitHub Actions workflow and a GitLab CI job: ``ocean validate .`` and ``pytest`` on every push,
``ocean sail . --once`` on a schedule with Port credentials from the CI's secrets. Their Ocean
commands are taken from the files and run here, in the generated project, with the secrets'
variables pointing at a local Port.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

OCEAN = Path(sys.executable).with_name("ocean")
BLUEPRINT = "acmeTicketsTicket"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ci")
    done = subprocess.run(
        [str(OCEAN), "new", str(root), "--name", "Acme Tickets", "--kind", "ticket", "--no-input"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return root / "acme_tickets"


def github_steps(project: Path) -> dict[str, list[str]]:
    workflow = yaml.safe_load((project / ".github/workflows/ocean.yml").read_text())
    return {
        name: [step["run"] for step in job["steps"] if "run" in step]
        for name, job in workflow["jobs"].items()
    }


def gitlab_scripts(project: Path) -> dict[str, list[str]]:
    pipeline = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
    return {
        name: job["script"] for name, job in pipeline.items() if isinstance(job, dict) and "script" in job
    }


def test_github_workflow_validates_on_push_and_syncs_on_a_schedule(project: Path) -> None:
    workflow = yaml.safe_load((project / ".github/workflows/ocean.yml").read_text())

    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert set(triggers) == {"push", "schedule", "workflow_dispatch"}
    assert triggers["schedule"][0]["cron"].count(" ") == 4
    jobs = workflow["jobs"]
    assert jobs["validate"]["if"] == "github.event_name == 'push'"
    assert jobs["sync"]["if"] == "github.event_name != 'push'"
    assert jobs["sync"]["env"] == {
        "OCEAN__PORT__CLIENT_ID": "${{ secrets.OCEAN__PORT__CLIENT_ID }}",
        "OCEAN__PORT__CLIENT_SECRET": "${{ secrets.OCEAN__PORT__CLIENT_SECRET }}",
        "OCEAN__INTEGRATION__CONFIG__API_TOKEN": "${{ secrets.OCEAN__INTEGRATION__CONFIG__API_TOKEN }}",
        "OCEAN__LOG_FORMAT": "plain",
    }
    steps = github_steps(project)
    assert steps["validate"] == [
        "pip install -r requirements-ocean.txt -e '.[test]'",
        "ocean validate .",
        "pytest",
    ]
    assert steps["sync"][0] == "pip install -r requirements-ocean.txt ."
    assert steps["sync"][-1] == "ocean sail . --once"


def test_gitlab_jobs_run_the_same_commands(project: Path) -> None:
    pipeline = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
    scripts = gitlab_scripts(project)
    steps = github_steps(project)

    assert scripts["validate"] == steps["validate"]
    assert scripts["sync"][0] == steps["sync"][0]
    assert scripts["sync"][-1] == steps["sync"][-1]
    assert pipeline["sync"]["rules"][0]["if"].startswith('$CI_PIPELINE_SOURCE == "schedule"')
    assert pipeline["validate"]["rules"][0]["if"].startswith('$CI_PIPELINE_SOURCE == "push"')


def run_step(command: str, project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Runs a recipe's shell step in the project, with `ocean` and `pytest` from this environment."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OCEAN__")} | env
    environ["PATH"] = f"{OCEAN.parent}{os.pathsep}{environ['PATH']}"
    return subprocess.run(
        ["bash", "-c", command],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=240,
    )


def test_the_push_steps_pass_in_the_generated_project(project: Path) -> None:
    for command in github_steps(project)["validate"][1:]:  # the install step is tested in tests/deploy
        head = shlex.split(command)[0]
        done = run_step(
            command if head != "pytest" else f"{sys.executable} -m pytest -p no:cacheprovider", project, {}
        )
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"


def test_the_scheduled_steps_sync_into_port_with_the_secrets(project: Path, harbor: Any) -> None:
    secrets = {
        "OCEAN__PORT__BASE_URL": harbor.url,
        "OCEAN__PORT__CLIENT_ID": harbor.client_id,
        "OCEAN__PORT__CLIENT_SECRET": harbor.client_secret,
        "OCEAN__INTEGRATION__CONFIG__API_TOKEN": "unused-by-the-example-client",
        "OCEAN__LOG_FORMAT": "plain",
    }
    for command in github_steps(project)["sync"][1:]:
        done = run_step(command, project, secrets)
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"

    assert len(harbor.entities(BLUEPRINT)) == 20  # 25 example items, every fifth archived
    assert not (project / ".ocean" / "harbor.db").exists()  # it went to the given Port, not a local one


def test_the_scheduled_steps_refuse_to_run_without_credentials(project: Path) -> None:
    guard = github_steps(project)["sync"][1]

    done = run_step(guard, project, {})

    assert done.returncode == 1
    assert "set the OCEAN__PORT__CLIENT_ID and OCEAN__PORT__CLIENT_SECRET secrets" in done.stdout
