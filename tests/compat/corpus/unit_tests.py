"""Run each published integration's own unit tests (``tests/`` in its folder) on Ocean's layer.

    python tests/compat/corpus/unit_tests.py [NAME...] [--json REPORT.json]

Each folder's tests run in the corpus venv (``OCEAN_CORPUS_PYTHON``, default ``.venv-corpus``),
with ``pytest -p ocean_compat.pytest_plugin`` from a scratch copy of the folder (their conftests
import their modules by top-level name; the corpus stays untouched), without their ``addopts``
(``-n auto`` needs xdist). Prints one line per integration — passed / failed / errors — and the
totals; the numbers are a report (the published framework's own test doubles, e.g.
``port_ocean.tests.helpers``, have no Ocean equivalent).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO.parent / "shared" / "realworld" / "port-ocean-integrations"
COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)")


def run(folder: Path, python: Path, timeout: float = 600) -> dict[str, Any]:
    """The counts of one folder's tests, run in a scratch copy of it."""
    with tempfile.TemporaryDirectory(prefix="ocean-corpus-") as scratch:
        copy = Path(scratch) / folder.name
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns(".ocean", "__pycache__"))
        return _run_in(copy, python, timeout)


def _run_in(folder: Path, python: Path, timeout: float) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCEAN__")}
    env.update(PYTHONDONTWRITEBYTECODE="1", OCEAN_CORPUS_UNIT_TESTS="1")
    command = [
        str(python),
        "-m",
        "pytest",
        "tests",
        "-q",
        "-p",
        "ocean_compat.pytest_plugin",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "-o",
        "asyncio_mode=auto",
        "--timeout",
        "60",
        "-W",
        "ignore",
    ]
    try:
        result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {
            "name": folder.name,
            "passed": 0,
            "failed": 0,
            "errors": 0,
            "note": f"timed out after {timeout:g} s",
        }
    tail = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-300:]
    counts = {kind: 0 for kind in ("passed", "failed", "errors", "skipped")}
    for number, kind in COUNT.findall(tail):
        key = "errors" if kind.startswith("error") else kind if kind in counts else None
        if key:
            counts[key] += int(number)
    return {"name": folder.name, **counts, "summary": tail[-300:]}


def main(argv: list[str]) -> int:
    report_path = None
    if "--json" in argv:
        index = argv.index("--json")
        report_path = Path(argv[index + 1])
        argv = argv[:index] + argv[index + 2 :]
    python = Path(os.environ.get("OCEAN_CORPUS_PYTHON") or REPO / ".venv-corpus" / "bin" / "python")
    names = argv or sorted(p.name for p in CORPUS.iterdir() if (p / "tests").is_dir())
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda name: run(CORPUS / name, python), names))
    for result in results:
        total = result["passed"] + result["failed"] + result["errors"]
        detail = result.get("summary", result.get("note", ""))[-90:]
        print(f"{result['name']:24} {result['passed']:5} passed of {total:5}  ({detail})")
    passed = sum(r["passed"] for r in results)
    total = sum(r["passed"] + r["failed"] + r["errors"] for r in results)
    print(f"{passed} passed, {total - passed} failed")
    if report_path is not None:
        report_path.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
