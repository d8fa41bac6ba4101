"""``benchmarks/bench_mapping_hostile.py`` runs end to end and keeps its table's contract.

Only the cheapest input (an alias bomb, refused before it is built) and the Ctrl-C rows run
here; the jq budget rows take the budget's 10 s each and are the README's measured table.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_mapping_hostile.py"


def test_bench_mapping_hostile_reports_every_command_ending_with_its_error() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--only", "alias bomb in port-app-config.yml"],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line.split(" | ") for line in done.stdout.splitlines()[2:]]
    outcomes = {(row[0].lstrip("| "), row[1]): row[2] for row in rows}
    bomb = "alias bomb in port-app-config.yml"
    for command in ("ocean validate", "ocean map --kind service", "ocean sail --once"):
        assert outcomes[(bomb, f"`{command}`")] == "1", done.stdout
    assert "the YAML stands for more than 1,000,000 values" in done.stdout
    interrupted = [row for row in rows if row[0].startswith("| Ctrl-C")]
    assert [row[2] for row in interrupted] == ["130", "130"], done.stdout
