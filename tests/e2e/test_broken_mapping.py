"""``ocean sail --once`` with broken or hostile input: each broken resource fails alone, nothing is deleted.

Through the installed ``ocean`` script and the embedded harbor over HTTP:

* one resource's jq is invalid and five others are hostile (each used to hang sail with Ctrl-C
  ignored, abort it with SIGABRT or take gigabytes): the good resource still syncs, the broken
  ones upsert nothing, reconcile deletes nothing, the summary names each one and the exit code is 1;
* a YAML alias bomb in ``spec.yaml`` or ``port-app-config.yml`` stops the run before anything is
  written, with one message naming the file and the limit;
* Ctrl-C while jq loops ends sail promptly and leaves no jq worker behind.

Memory is checked on the process tree's peak RSS (``os.wait4``), never time.
"""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

OCEAN = str(Path(sys.executable).with_name("ocean"))
KINDS = ("repo", "syntax", "loop", "range", "reduce", "stack", "huge")
BLUEPRINTS = [
    {"identifier": blueprint, "title": blueprint,
     "schema": {"properties": {"language": {"type": "string"}, "stars": {"type": "number"}}}}
    for blueprint in KINDS
]  # fmt: skip
# Each broke `ocean sail` (issue 10): hung it with Ctrl-C ignored, aborted it (SIGABRT) or took 6 GB.
HOSTILE = {
    "syntax": ".language | ]",
    "loop": "def f: f; f",
    "range": "[range(1e12)]",
    "reduce": "reduce range(1e12) as $x (0; .+1)",
    "stack": "def f: 1 + f; f",
    "huge": '"a" * 1000000000',
}
BUDGET = {"OCEAN__JQ__TIMEOUT_SECONDS": "1", "OCEAN__JQ__MEMORY_MB": "128"}


def _resource(blueprint: str, **properties: str) -> dict[str, Any]:
    mappings = {"identifier": ".name", "title": ".name", "blueprint": f'"{blueprint}"',
                "properties": {"language": ".language", "stars": ".stars", **properties}}  # fmt: skip
    return {"kind": "repo", "selector": {"query": "true"}, "port": {"entity": {"mappings": mappings}}}


