"""CLI start-up: ``ocean --help`` and ``ocean version``, ours next to the reference's ``ocean --help``.

    python benchmarks/bench_startup.py [--repeat N] [--reference | --no-reference] [--check]

Each command runs N times as a fresh process (wall time from spawn to exit, median; CPU time
of the process). The reference (``$ANCHOR_VENV/bin/ocean``, default
``~/.cache/ocean-anchor/venv``) runs in the same invocation when it is installed.

Then it lists what ``ocean --help`` imports (``python -X importtime``): the top-level packages
with their cumulative import time, and any of the heavy ones that have no business there
(our runtime and harbor, httpx, pydantic, jq, starlette, uvicorn, yaml) — for ``ocean --help``
and for ``ocean version``. ``--check`` makes a heavy import in either a failure (exit 1). The
last line is ``help_s=<median seconds of ocean --help>``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from anchor_env import anchor_venv, run_measured  # noqa: E402

HEAVY = (
    "ocean_runtime",
    "ocean_harbor",
    "httpx",
    "pydantic",
    "pydantic_core",
    "jq",
    "starlette",
    "uvicorn",
    "yaml",
)
_RUN_OURS = "import sys; from ocean_cli.main import run; sys.argv[0] = 'ocean'; sys.exit(run())"


def our_command() -> list[str]:
    """``ocean`` next to this interpreter (the installed console script), else via ``-c``."""
    script = Path(sys.executable).with_name("ocean")
    if script.is_file():
        return [str(script)]
    found = shutil.which("ocean")
    return [found] if found else [sys.executable, "-c", _RUN_OURS]


def time_command(label: str, command: list[str], repeat: int) -> tuple[float, float]:
    """Runs ``command`` ``repeat`` times; prints and returns (median wall, median CPU)."""
    walls, cpus = [], []
    for _ in range(repeat):
        done = run_measured(command)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
        walls.append(done.wall_s)
        cpus.append(done.cpu_s)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(
        f"{label:<28} median {wall:6.3f} s wall {cpu:6.3f} s cpu  "
        f"(min {min(walls):.3f}, max {max(walls):.3f}, {repeat} runs)",
        flush=True,
    )
    return wall, cpu


def imports_of(args: list[str]) -> list[tuple[str, float]]:
    """Packages ``ocean ARGS`` imports, with the time spent importing each (ms), slowest first.

    Runs through the console-script entry point (``run``), as users do. Module self-times from
    ``-X importtime`` are summed per top-level package.
    """
    done = run_measured([sys.executable, "-X", "importtime", "-c", _RUN_OURS, *args])
    if done.returncode != 0:
        raise SystemExit(f"ocean {' '.join(args)} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    totals: dict[str, float] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            top = match[2].split(".")[0]
            totals[top] = totals.get(top, 0.0) + int(match[1]) / 1000
    return sorted(totals.items(), key=lambda item: -item[1])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=7, help="runs per command (median reported)")
    reference = parser.add_mutually_exclusive_group()
    reference.add_argument(
        "--reference",
        dest="reference",
        action="store_true",
        default=None,
        help="also time the reference (default: when it is installed)",
    )
    reference.add_argument("--no-reference", dest="reference", action="store_false")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if ocean --help or ocean version imports a heavy package"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    reference_ocean = anchor_venv() / "bin" / "ocean"
    with_reference = reference_ocean.is_file() if args.reference is None else args.reference
    if with_reference and not reference_ocean.is_file():
        raise SystemExit(f"--reference: {reference_ocean} not found; run ../shared/anchor/setup.sh")
    ours = our_command()
    print(
        f"# start-up of {' '.join(ours)} (cpus={os.cpu_count()}, python {sys.version.split()[0]})", flush=True
    )
    help_wall, help_cpu = time_command("ours: ocean --help", [*ours, "--help"], args.repeat)
    time_command("ours: ocean version", [*ours, "version"], args.repeat)
    if with_reference:
        reference_wall, reference_cpu = time_command(
            "reference: ocean --help", [str(reference_ocean), "--help"], args.repeat
        )
        time_command("reference: ocean version", [str(reference_ocean), "version"], args.repeat)
        print(
            f"ratio: ocean --help takes {help_wall / reference_wall:.2f} of the reference's wall time "
            f"({reference_wall / help_wall:.1f}x faster), {help_cpu / reference_cpu:.2f} of its CPU",
            flush=True,
        )
    heavy = report_imports("--help") + report_imports("version")
    print(f"help_s={help_wall:.3f}")
    return 1 if args.check and heavy else 0


def report_imports(command: str) -> list[str]:
    """Prints what ``ocean COMMAND`` imports; returns the heavy packages among them."""
    imported = imports_of([command])
    print(
        f"ocean {command} imports (package: ms importing it): "
        + ", ".join(f"{name} {ms:.0f}" for name, ms in imported[:15]),
        flush=True,
    )
    heavy = [name for name, _ in imported if name in HEAVY]
    print(f"heavy imports at {command}: {', '.join(heavy) if heavy else 'none'}", flush=True)
    return heavy


if __name__ == "__main__":
    sys.exit(main())
