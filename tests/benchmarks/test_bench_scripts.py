"""The benchmark scripts run end to end on tiny data and keep their output contract.

Not timing tests: they check that ``benchmarks/bench_mapping.py`` maps what it should and ends
with ``items_per_s=<number>``, and that ``benchmarks/bench_startup.py`` finds nothing heavy
imported by ``ocean --help`` or ``ocean version``. The reference is never run here (``--no-reference``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

CONFIG = """
resources:
  - kind: repository
    selector:
      query: '.archived == false'
    port:
      entity:
        mappings:
          identifier: .full_name
          title: .name
          blueprint: '"githubRepository"'
          properties:
            url: '"\\\\(.html_url)/tree/\\\\(.default_branch)"'
            popularity: 'if .stars >= 100 then "high" else "low" end'
            labels: '.topics | map("topic:" + .)'
            size: '[.topics[]] | length'
  - kind: repository
    selector:
      query: 'true'
    port:
      itemsToParse: .topics
      entity:
        mappings:
          identifier: '.full_name + ":" + .item'
          blueprint: '"githubRepositoryTopic"'
"""


def repository(i: int, *, archived: bool = False) -> dict[str, Any]:
    return {
        "full_name": f"acme/repo-{i}",
        "name": f"repo-{i}",
        "html_url": f"https://github.com/acme/repo-{i}",
        "default_branch": "main",
        "stars": i * 60,
        "topics": ["api", "go"][: i % 3],
        "archived": archived,
    }


ITEMS = [repository(i, archived=i == 3) for i in range(5)]


def run_script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / name), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "mapping.yml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_bench_mapping_maps_the_items_and_ends_with_the_contract_line(
    tmp_path: Path, config: Path, suffix: str
) -> None:
    data = tmp_path / f"items{suffix}"
    if suffix == ".jsonl":
        data.write_text("".join(json.dumps(item) + "\n" for item in ITEMS), encoding="utf-8")
    else:
        data.write_text(json.dumps(ITEMS), encoding="utf-8")
    results = tmp_path / "results.jsonl"
    done = run_script(
        "bench_mapping.py",
        "--data",
        str(data),
        "--config",
        str(config),
        "--resource",
        "0",
        "--repeat",
        "2",
        "--batch",
        "2",
        "--no-reference",
        "--json-out",
        str(results),
    )
    lines = done.stdout.strip().splitlines()
    assert re.fullmatch(r"items_per_s=\d+(\.\d+)?", lines[-1]), lines[-1]
    record = json.loads(results.read_text(encoding="utf-8"))
    ours = record["sides"]["ours"]
    assert record["items"] == 5 and len(ours["walls"]) == 2
    assert ours["entities"] == 4  # one archived repository is filtered out
    assert "reference" not in record["sides"]


def test_bench_mapping_counts_raw_items_with_items_to_parse(tmp_path: Path, config: Path) -> None:
    data = tmp_path / "items.json"
    data.write_text(json.dumps(ITEMS), encoding="utf-8")
    results = tmp_path / "results.jsonl"
    done = run_script(
        "bench_mapping.py",
        "--data",
        str(data),
        "--config",
        str(config),
        "--resource",
        "1",
        "--repeat",
        "1",
        "--no-reference",
        "--json-out",
        str(results),
    )
    assert done.stdout.strip().splitlines()[-1].startswith("items_per_s=")
    ours = json.loads(results.read_text(encoding="utf-8"))["sides"]["ours"]
    assert ours["items"] == 5
    assert ours["entities"] == sum(len(item["topics"]) for item in ITEMS)  # one per (repository, topic)


def test_bench_startup_finds_nothing_heavy_in_ocean_help() -> None:
    done = run_script("bench_startup.py", "--repeat", "1", "--no-reference", "--check")
    lines = done.stdout.strip().splitlines()
    assert "heavy imports at --help: none" in lines
    assert "heavy imports at version: none" in lines
    assert re.fullmatch(r"help_s=\d+\.\d+", lines[-1]), lines[-1]
