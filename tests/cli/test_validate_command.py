"""`ocean validate` through the Typer app: output formats, --strict and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ocean_cli.main import app

REFERENCE = Path(__file__).parents[1] / "fixtures" / "reference_integrations"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command reads OCEAN__* from the environment: keep the caller's out of the tests."""
    import os

    for name in list(os.environ):
        if name.upper().startswith("OCEAN__"):
            monkeypatch.delenv(name)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["validate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_clean_integration_prints_valid_and_exits_0() -> None:
    code, out, _ = run(str(REFERENCE / "github"))

    assert code == 0
    lines = out.strip().splitlines()
    assert lines[-1] == "✓ valid (1 warning)"
    assert lines[0].split()[:2] == ["warning", ".port/resources/port-app-config.yml:34"]
    assert "resources[1].port.entity.mappings.properties.readme" in lines[0]


def test_integration_without_findings(tmp_path: Path) -> None:
    (tmp_path / ".port/resources").mkdir(parents=True)
    (tmp_path / ".port/spec.yaml").write_text("features: [{resources: [{kind: thing}]}]\n")

    code, out, _ = run(str(tmp_path))

    assert (code, out.strip()) == (0, "✓ valid")


def test_strict_fails_on_warnings(tmp_path: Path) -> None:
    folder = tmp_path / "github"
    shutil.copytree(REFERENCE / "github", folder)
    (folder / ".env").write_text(
        "OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN=t0ken\nOCEAN__INTEGRATION__CONFIG__GITHUB_ORGANIZATION=acme\n"
    )

    code, out, _ = run(str(folder), "--strict")

    assert code == 1
    assert out.strip().splitlines()[-1] == "0 errors, 1 warning (--strict)"


def test_strict_without_any_configuration_names_each_missing_required_one() -> None:
    code, out, _ = run(str(REFERENCE / "github"), "--strict")

    assert code == 1
    errors = [line for line in out.splitlines() if line.startswith("error")]
    assert len(errors) == 2, out
    assert "required configuration 'personalAccessToken' has no value — --strict, and no config.yaml" in out
    assert "set OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN" in out
    assert out.strip().splitlines()[-1] == "2 errors, 1 warning"


def test_errors_exit_1_with_one_line_each(tmp_path: Path) -> None:
    folder = tmp_path / "jira"
    shutil.copytree(REFERENCE / "jira", folder)
    mapping = folder / ".port/resources/port-app-config.yaml"
    mapping.write_text(mapping.read_text().replace("title: .fields.summary", "title: .fields.summary |"))

    code, out, _ = run(str(folder))

    assert code == 1
    lines = out.strip().splitlines()
    error_lines = [line for line in lines if line.startswith("error")]
    assert len(error_lines) == 1
    expected_line = next(
        n for n, line in enumerate(mapping.read_text().splitlines(), 1) if "summary |" in line
    )
    assert error_lines[0].startswith(
        f"error    .port/resources/port-app-config.yaml:{expected_line}"
        "  resources[1].port.entity.mappings.title  jq error in"
    )
    assert lines[-1] == "1 error, 1 warning"


def test_json_format_prints_only_the_findings(tmp_path: Path) -> None:
    folder = tmp_path / "pagerduty"
    shutil.copytree(REFERENCE / "pagerduty", folder)
    blueprints = folder / ".port/resources/blueprints.json"
    blueprints.write_text(blueprints.read_text().replace('"format": "user"', '"format": "person"', 1))

    code, out, _ = run(str(folder), "--format", "json")

    assert code == 1
    findings = json.loads(out)
    assert all(set(f) == {"severity", "file", "location", "line", "message"} for f in findings)
    [error] = [f for f in findings if f["severity"] == "error" and f["file"].endswith("blueprints.json")]
    assert error["file"] == ".port/resources/blueprints.json"
    assert error["location"] == "[0].schema.properties.oncall.format"
    lines = blueprints.read_text().splitlines()
    assert error["line"] == next(n for n, line in enumerate(lines, 1) if '"person"' in line)
    assert sum(f["severity"] == "warning" for f in findings) == 3


def test_json_format_of_a_clean_folder_is_an_empty_list(tmp_path: Path) -> None:
    (tmp_path / ".port").mkdir()
    (tmp_path / ".port/spec.yaml").write_text("features: [{resources: [{kind: thing}]}]\n")

    code, out, _ = run(str(tmp_path), "--format", "json")

    assert (code, json.loads(out)) == (0, [])


def test_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    code, out, err = run(str(tmp_path / "nope"))

    assert code == 1
    assert out == ""
    assert (
        err.strip() == f"error: {tmp_path / 'nope'}: no such folder — give the path of an integration folder"
    )


def test_folder_without_port_is_one_clear_error(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path))

    assert code == 1
    assert "has no .port/ folder" in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path), "--format", "xml")

    assert code == 1
    assert "--format must be text or json" in err


