"""Mapping throughput: our engine, and the reference's on the very same items, in one run.

    python benchmarks/bench_mapping.py --data ITEMS.json --config mapping.yml --resource I
        [--repeat N] [--batch 100] [--reference | --no-reference]
        [--reference-repeat N] [--json-out results.jsonl]

Our side compiles resource I of the port-app-config once, then maps the items in batches of
``--batch`` exactly as a resync does (``ResourceMapper.map_raw`` per batch; ``itemsToParse`` is
expanded inside it). Only the mapping calls are timed — loading the data and compiling are
not. Each run reports wall time and CPU time — this process's plus its jq worker's (expressions
that reach jq run in a budgeted worker process, ``mapping/jq_sandbox.py``; ``--config
benchmarks/mapping_jq.yml`` is a mapping that does). The summary is the median run.

The reference (port-ocean's own entity processor, driven by the anchor's
``anchor_mapping_bench.py`` exactly as its resync drives it) runs when it is installed
(``$ANCHOR_VENV``, default ``~/.cache/ocean-anchor/venv``; anchor scripts in
``$OCEAN_ANCHOR_DIR`` or ``<repo>/../shared/anchor``), or when ``--reference`` asks for it. It
reads the same data file. Its CPU includes its worker processes.

ITEMS is a JSON array or a ``.jsonl`` file; ``benchmarks/gen_data.py N FILE`` makes one.
The last line printed is always ``items_per_s=<number>``: our median raw items per second.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from anchor_env import anchor_dir, anchor_venv, load_items, reference_available, run_measured  # noqa: E402


@dataclass
class Side:
    """One side's measurements (ours or the reference's)."""

    name: str
    items: int
    entities: int = 0
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    peak_rss_mb: float = float("nan")

    @property
    def median_wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpus) if self.cpus else float("nan")

    @property
    def items_per_s(self) -> float:
        return self.items / self.median_wall

    @property
    def items_per_cpu_s(self) -> float:
        return self.items / self.median_cpu


def measure_ours(items: list[Any], config: Path, index: int, batch: int, repeat: int) -> Side:
    """Maps ``items`` ``repeat`` times in batches; wall and CPU time of the mapping calls only."""
    from ocean_runtime.mapping import JqSandbox, compile_resource, load_port_app_config

    resource_config: Any = load_port_app_config(config).resources[index]
    sandbox = JqSandbox()
    mapper = compile_resource(resource_config, index=index, source=str(config), sandbox=sandbox)
    batches = [items[start : start + batch] for start in range(0, len(items), batch)] if batch else [items]
    side = Side("ours", len(items))
    mapper.map_raw(batches[0])  # warm-up: first-call costs (jq's own start-up) are not throughput
    for run in range(repeat):
        entities = 0
        cpu_start, wall_start = time.process_time() + _worker_cpu(sandbox), time.perf_counter()
        for raw in batches:
            entities += len(mapper.map_raw(raw).entities)
        wall = time.perf_counter() - wall_start
        cpu = time.process_time() + _worker_cpu(sandbox) - cpu_start
        side.walls.append(wall)
        side.cpus.append(cpu)
        side.entities = entities
        print(
            f"ours      run {run + 1}/{repeat}: {wall:7.3f} s wall {cpu:7.3f} s cpu "
            f"{len(items) / wall:10.0f} items/s  entities={entities}",
            flush=True,
        )
    side.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ours      jq worker calls: {sandbox.calls}", flush=True)
    sandbox.close()
    return side


def _worker_cpu(sandbox: Any) -> float:
    """CPU seconds the sandbox's jq worker used so far (Linux /proc; 0 without a worker)."""
    pid = sandbox.worker_pid
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_REFERENCE_RUN = re.compile(
    r"run \d+/\d+:\s+(?P<wall>[\d.]+) s .*passed=(?P<passed>\d+).*"
    r"cpu_self=(?P<self>[\d.]+)s cpu_children=(?P<children>[\d.]+)s"
)


