"""The benchmark data generator and mapping shipped in ``benchmarks/`` are the anchor's.

The README's reproduce commands use ``benchmarks/gen_data.py`` and ``benchmarks/mapping.yml``
so they work from a plain clone; the reference is measured with the anchor's own copies, so
the two must stay identical for the side-by-side numbers to be taken on the same data.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BENCHMARKS = REPO / "benchmarks"


def anchor_dir() -> Path:
    directory = Path(os.environ.get("OCEAN_ANCHOR_DIR") or REPO.parent / "shared" / "anchor")
    if not (directory / "gen_data.py").is_file():
        pytest.skip(f"the anchor scripts are not at {directory} (../shared is absent)")
    return directory


@pytest.mark.parametrize("name", ["items.json", "items.jsonl"])
def test_gen_data_writes_the_anchors_bytes(tmp_path: Path, name: str) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    for script, folder in ((BENCHMARKS / "gen_data.py", ours), (anchor_dir() / "gen_data.py", theirs)):
        subprocess.run(
            [sys.executable, str(script), "120", str(folder / name)], check=True, capture_output=True
        )
    assert (ours / name).read_bytes() == (theirs / name).read_bytes()


def test_gen_data_is_deterministic_and_prefix_stable(tmp_path: Path) -> None:
    for size in (5, 9):
        subprocess.run(
            [sys.executable, str(BENCHMARKS / "gen_data.py"), str(size), str(tmp_path / f"{size}.jsonl")],
            check=True, capture_output=True,
        )  # fmt: skip
    small = (tmp_path / "5.jsonl").read_text().splitlines()
    big = (tmp_path / "9.jsonl").read_text().splitlines()
    assert len(small) == 5 and big[:5] == small


def test_mapping_is_the_anchors() -> None:
    ours = yaml.safe_load((BENCHMARKS / "mapping.yml").read_text())
    assert ours == yaml.safe_load((anchor_dir() / "mapping.yml").read_text())
