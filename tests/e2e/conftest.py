"""End-to-end helpers: a small integration on disk and the real ``ocean`` console script.

Every run goes through the installed entry point in a subprocess, from a working directory
that is *not* the integration folder, with an environment stripped of ``OCEAN__*`` variables
from the developer's shell.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

OCEAN = str(Path(sys.executable).with_name("ocean"))

MAIN = """
import asyncio
import json
from pathlib import Path

from ocean_runtime import ocean

DATA = Path(__file__).with_name("data.json")


@ocean.on_resync("repo")
async def repos(kind):
    data = json.loads(DATA.read_text())
    if data.get("slow"):
        print("slow handler started", flush=True)
        await asyncio.sleep(120)
    for start in range(0, len(data["repos"]), 2):
        if start and data.get("fail"):
            raise RuntimeError("the repos API broke")
        yield data["repos"][start : start + 2]
"""
BLUEPRINTS = [
    {"identifier": "repo", "title": "Repository",
     "schema": {"properties": {"language": {"type": "string"}, "stars": {"type": "number"}}}},
]  # fmt: skip
MAPPING = {
    "entityDeletionThreshold": 0.9,
    "resources": [{
        "kind": "repo",
        "selector": {"query": "true"},
        "port": {"entity": {"mappings": {
            "identifier": ".name", "title": ".name", "blueprint": '"repo"',
            "properties": {"language": ".language", "stars": ".stars"}}}},
    }],
}  # fmt: skip
SPEC = {
    "title": "Repos",
    "configurations": [{"name": "org", "type": "string", "required": True, "description": "The org"}],
}


def repos(count: int) -> list[dict[str, Any]]:
    return [{"name": f"repo-{i}", "language": "python", "stars": i} for i in range(count)]


@dataclass
class Result:
    """A finished ``ocean`` process."""

    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]


class Integration:
    """An integration folder written by a test, and ``ocean`` runs on it."""

    MAPPING = MAPPING
    SPEC = SPEC

    def __init__(self, root: Path, elsewhere: Path) -> None:
        self.root = root
        self.elsewhere = elsewhere
        self.env = {"OCEAN__INTEGRATION__CONFIG__ORG": "acme"}

    @property
    def db(self) -> Path:
        return self.root / ".ocean" / "harbor.db"

    def write(self, relative: str, content: Any) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content)
        elif path.suffix == ".json":
            path.write_text(json.dumps(content, indent=2))
        else:
            path.write_text(yaml.safe_dump(content, sort_keys=False))

    def set_repos(self, count: int, *, fail: bool = False, slow: bool = False) -> None:
        self.write("data.json", {"repos": repos(count), "fail": fail, "slow": slow})

    def environ(self, env: dict[str, str] | None = None) -> dict[str, str]:
        environ = {key: value for key, value in os.environ.items() if not key.startswith("OCEAN__")}
        environ.update(self.env)
        environ.update(env or {})
        return environ

    def ocean(self, *args: str, env: dict[str, str] | None = None, timeout: float = 180) -> Result:
        process = subprocess.run(
            [OCEAN, *args],
            cwd=self.elsewhere,
            env=self.environ(env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Result(process.returncode, process.stdout, process.stderr)

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """``ocean ARGS`` in the background; stdout and stderr merged, line-buffered text."""
        return subprocess.Popen(
            [OCEAN, *args],
            cwd=self.elsewhere,
            env={**self.environ(env), "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )

    def sail_once(self, env: dict[str, str] | None = None) -> Result:
        return self.ocean("sail", str(self.root), "--once", env=env)


@pytest.fixture
def integration(tmp_path: Path) -> Integration:
    """A working integration (3 repos) and a cwd elsewhere."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = Integration(tmp_path / "repos", elsewhere)
    result.write("pyproject.toml", '[project]\nname = "repos"\nversion = "0.2.0"\n')
    result.write("main.py", MAIN)
    result.write(".port/spec.yaml", SPEC)
    result.write(".port/resources/blueprints.json", BLUEPRINTS)
    result.write(".port/resources/port-app-config.yml", MAPPING)
    result.set_repos(3)
    return result


@pytest.fixture
def catalog() -> Any:
    """Read a harbor database over HTTP: ``catalog(db)`` → ``{blueprint: {identifier: entity}}``."""
    from ocean_harbor.testing import RunningHarbor

    def read(db: Path, blueprint: str = "repo") -> dict[str, dict[str, Any]]:
        with RunningHarbor(db) as harbor:
            return {entity["identifier"]: entity for entity in harbor.entities(blueprint)}

    return read
