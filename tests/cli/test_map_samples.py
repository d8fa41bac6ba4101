"""``ocean map DIR`` without ``--input``: the sample items an integration ships (``.port/examples``)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ocean_cli.main import app

OCEAN = Path(sys.executable).with_name("ocean")
REPO = Path(__file__).resolve().parents[2]
FAKE = REPO / "integrations" / "fake"

CONFIG = """\
resources:
  - kind: service
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .id
          blueprint: '"service"'
  - kind: team
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .slug
          blueprint: '"team"'
"""


def ocean_map(*args: str) -> Any:
    return CliRunner().invoke(app, ["map", *args])


@pytest.fixture
def integration(tmp_path: Path) -> Path:
    folder = tmp_path / "my-integration"
    (folder / ".port" / "resources").mkdir(parents=True)
    (folder / ".port" / "resources" / "port-app-config.yml").write_text(CONFIG)
    services = folder / ".port" / "examples" / "service"
    services.mkdir(parents=True)
    (services / "a.json").write_text(json.dumps({"id": "svc-a"}))
    (services / "b.json").write_text(json.dumps([{"id": "svc-b"}, {"id": "svc-c"}]))  # a list adds each
    return folder


def test_the_fake_integration_maps_its_own_samples() -> None:
    """The line at the top of the fake's port-app-config holds, through the installed entry point."""
    assert "`ocean map integrations/fake`" in (FAKE / ".port/resources/port-app-config.yml").read_text()
    done = subprocess.run(
        [str(OCEAN), "map", str(FAKE), "--format", "json"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    runs = json.loads(done.stdout)
    assert [(run["kind"], run["resource"]) for run in runs] == [
        ("department", 0),
        ("department", 1),
        ("service", 2),
    ]
    assert [e["identifier"] for e in runs[0]["entities"]] == ["payments", "platform"]
    assert len(runs[1]["entities"]) == 40 and runs[1]["entities"][0]["relations"] == {
        "department": "payments"
    }
    assert {e["blueprint"] for e in runs[2]["entities"]} == {"fakeService"}
    assert all(not run["errors"] and not run["misconfigured"] for run in runs[:2])


def test_the_fake_samples_are_what_the_fake_produces() -> None:
    """The shipped samples are records of the default organisation, so they cannot drift from it."""
    spec = importlib.util.spec_from_file_location("fake_org_samples", FAKE / "fake_org.py")
    assert spec and spec.loader
    fake_org = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = fake_org  # dataclasses look their module up while the class is built
    spec.loader.exec_module(fake_org)
    shape = fake_org.OrgShape()
    expected = {
        "department": {d["id"]: d for d in fake_org.departments(shape)},
        "service": {s["id"]: s for s in fake_org.services(shape)},
    }
    for kind, records in expected.items():
        files = sorted((FAKE / ".port" / "examples" / kind).glob("*.json"))
        assert files, kind
        for path in files:
            assert json.loads(path.read_text()) == records[path.stem], path


def test_one_kind_from_the_samples_keeps_the_single_result_shape(integration: Path) -> None:
    result = ocean_map(str(integration), "--kind", "service", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [e["identifier"] for e in json.loads(result.stdout)["entities"]] == ["svc-a", "svc-b", "svc-c"]


def test_a_config_file_inside_an_integration_finds_its_samples(integration: Path) -> None:
    result = ocean_map(str(integration / ".port" / "resources" / "port-app-config.yml"))
    assert result.exit_code == 0, result.output
    assert "3 entities — kind 'service' (resources[0])" in result.stdout
    assert "team" not in result.stdout  # no samples for it: not run


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "team"], "no sample items for kind 'team' in"),
        (["--input", "items.json"], "--kind is required with --input"),
    ],
)
def test_missing_samples_and_arguments(integration: Path, args: list[str], message: str) -> None:
    result = ocean_map(str(integration), *args)
    assert result.exit_code == 1 and message in result.stderr, result.output
    assert "Traceback" not in result.output


def test_a_folder_without_samples_says_where_to_put_them(tmp_path: Path) -> None:
    (tmp_path / ".port" / "resources").mkdir(parents=True)
    (tmp_path / ".port" / "resources" / "port-app-config.yml").write_text(CONFIG)
    result = ocean_map(str(tmp_path))
    assert result.exit_code == 1
    assert "no sample items in" in result.stderr and "pass --input ITEMS.json" in result.stderr


def test_a_broken_sample_is_named(integration: Path) -> None:
    broken = integration / ".port" / "examples" / "service" / "c.json"
    broken.write_text('{"id": ')
    result = ocean_map(str(integration), "--kind", "service")
    assert result.exit_code == 1 and f"{broken}:1: invalid JSON" in result.stderr


def test_a_loose_config_file_needs_input(tmp_path: Path) -> None:
    config = tmp_path / "mapping.yml"
    config.write_text(CONFIG)
    result = ocean_map(str(config), "--kind", "service")
    assert result.exit_code == 1 and "--input is required when mapping a config file" in result.stderr


@pytest.mark.parametrize("name", ["fake", "github", "http", "kafka"])
def test_every_integration_previews_its_mapping_on_the_samples_it_ships(name: str) -> None:
    """``ocean map integrations/NAME`` (the line in each mapping's header) maps every kind."""
    folder = REPO / "integrations" / name
    config = (folder / ".port" / "resources" / "port-app-config.yml").read_text()
    assert f"ocean map integrations/{name}`" in config
    result = ocean_map(str(folder), "--format", "json")
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)
    kinds = {
        line.split("kind:")[1].strip() for line in config.splitlines() if line.strip().startswith("- kind:")
    }
    assert {run["kind"] for run in runs} == kinds  # a sample for every kind the mapping reads
    for run in runs:
        assert run["entities"] and not run["errors"], (run["kind"], run["errors"])


def test_the_github_samples_are_the_test_fixtures_as_the_client_tags_them() -> None:
    fixtures = REPO / "integrations" / "github" / "tests" / "fixtures"
    examples = REPO / "integrations" / "github" / ".port" / "examples"
    by_kind = {
        "repository": json.loads((fixtures / "repos.json").read_text()),
        "team": json.loads((fixtures / "teams.json").read_text()),
        **{
            kind: [item for items in json.loads((fixtures / name).read_text()).values() for item in items]
            for kind, name in (("pull-request", "pulls.json"), ("issue", "issues.json"),
                               ("workflow", "workflows.json"), ("workflow-run", "workflow_runs.json"))
        },
    }  # fmt: skip
    for kind, items in by_kind.items():
        for path in sorted((examples / kind).glob("*.json")):
            sample = json.loads(path.read_text())
            untagged = {key: value for key, value in sample.items() if key != "__repository"}
            assert untagged in items, path
            if kind not in ("repository", "team"):
                assert sample["__repository"] == "acme/checkout", path
