"""Files Ocean reads are bounded: a YAML alias bomb or an oversized file is one clear error, fast.

Through the installed ``ocean`` script, with the process's address space capped at 2 GB so a
regression fails here instead of taking the machine's memory (the bomb below stands for ~3.5
billion values; reading it naively took ``ocean validate`` past 12 GB).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

OCEAN = Path(sys.executable).with_name("ocean")
REFERENCE = Path(__file__).parents[1] / "fixtures" / "reference_integrations" / "github"
ADDRESS_SPACE = 2 * 1024**3


def alias_bomb(levels: int = 10) -> str:
    """Nine references per level: 9**levels values from a few hundred bytes."""
    lines = ['b0: &b0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def ocean(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, float]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("OCEAN__")}
    started = time.monotonic()
    done = subprocess.run(
        [str(OCEAN), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**environ, **(env or {})},
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE)),
        check=False,
    )
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "github"
    shutil.copytree(REFERENCE, target)
    return target


@pytest.mark.parametrize(
    ("relative", "prefix"),
    [
        (".port/spec.yaml", (REFERENCE / ".port/spec.yaml").read_text()),
        (
            ".port/resources/port-app-config.yml",
            (REFERENCE / ".port/resources/port-app-config.yml").read_text(),
        ),
        ("config.yaml", ""),
    ],
)
def test_a_yaml_alias_bomb_is_refused_quickly(folder: Path, relative: str, prefix: str) -> None:
    (folder / relative).write_text(prefix + alias_bomb())

    code, output, seconds = ocean("validate", str(folder))

    assert code == 1, output
    assert "more than 1,000,000 values once its aliases" in output and "OCEAN__YAML_VALUE_LIMIT" in output
    assert Path(relative).name in output
    assert "Traceback" not in output and "MemoryError" not in output
    assert seconds < 60


def test_ocean_map_refuses_a_bomb_in_the_mapping(tmp_path: Path) -> None:
    config = tmp_path / "port-app-config.yml"
    config.write_text(alias_bomb() + "resources: []\n")
    items = tmp_path / "items.json"
    items.write_text("[]")

    code, output, _ = ocean("map", str(config), "--kind", "x", "--input", str(items))

    assert code == 1 and f"{config}: the YAML stands for more than 1,000,000 values" in output


def test_a_file_over_the_size_limit_is_refused_unread(folder: Path) -> None:
    blueprints = folder / ".port/resources/blueprints.json"
    filler = [{"identifier": f"b{i}", "title": "x" * 1000, "schema": {"properties": {}}} for i in range(2000)]
    blueprints.write_text(json.dumps(filler))  # ~2 MB

    code, output, _ = ocean("validate", str(folder), env={"OCEAN__FILE_SIZE_LIMIT_MB": "1"})

    assert code == 1, output
    assert "blueprints.json" in output and "the file is larger than 1 MB" in output
    assert "OCEAN__FILE_SIZE_LIMIT_MB" in output
