"""The per-integration table of the closing note, from a probe run and a unit-test run.

    python -m tests.compat.corpus.probe DIR... > probe.jsonl        (corpus venv)
    python tests/compat/corpus/unit_tests.py --json unit.json
    python -m tests.compat.corpus.report probe.jsonl unit.json      (prints Markdown)

Resync and webhook columns come from the cases the tests run (``cases.py``, ``webhooks.py``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.compat.corpus.cases import CASES
from tests.compat.corpus.webhooks import WEBHOOK_CASES


def table(probes: list[dict[str, Any]], units: list[dict[str, Any]]) -> str:
    unit_by_name = {u["name"]: u for u in units}
    resyncs = {case.name for case in CASES}
    webhooks = {w.case.name for w in WEBHOOK_CASES}
    lines = [
        "| integration | imports | config class | mapping | resync | webhook | own tests | validate |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for probe in sorted(probes, key=lambda p: p["name"]):
        name = probe["name"]
        unit = unit_by_name.get(name)
        ran = 0 if unit is None else unit["passed"] + unit["failed"] + unit["errors"]
        tests = "—" if unit is None else f"{unit['passed']}/{ran}"
        errors = probe.get("validate_errors", [])
        validate = "✓" if not errors else f"{len(errors)} real defect(s)"
        lines.append(
            f"| {name} | {_mark(probe.get('imports'))} | {probe.get('config_class') or '—'} "
            f"| {_mark(probe.get('mapping'))} | {_mark(name in resyncs)} | {_mark(name in webhooks)} "
            f"| {tests} | {validate} |"
        )
    return "\n".join(lines)


def _mark(value: Any) -> str:
    return "✓" if value else "—"


if __name__ == "__main__":
    lines = Path(sys.argv[1]).read_text().splitlines()
    probe_rows = [json.loads(line) for line in lines if line.startswith("{")]
    unit_rows = json.loads(Path(sys.argv[2]).read_text()) if len(sys.argv) > 2 else []
    print(table(probe_rows, unit_rows))
