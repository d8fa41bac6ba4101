"""What hostile mapping input costs: each input of issue 10 through the CLI, time and memory.

    python benchmarks/bench_mapping_hostile.py [--only NAME] [--timeout-seconds S] [--memory-mb MB]

A copy of ``integrations/fake`` gets one hostile input at a time — a jq expression in the
``service`` resource, or a YAML alias bomb appended to ``spec.yaml`` or ``port-app-config.yml`` —
and goes through ``ocean map`` (the resource's samples), ``ocean sail --once`` (the embedded
harbor; the other resources must still sync) and, for the bombs, ``ocean validate``. Each run
reports its exit code, wall time and peak memory: the largest resident size of any process of
the tree (``os.wait4``: ocean or its jq worker) and the peak of their sum (sampled every 20 ms).
Then Ctrl-C (SIGINT) is sent to ``ocean map`` and to ``ocean sail`` while jq loops, and the time
until they exit is reported.

The jq budget is the default (10 s, 512 MB) unless ``--timeout-seconds`` / ``--memory-mb`` say
otherwise (``OCEAN__JQ__TIMEOUT_SECONDS`` / ``OCEAN__JQ__MEMORY_MB``). Numbers, never asserts:
the regression tests are ``tests/e2e/test_broken_mapping.py`` and ``tests/cli/test_map_command.py``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
FAKE = REPO / "integrations" / "fake"
OCEAN = str(Path(sys.executable).with_name("ocean"))
CONFIG = Path(".port/resources/port-app-config.yml")
SPEC = Path(".port/spec.yaml")
EXPRESSIONS = {
    "def f: f; f": "def f: f; f",
    "[range(1e12)]": "[range(1e12)]",
    "reduce range(1e12)": "reduce range(1e12) as $x (0; .+1)",
    "def f: 1 + f; f": "def f: 1 + f; f",
    '"a" * 1000000000': '"a" * 1000000000',
}
BOMBS = {"alias bomb in spec.yaml": SPEC, "alias bomb in port-app-config.yml": CONFIG}


@dataclass
class Run:
    """One finished command."""

    code: int
    wall: float
    peak_mb: float  # the biggest single process of the tree
    peak_sum_mb: float  # the peak of the tree's summed resident size
    last_line: str


def alias_bomb(levels: int = 10) -> str:
    """Nine references per level: 9**levels (3.5 billion) values from a few hundred bytes."""
    lines = ['b0: &b0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def prepared(scratch: Path, name: str) -> Path:
    """A fresh copy of the fake integration carrying the hostile input ``name``."""
    folder = scratch / f"fake-{abs(hash(name))}"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(FAKE, folder, ignore=shutil.ignore_patterns(".ocean", "__pycache__", "tests"))
    if name in EXPRESSIONS:
        config = yaml.safe_load((folder / CONFIG).read_text())
        service = next(resource for resource in config["resources"] if resource["kind"] == "service")
        service["port"]["entity"]["mappings"]["properties"]["hostile"] = EXPRESSIONS[name]
        (folder / CONFIG).write_text(yaml.safe_dump(config, sort_keys=False))
    else:
        with (folder / BOMBS[name]).open("a") as target:
            target.write(alias_bomb())
    return folder


def _tree_rss_mb(root: int) -> float:
    """Resident size of ``root`` and its children (Linux /proc), in MB."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == root or int(stat[1]) == root:
            total += int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
    return total / 1024**2


def run(args: list[str], env: dict[str, str], *, interrupt_after_cpu: float | None = None) -> Run:
    """Runs ``ocean ARGS``; with ``interrupt_after_cpu``, sends SIGINT once jq has spun that long."""
    process = subprocess.Popen(
        [OCEAN, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak_sum = 0.0
    done = threading.Event()
    output: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        output.extend(process.stdout)
        done.set()

    threading.Thread(target=read, daemon=True).start()
    started = time.monotonic()
    while not done.wait(0.02):
        peak_sum = max(peak_sum, _tree_rss_mb(process.pid))
        if interrupt_after_cpu is not None and _worker_cpu(process.pid) >= interrupt_after_cpu:
            started = time.monotonic()  # from here on: how long Ctrl-C takes
            process.send_signal(signal.SIGINT)
            interrupt_after_cpu = None
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    lines = [line.strip() for line in output if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    return Run(process.returncode, wall, usage.ru_maxrss / 1024, peak_sum, (errors or lines or [""])[-1])


def _worker_cpu(parent: int) -> float:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == parent and b"jq_worker" in command:
            return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def report(name: str, command: str, outcome: Run) -> None:
    print(
        f"| {name} | `{command}` | {outcome.code} | {outcome.wall:.1f} s | {outcome.peak_mb:.0f} MB | "
        f"{outcome.peak_sum_mb:.0f} MB | {outcome.last_line[:150]} |",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", help="one input (a key of EXPRESSIONS or BOMBS)")
    parser.add_argument("--timeout-seconds", help="OCEAN__JQ__TIMEOUT_SECONDS (default: Ocean's)")
    parser.add_argument("--memory-mb", help="OCEAN__JQ__MEMORY_MB (default: Ocean's)")
    args = parser.parse_args(argv)
    env = {key: value for key, value in os.environ.items() if not key.startswith("OCEAN__")}
    if args.timeout_seconds:
        env["OCEAN__JQ__TIMEOUT_SECONDS"] = args.timeout_seconds
    if args.memory_mb:
        env["OCEAN__JQ__MEMORY_MB"] = args.memory_mb
    names = [args.only] if args.only else [*EXPRESSIONS, *BOMBS]
    print("| input | command | exit | wall | peak RSS (largest process) | peak RSS (tree) | message |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as scratch_dir:
        scratch = Path(scratch_dir)
        for name in names:
            commands = [["map", "--kind", "service"], ["sail", "--once"]]
            if name in BOMBS:
                commands.insert(0, ["validate"])
            for command in commands:
                folder = prepared(scratch, name)
                outcome = run([command[0], str(folder), *command[1:]], env)
                report(name, f"ocean {' '.join(command)}", outcome)
        for command in (["map", "--kind", "service"], ["sail", "--once"]):
            folder = prepared(scratch, "def f: f; f")
            patient = {**env, "OCEAN__JQ__TIMEOUT_SECONDS": "600"}
            outcome = run([command[0], str(folder), *command[1:]], patient, interrupt_after_cpu=1.0)
            report("Ctrl-C while `def f: f; f` loops", f"ocean {' '.join(command)}", outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main())
