"""``benchmarks/bench_webhooks.py`` runs end to end on a few events and keeps its output contract.

Not a timing test: it checks that every event was accepted and applied in order per key, and
that the script ends with ``events_per_s=<number>``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_webhooks.py"


def test_bench_webhooks_reports_every_event_accepted_and_applied_in_order(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    done = subprocess.run(
        [sys.executable, str(BENCHMARK), "--events", "40", "--keys", "4", "--latency-samples", "3",
         "--json-out", str(results)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.fullmatch(r"events_per_s=\d+", done.stdout.strip().splitlines()[-1])
    [record] = [json.loads(line) for line in results.read_text().splitlines()]
    assert record["benchmark"] == "webhooks"
    sent = record["throughput"]
    assert (sent["events"], sent["accepted_202"], sent["in_order_per_key"]) == (40, 40, True)
    assert (sent["lost"], sent["out_of_order_keys"]) == (0, 0)
    assert sent["accepted_to_catalog_p99_ms"] >= sent["accepted_to_catalog_p50_ms"] > 0
    assert record["latency"]["samples"] == 3
