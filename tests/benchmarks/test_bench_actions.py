"""``benchmarks/bench_actions.py`` runs end to end on a few runs and keeps its output contract.

Not a timing test: it checks that every run ended SUCCESS after one delivery, with 1 and 3
workers, and that the script ends with ``runs_per_s=<number>``. The reference is not run here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_actions.py"


def test_bench_actions_executes_every_run_once(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    done = subprocess.run(
        [sys.executable, str(BENCHMARK), "--runs", "8", "--workers", "1,3", "--call-seconds", "0",
         "--no-reference", "--json-out", str(results)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.fullmatch(r"runs_per_s=[\d.]+", done.stdout.strip().splitlines()[-1])
    records = [json.loads(line) for line in results.read_text().splitlines()]
    assert [(r["side"], r["workers"], r["runs"], r["succeeded_once"]) for r in records] == [
        ("ours", 1, 8, 8),
        ("ours", 3, 8, 8),
    ]
