"""``benchmarks/bench_soak.py`` runs end to end for a few seconds and keeps its output contract.

Not a memory test (a real soak runs for an hour): it checks that every webhook sent was
accepted and applied, that RSS was sampled for both processes, and that the script ends with
``sail_rss_slope_mb_per_h=<number>``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_soak.py"


def test_bench_soak_reports_rss_slopes_and_every_event_applied(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    done = subprocess.run(
        [sys.executable, str(BENCHMARK), "--minutes", "0.25", "--rate", "8", "--people", "40",
         "--keys", "4", "--sample-seconds", "1", "--json-out", str(results)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.fullmatch(r"sail_rss_slope_mb_per_h=-?[\d.]+", done.stdout.strip().splitlines()[-1])
    [record] = [json.loads(line) for line in results.read_text().splitlines()]
    events = record["events"]
    assert events["sent"] == events["accepted_202"] == events["applied"] > 0
    assert events["failed"] == 0 and events["last_deployment_in_catalog"] is True
    assert len(record["samples"]["sail"]) >= 5 and len(record["samples"]["harbor"]) >= 5
    assert record["sail"]["max_mb"] >= record["sail"]["start_mb"] > 0
