"""Finding the reference implementation (port-ocean) and running it as a measured child process.

The reference lives in its own virtual environment (Python 3.12 + ``port-ocean``, installed by
``../shared/anchor/setup.sh``) next to the anchor scripts that drive it. Benchmarks run it in
the same invocation as our own code so both are measured on the same machine at the same time.

* venv: ``$ANCHOR_VENV`` or ``~/.cache/ocean-anchor/venv``;
* anchor scripts: ``$OCEAN_ANCHOR_DIR`` or ``<repo>/../shared/anchor``.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def anchor_dir() -> Path:
    """The folder holding ``anchor_mapping_bench.py``, ``gen_data.py``, ``mapping.yml``..."""
    return Path(os.environ.get("OCEAN_ANCHOR_DIR") or REPO.parent / "shared" / "anchor")


def anchor_venv() -> Path:
    """The reference's virtual environment."""
    return Path(os.environ.get("ANCHOR_VENV") or Path.home() / ".cache" / "ocean-anchor" / "venv")


def reference_available() -> bool:
    """True when both the reference venv and the anchor scripts are there."""
    return (anchor_venv() / "bin" / "python").is_file() and (
        anchor_dir() / "anchor_mapping_bench.py"
    ).is_file()


@dataclass
class Measured:
    """A finished child process: its output and what it cost.

    Attributes:
        returncode: the exit status.
        stdout: what it printed.
        stderr: what it printed on stderr.
        wall_s: wall time from start to exit.
        cpu_s: user + system CPU of the child and of every descendant it waited for.
        peak_rss_mb: peak resident set size of the biggest process in that tree.
    """

    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float


def run_measured(
    command: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Measured:
    """Runs ``command`` to completion, measuring wall time, CPU and peak RSS of its process tree."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True, env=env, cwd=cwd)
        # wait4 gives this child's own resource usage (its CPU includes the descendants it
        # waited for, e.g. a worker pool), unaffected by other processes on the machine.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # already reaped: Popen must not wait
        out.seek(0)
        err.seek(0)
        return Measured(
            process.returncode,
            out.read(),
            err.read(),
            wall,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024,
        )


def load_items(path: Path) -> list[Any]:
    """A JSON array file, or a JSON-lines file (``.jsonl``: one item per line)."""
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]
    with path.open(encoding="utf-8") as file:
        items = json.load(file)
    if not isinstance(items, list):
        raise SystemExit(f"{path}: expected a JSON array of items (or a .jsonl file)")
    return items
