"""``ocean map``: a resource's mapping on sample items, through the CLI entry point."""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ocean_cli.main import app

OCEAN = Path(sys.executable).with_name("ocean")
REPO = Path(__file__).resolve().parents[2]

CONFIG = """\
resources:
  - kind: service
    selector:
      query: '.active'
    port:
      entity:
        mappings:
          identifier: .id
          title: .name
          blueprint: '"service"'
          properties:
            url: .url
            tier: .tier | tostring
  - kind: team
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .slug
          blueprint: '"team"'
"""
ITEMS = [
    {"id": "svc-a", "name": "A", "active": True, "url": "https://a", "tier": 1},
    {"id": "svc-b", "name": "B", "active": False},
    {"id": "svc-c", "name": "C", "active": True},
    {"id": "svc-d", "name": "D", "active": "yes"},
]


@pytest.fixture
def integration(tmp_path: Path) -> Path:
    resources = tmp_path / "my-integration" / ".port" / "resources"
    resources.mkdir(parents=True)
    (resources / "port-app-config.yml").write_text(CONFIG)
    (tmp_path / "items.json").write_text(json.dumps(ITEMS))
    return tmp_path / "my-integration"


def ocean_map(*args: str) -> Any:
    return CliRunner().invoke(app, ["map", *args])


def test_json_output(integration: Path) -> None:
    result = ocean_map(
        str(integration),
        "--kind",
        "service",
        "--input",
        str(integration.parent / "items.json"),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert output["entities"] == [
        {
            "identifier": "svc-a",
            "title": "A",
            "blueprint": "service",
            "properties": {"url": "https://a", "tier": "1"},
        },
        {
            "identifier": "svc-c",
            "title": "C",
            "blueprint": "service",
            "properties": {"url": None, "tier": "null"},
        },
    ]
    assert output["filtered"] == 1
    assert output["misconfigured"] == {"properties.url": ".url"}
    assert len(output["errors"]) == 1 and output["errors"][0]["index"] == 3
    assert "'.active' must give true or false" in output["errors"][0]["message"]


def test_table_output(integration: Path) -> None:
    result = ocean_map(
        str(integration / ".port" / "resources" / "port-app-config.yml"),
        "--kind",
        "service",
        "--input",
        str(integration.parent / "items.json"),
    )
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "2 entities" in text and "svc-a" in text and "svc-c" in text and "svc-b" not in text
    assert "filtered by the selector: 1" in text
    assert "properties.url: .url" in text
    assert "item 3: selector '.active' must give true or false" in text


def test_resource_index_picks_the_resource(integration: Path) -> None:
    items = integration.parent / "teams.json"
    items.write_text(json.dumps([{"slug": "platform"}, {"slug": ""}]))
    result = ocean_map(
        str(integration), "--kind", "team", "--input", str(items), "--resource", "1", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["entities"] == [{"identifier": "platform", "blueprint": "team"}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "repo"], "no resource of kind 'repo' (kinds in the file: service, team)"),
        (["--kind", "service", "--resource", "5"], "--resource 5 does not exist: the file has 2 resources"),
        (["--kind", "service", "--resource", "1"], "resources[1] is of kind 'team', not 'service'"),
        (["--kind", "service", "--format", "yaml"], "--format must be table or json"),
    ],
)
def test_bad_arguments(integration: Path, args: list[str], message: str) -> None:
    result = ocean_map(str(integration), "--input", str(integration.parent / "items.json"), *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "input file not found"),
        ('[{"id": 1},\n  oops]', ":2: invalid JSON"),
        ('{"id": 1}', "expected a JSON list of raw items"),
    ],
)
def test_bad_input_file(integration: Path, content: str | None, message: str) -> None:
    items = integration.parent / "input.json"
    if content is not None:
        items.write_text(content)
    result = ocean_map(str(integration), "--kind", "service", "--input", str(items))
    assert result.exit_code == 1
    assert message in result.stderr and result.stderr.startswith("error: ")


def test_invalid_jq_maps_the_other_fields_and_names_the_broken_one(integration: Path) -> None:
    config = integration / ".port" / "resources" / "port-app-config.yml"
    config.write_text(CONFIG.replace("url: .url", "url: .url."))
    result = ocean_map(
        str(integration),
        "--kind",
        "service",
        "--input",
        str(integration.parent / "items.json"),
        "--format",
        "json",
    )
    assert result.exit_code == 1
    assert [e["properties"] for e in json.loads(result.stdout)["entities"]] == [
        {"url": None, "tier": "1"},
        {"url": None, "tier": "null"},
    ]
    assert result.stderr.startswith(
        f"error: {config}: resources[0].port.entity.mappings.properties.url: invalid jq expression '.url.'"
    )
    assert "Traceback" not in result.output


HOSTILE = {  # each hung the mapping, aborted the process or took 6 GB (issue 10)
    "huge": '"a" * 1000000000',
    "stack": "def f: 1 + f; f",
    "loop": "def f: f; f",
    "range": "[range(1e12)]",
    "reduce": "reduce range(1e12) as $x (0; .+1)",
}