def measure_reference(
    data: Path, items: list[Any], config: Path, index: int, batch: int, repeat: int
) -> Side:
    """Runs the anchor's ``anchor_mapping_bench.py`` on the same items (same file when possible)."""
    with tempfile.TemporaryDirectory(prefix="bench-mapping-") as scratch:
        # The anchor reads DIR/repos_<N>.json: point that name at our data file.
        target = Path(scratch) / f"repos_{len(items)}.json"
        if data.suffix == ".jsonl":
            target.write_text(json.dumps(items, separators=(",", ":")), encoding="utf-8")
        else:
            target.symlink_to(data.resolve())
        command = [
            str(anchor_venv() / "bin" / "python"),
            str(anchor_dir() / "anchor_mapping_bench.py"),
            f"--sizes={len(items)}",
            f"--repeat={repeat}",
            f"--batch={batch}",
            f"--resource={index}",
            f"--mapping={config.resolve()}",
            f"--data-dir={scratch}",
        ]
        done = run_measured(command)
    if done.returncode != 0:
        raise SystemExit(f"the reference failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    side = Side("reference", len(items), peak_rss_mb=done.peak_rss_mb)
    for line in done.stdout.splitlines():
        match = _REFERENCE_RUN.search(line)
        if match:
            side.walls.append(float(match["wall"]))
            side.cpus.append(float(match["self"]) + float(match["children"]))
            side.entities = int(match["passed"])
            print(f"reference {line.strip()}", flush=True)
    if not side.walls:
        raise SystemExit(f"could not read the reference's output:\n{done.stdout[-3000:]}")
    return side


def summary(side: Side) -> str:
    return (
        f"{side.name:<9} median {side.items_per_s:10.0f} items/s  ({side.median_wall:.3f} s wall, "
        f"{side.median_cpu:.3f} s cpu = {side.items_per_cpu_s:.0f} items/cpu-s; "
        f"{side.entities} entities; peak RSS {side.peak_rss_mb:.0f} MB)"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="JSON array or .jsonl file of raw items")
    parser.add_argument("--config", type=Path, required=True, help="port-app-config (e.g. mapping.yml)")
    parser.add_argument("--resource", type=int, default=0, help="index of the resource to map")
    parser.add_argument("--repeat", type=int, default=5, help="runs of our side (median reported)")
    parser.add_argument("--batch", type=int, default=100, help="raw items per map call (0 = all at once)")
    reference = parser.add_mutually_exclusive_group()
    reference.add_argument(
        "--reference",
        dest="reference",
        action="store_true",
        default=None,
        help="also run the reference (default: when it is installed)",
    )
    reference.add_argument("--no-reference", dest="reference", action="store_false")
    parser.add_argument("--reference-repeat", type=int, default=3, help="runs of the reference")
    parser.add_argument("--json-out", type=Path, help="append one JSON line with the results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    items = load_items(args.data)
    with_reference = reference_available() if args.reference is None else args.reference
    if with_reference and not reference_available():
        raise SystemExit(f"--reference: not installed ({anchor_venv()}, {anchor_dir()}); run setup.sh")
    print(
        f"# mapping {args.config} resource={args.resource} on {len(items)} items from {args.data} "
        f"(batch={args.batch or 'all'}, cpus={os.cpu_count()}, python {sys.version.split()[0]})",
        flush=True,
    )
    ours = measure_ours(items, args.config, args.resource, args.batch, args.repeat)
    sides = [ours]
    if with_reference:
        sides.append(
            measure_reference(args.data, items, args.config, args.resource, args.batch, args.reference_repeat)
        )
    for side in sides:
        print(summary(side), flush=True)
    record: dict[str, Any] = {
        "data": str(args.data),
        "resource": args.resource,
        "batch": args.batch,
        "items": len(items),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "sides": {
            side.name: {
                **asdict(side),
                "items_per_s": side.items_per_s,
                "items_per_cpu_s": side.items_per_cpu_s,
            }
            for side in sides
        },
    }
    if with_reference:
        reference_side = sides[1]
        wall_ratio = ours.items_per_s / reference_side.items_per_s
        cpu_ratio = ours.items_per_cpu_s / reference_side.items_per_cpu_s
        record.update(ratio_wall=wall_ratio, ratio_cpu=cpu_ratio)
        print(
            f"ratio     {wall_ratio:.0f}x the reference's items/s (wall), {cpu_ratio:.0f}x per CPU-second",
            flush=True,
        )
    if args.json_out:
        with args.json_out.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
    print(f"items_per_s={ours.items_per_s:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
