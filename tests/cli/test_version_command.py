"""``ocean version``: the installed distribution's version, long and short."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ocean_cli.main import app

OCEAN = Path(sys.executable).with_name("ocean")
# Packages that would make start-up slow; issue 4: ``ocean version`` imports none of them.
HEAVY = {
    "ocean_runtime",
    "ocean_harbor",
    "httpx",
    "pydantic",
    "pydantic_core",
    "jq",
    "starlette",
    "uvicorn",
    "yaml",
}


def test_version_names_ocean_and_the_installed_version() -> None:
    done = subprocess.run([str(OCEAN), "version"], capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert "Ocean" in line
    assert line.endswith(version("ocean-sail"))


def test_short_version_is_only_the_number() -> None:
    for flag in ("--short", "-s"):
        done = subprocess.run([str(OCEAN), "version", flag], capture_output=True, text=True, timeout=60)

        assert done.returncode == 0, done.stderr
        assert done.stdout == version("ocean-sail") + "\n"
        assert re.fullmatch(r"\d+\.\d+\.\d+\S*\n", done.stdout)


def test_version_through_the_typer_app() -> None:
    result = CliRunner().invoke(app, ["version", "--short"])

    assert result.exit_code == 0
    assert result.stdout.strip() == version("ocean-sail")


def test_version_rejects_unknown_options() -> None:
    result = CliRunner().invoke(app, ["version", "--long"])

    assert result.exit_code == 2
    assert "--long" in result.output


@pytest.mark.parametrize("args", [["version"], ["version", "--short"]])
def test_version_imports_nothing_heavy(args: list[str]) -> None:
    # The console script itself, run by this interpreter so ``-X importtime`` applies.
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(OCEAN), *args], capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(version("ocean-sail"))
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    imported = {line.rsplit("|", 1)[-1].strip() for line in lines}
    assert "typer" in imported  # the importtime output was read
    assert {module.split(".")[0] for module in imported} & HEAVY == set()