def _sail_measured(integration: Any, env: dict[str, str]) -> tuple[int, str, float]:
    """``ocean sail DIR --once``: exit code, output and the peak RSS (MB) of its process tree."""
    process = subprocess.Popen(
        [OCEAN, "sail", str(integration.root), "--once"],
        cwd=integration.elsewhere, env=integration.environ(env),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    output = process.stdout.read()  # until it exits (the pipe closes)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, output, usage.ru_maxrss / 1024  # the largest of sail and its jq worker


def _catalog(catalog: Any, integration: Any) -> dict[str, Any]:
    return {blueprint: catalog(integration.db, blueprint) for blueprint in KINDS}


def test_broken_and_hostile_resources_fail_alone_and_delete_nothing(integration: Any, catalog: Any) -> None:
    integration.write(".port/resources/blueprints.json", BLUEPRINTS)
    good = [_resource(blueprint) for blueprint in KINDS]
    integration.write(".port/resources/port-app-config.yml", {"resources": good})
    assert integration.sail_once().code == 0
    before = _catalog(catalog, integration)
    assert all(len(entities) == 3 for entities in before.values())

    broken = copy.deepcopy(good)
    for resource, blueprint in zip(broken[1:], KINDS[1:], strict=True):
        resource["port"]["entity"]["mappings"]["properties"]["stars"] = HOSTILE[blueprint]
    integration.write(".port/resources/port-app-config.yml", {"resources": broken})
    # One repo left (a reconcile would delete two per blueprint), now written in Rust.
    integration.write("data.json", {"repos": [{"name": "repo-0", "language": "rust", "stars": 7}]})

    code, output, peak_mb = _sail_measured(integration, BUDGET)

    assert code == 1, output
    assert "Traceback" not in output and "SIGABRT" not in output
    assert peak_mb < 400  # "a" * 1000000000 took 6 GB; the worker is capped at 128 MB over its start
    flat = " ".join(output.split())  # the summary wraps long lines
    for index, blueprint in enumerate(KINDS[1:], start=1):
        expression = HOSTILE[blueprint]
        described = "invalid jq expression" if blueprint == "syntax" else "jq expression"
        assert f"resources[{index}].port.entity.mappings.properties.stars: {described} {expression!r}" in flat
        assert f"✗ repo (resources[{index}])" in flat
    assert "Reconcile skipped: 6 kind(s) failed" in flat
    after = _catalog(catalog, integration)
    assert after["repo"]["repo-0"]["properties"]["language"] == "rust"  # the good resource synced
    assert set(after["repo"]) == {"repo-0", "repo-1", "repo-2"}  # kinds failed: nothing deleted
    for blueprint in KINDS[1:]:
        assert after[blueprint] == before[blueprint]  # the broken ones upserted and deleted nothing


def _alias_bomb(levels: int = 10) -> str:
    """Nine references per level: 9**levels values from a few hundred bytes."""
    lines = ['b0: &b0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_stops_sail_before_anything_is_written(integration: Any, catalog: Any) -> None:
    assert integration.sail_once().code == 0
    before = catalog(integration.db)
    integration.set_repos(1)  # a run that went ahead would delete two repos

    for relative in (".port/resources/port-app-config.yml", ".port/spec.yaml"):
        path = integration.root / relative
        original = path.read_text()
        path.write_text(original + _alias_bomb())

        code, output, peak_mb = _sail_measured(integration, {})

        path.write_text(original)
        assert code == 1, output
        assert f"{Path(relative).name}: the YAML stands for more than 1,000,000 values" in output
        assert "OCEAN__YAML_VALUE_LIMIT" in output and "Traceback" not in output
        assert peak_mb < 400  # the bomb stands for 3.5 billion values
        assert catalog(integration.db) == before


def test_ctrl_c_stops_sail_while_jq_loops(integration: Any, catalog: Any) -> None:
    assert integration.sail_once().code == 0
    before = catalog(integration.db)
    mapping = copy.deepcopy(integration.MAPPING)
    mapping["resources"][0]["port"]["entity"]["mappings"]["properties"]["stars"] = "def f: f; f"
    integration.write(".port/resources/port-app-config.yml", mapping)
    integration.set_repos(1)
    process = integration.start(
        "sail", str(integration.root), "--once", env={"OCEAN__JQ__TIMEOUT_SECONDS": "600"}
    )
    worker = _wait_for_child(process.pid, "jq_worker.py")
    _wait_for_cpu(worker, seconds=0.5)  # jq is spinning in the loop

    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)

    assert time.monotonic() - started < 30  # not the 600 s budget
    assert process.returncode == 130, output
    assert "interrupted" in output and "Traceback" not in output
    assert not Path(f"/proc/{worker}").exists() or _is_zombie(worker)
    assert catalog(integration.db) == before  # nothing written, nothing deleted


def _wait_for_child(parent: int, name: str, timeout: float = 90) -> int:
    """The pid of ``parent``'s child process whose command line holds ``name`` (Linux /proc)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            try:
                stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
                command = (entry / "cmdline").read_bytes() if stat else b""
            except OSError:
                continue
            if stat and int(stat.rsplit(")", 1)[1].split()[1]) == parent and name.encode() in command:
                return int(entry.name)
        time.sleep(0.1)
    raise AssertionError(f"no {name} child of {parent} after {timeout} s")


def _wait_for_cpu(pid: int, seconds: float, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fields = (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()
        if (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") >= seconds:
            return
        time.sleep(0.1)
    raise AssertionError(f"process {pid} did not use {seconds} s of CPU in {timeout} s")


def _is_zombie(pid: int) -> bool:
    try:
        return "zombie" in (Path(f"/proc/{pid}") / "status").read_text().lower()
    except OSError:
        return True