def test_hostile_expressions_are_stopped_and_named(integration: Path, tmp_path: Path) -> None:
    """Each would hang, abort the process or take gigabytes; each is stopped within its budget."""
    config = integration / ".port" / "resources" / "port-app-config.yml"
    hostile = "\n".join(f"            {key}: '{expression}'" for key, expression in HOSTILE.items())
    config.write_text(
        CONFIG.replace("            tier: .tier | tostring", f"            tier: .tier | tostring\n{hostile}")
    )
    items = integration.parent / "items.json"
    env = {**os.environ, "OCEAN__JQ__TIMEOUT_SECONDS": "1", "OCEAN__JQ__MEMORY_MB": "128"}

    # 1 GB of address space for ocean (the worker caps itself lower): jq builds "a" * 1000000000
    # while compiling it, which once took 2 GB of the ocean process itself.
    done = subprocess.run(
        [str(OCEAN), "map", str(integration), "--kind", "service", "--input", str(items), "--format", "json"],
        capture_output=True, text=True, timeout=120, check=False, env=env,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3)),
    )  # fmt: skip

    assert done.returncode == 1, done.stderr
    entities = json.loads(done.stdout)["entities"]
    assert [(e["identifier"], e["properties"]["url"]) for e in entities] == [
        ("svc-a", "https://a"),
        ("svc-c", None),
    ]
    assert all(e["properties"][key] is None for e in entities for key in HOSTILE)
    errors = done.stderr.splitlines()
    assert len(errors) == len(HOSTILE) and "Traceback" not in done.stderr
    for key, expression in HOSTILE.items():
        line = next(line for line in errors if f"mappings.properties.{key}:" in line)
        assert f"jq expression {expression!r} " in line
        assert "OCEAN__JQ__TIMEOUT_SECONDS" in line or "OCEAN__JQ__MEMORY_MB" in line

    # ocean validate compiles every expression (it runs none): the constant jq would fold is named.
    checked = subprocess.run(
        [str(OCEAN), "validate", str(integration)], capture_output=True, text=True, timeout=120, check=False,
        env=env, preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3)),
    )  # fmt: skip
    assert checked.returncode == 1 and "Traceback" not in checked.stdout + checked.stderr
    report = " ".join(checked.stdout.split())
    assert "resources[0].port.entity.mappings.properties.huge" in report
    assert "needed more than 128 MB, its memory budget (OCEAN__JQ__MEMORY_MB)" in report


def test_ctrl_c_stops_a_mapping_waiting_on_jq(integration: Path) -> None:
    config = integration / ".port" / "resources" / "port-app-config.yml"
    config.write_text(CONFIG.replace("url: .url", "url: 'def f: f; f'"))
    items = integration.parent / "items.json"
    env = {**os.environ, "OCEAN__JQ__TIMEOUT_SECONDS": "600"}
    process = subprocess.Popen(
        [str(OCEAN), "map", str(integration), "--kind", "service", "--input", str(items)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    worker = _wait_for_child(process.pid, "jq_worker.py")  # waiting on the looping expression
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - started < 10
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not Path(f"/proc/{worker}").exists() or "zombie" in _status(worker)  # the worker is gone


def _wait_for_child(parent: int, name: str, timeout: float = 60) -> int:
    """The pid of ``parent``'s child process whose command line holds ``name`` (Linux /proc)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent and name.encode() in command:
                return int(entry.name)
        time.sleep(0.1)
    raise AssertionError(f"no {name} child of {parent} after {timeout} s")


def _status(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}") / "status").read_text().lower()
    except OSError:
        return "zombie"


def test_folder_without_a_config(tmp_path: Path) -> None:
    (tmp_path / "items.json").write_text("[]")
    result = ocean_map(str(tmp_path), "--kind", "x", "--input", str(tmp_path / "items.json"))
    assert result.exit_code == 1 and "no port-app-config in" in result.stderr


def test_installed_console_script(integration: Path) -> None:
    done = subprocess.run(
        [
            str(OCEAN),
            "map",
            str(integration),
            "--kind",
            "service",
            "--input",
            str(integration.parent / "items.json"),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [e["identifier"] for e in json.loads(done.stdout)["entities"]] == ["svc-a", "svc-c"]


# --- the reference's output on the shared benchmark mapping ------------------------------------


def _anchor(skip_or_fail: Callable[[str], None]) -> tuple[Path, Path]:
    directory = Path(os.environ.get("OCEAN_ANCHOR_DIR") or REPO.parent / "shared" / "anchor")
    venv = Path(os.environ.get("ANCHOR_VENV") or Path.home() / ".cache" / "ocean-anchor" / "venv")
    python = venv / "bin" / "python"
    if not (directory / "anchor_map.py").is_file() or not python.is_file():
        skip_or_fail("reference implementation not available")
    return directory, python


@pytest.mark.parametrize("resource", [0, 1])
def test_ocean_map_equals_the_reference_on_the_benchmark_mapping(
    tmp_path: Path, resource: int, skip_or_fail: Callable[[str], None]
) -> None:
    anchor, python = _anchor(skip_or_fail)
    spec = importlib.util.spec_from_file_location("anchor_gen_data_cli", anchor / "gen_data.py")
    assert spec and spec.loader
    gen_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_data)
    items = tmp_path / "repos.json"
    items.write_text(json.dumps([gen_data.make_item(i) for i in range(120)]))
    config = anchor / "mapping.yml"

    reference = subprocess.run(
        [str(python), str(anchor / "anchor_map.py"), str(config), str(items), "--resource", str(resource)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert reference.returncode == 0, reference.stderr[-2000:]
    theirs = json.loads(reference.stdout)
    result = ocean_map(
        str(config),
        "--kind",
        "repository",
        "--input",
        str(items),
        "--resource",
        str(resource),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    ours = json.loads(result.stdout)

    assert len(ours["entities"]) > 100
    assert [json.dumps(e, sort_keys=True) for e in ours["entities"]] == [
        json.dumps(e, sort_keys=True) for e in theirs["entities"]
    ]
    assert ours["misconfigured"] == theirs["misconfigured"]
    assert len(ours["errors"]) == theirs["errors"] == 0