def test_default_directory_is_the_current_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REFERENCE / "jira")

    code, out, _ = run()

    assert code == 0
    assert "resources[1].selector.jql" in out


def test_console_script_in_a_subprocess(tmp_path: Path) -> None:
    import subprocess
    import sys

    ocean = Path(sys.executable).parent / "ocean"
    if not ocean.exists():
        pytest.skip("the ocean console script is not installed next to this Python")
    folder = tmp_path / "jira"
    shutil.copytree(REFERENCE / "jira", folder)
    spec = folder / ".port/spec.yaml"
    spec.write_text(spec.read_text().replace("    type: url\n", "    type: link\n", 1))

    result = subprocess.run(
        [str(ocean), "validate", "jira", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=60,
    )

    assert result.returncode == 1, result.stderr
    [error] = [f for f in json.loads(result.stdout) if f["severity"] == "error"]
    assert (error["file"], error["location"], error["line"]) == (
        ".port/spec.yaml",
        "configurations[0].type",
        13,
    )
    assert error["message"].startswith('"link" is not allowed; expected one of string, integer, number')


CUSTOM_SELECTOR_MAPPING = """resources:
  - kind: thing
    selector:
      query: 'true'
      includeArchived: true
    port:
      entity:
        mappings:
          identifier: .id
          blueprint: '"thing"'
"""

CUSTOM_SELECTOR_INTEGRATION = """
from typing import Literal

from pydantic import Field

from ocean_runtime import PortAppConfig, ResourceConfig, Selector


class ThingSelector(Selector):
    include_archived: bool = Field(default=False, alias="includeArchived")


class ThingResource(ResourceConfig):
    kind: Literal["thing"]
    selector: ThingSelector


class ThingConfig(PortAppConfig):
    resources: list[ThingResource]
"""


def _custom_selector_folder(tmp_path: Path, integration_py: str) -> Path:
    (tmp_path / ".port/resources").mkdir(parents=True)
    (tmp_path / ".port/spec.yaml").write_text("features: [{resources: [{kind: thing}]}]\n")
    (tmp_path / ".port/resources/port-app-config.yml").write_text(CUSTOM_SELECTOR_MAPPING)
    (tmp_path / ".port/resources/blueprints.json").write_text(
        '[{"identifier": "thing", "title": "Thing", "schema": {"properties": {}}, "relations": {}}]'
    )
    (tmp_path / "integration.py").write_text(integration_py)
    return tmp_path


def test_selector_keys_declared_by_integration_py_are_known(tmp_path: Path) -> None:
    code, out, _ = run(str(_custom_selector_folder(tmp_path, CUSTOM_SELECTOR_INTEGRATION)), "--strict")

    assert (code, out.strip()) == (0, "✓ valid")


def test_an_integration_py_that_cannot_be_imported_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    folder = _custom_selector_folder(tmp_path, "from a_framework_not_installed.context import ocean\n")

    code, out, _ = run(str(folder))

    assert code == 0
    assert "integration.py" in out and "not imported" in out
    assert "'includeArchived' is not a selector key (the base Selector does not declare it)" in out
