"""End-to-end sync throughput: our ``ocean sail --once`` and the reference's, on the same data.

    python benchmarks/bench_sail.py --data ITEMS.jsonl [--repeat N] [--reference | --no-reference]
        [--resync] [--batch 100] [--latency 0.1 [--jitter S]] [--rate-limits port|none]
        [--json-out results.jsonl]
    python benchmarks/bench_sail.py --rss-scaling 10000,200000 [--repeat N]

Both sides sync the JSON-lines file ``--data`` (``benchmarks/gen_data.py N items.jsonl``)
through the same benchmark integration — ``on_resync("repository")`` streaming the file in
batches of ``--batch``, mapped with resource 0 of the anchor's ``mapping.yml`` (ours:
``benchmarks/sail_integration``; the reference: the anchor's ``run_sail.sh``) — into a local
harbor over HTTP, as a first sync into an empty catalog.

The harbor is a standalone ``ocean harbor`` subprocess, so its CPU is in neither side's numbers
(it is printed apart). Every run gets a fresh harbor process on a fresh database: each side
then does the same work (inserts into an empty catalog) and neither is slowed by the other's
data. The two sides run back to back within each repetition, so they share the machine's
conditions. Each run reports wall time, CPU (user + system, including child processes) and
peak RSS of the syncing process, and the entities that landed, counted through the harbor's API.
The summary shows medians and the ratios reference / ours.

``--latency SECONDS`` makes the harbor answer every API request that late (``ocean harbor
--latency``), as a Port across the internet would; it then also enforces Port's published rate
limits (``--rate-limits port``, unless ``--rate-limits none``). The summary then reports the
entity throughput as a share of what Port's bulk-upsert limit sustains (35,000 requests per
5 minutes × 20 entities ≈ 2,333 entities/s; more while the burst of 3,500 requests lasts).

``--resync`` also times our second sync of the same data into the same harbor (nothing changed:
every entity is compared and none written).

``--rss-scaling SMALL,BIG`` generates SMALL and BIG items with ``benchmarks/gen_data.py`` into
a temporary folder (removed afterwards) and reports our peak RSS at both sizes.

The reference runs when it is installed (``$ANCHOR_VENV``, default ``~/.cache/ocean-anchor/venv``;
anchor scripts in ``$OCEAN_ANCHOR_DIR`` or ``<repo>/../shared/anchor``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from anchor_env import anchor_dir, anchor_venv, run_measured  # noqa: E402

HERE = Path(__file__).resolve().parent
INTEGRATION = HERE / "sail_integration"
BLUEPRINT = "githubRepository"
CREDENTIALS = ("bench", "bench")
HARBOR_START_TIMEOUT = 60.0


@dataclass
class Run:
    """One sync of one side."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    landed: int
    harbor_cpu_s: float | None
    returncode: int
    resync_s: float | None = None  # ours: the resync itself ("Finished in"), start-up and docking aside


@dataclass
class Side:
    """All runs of one side."""

    name: str
    runs: list[Run] = field(default_factory=list)

    def median(self, metric: str) -> float:
        values = [getattr(run, metric) for run in self.runs if getattr(run, metric) is not None]
        return statistics.median(values) if values else float("nan")


# -- the harbor -----------------------------------------------------------------------------


def ocean_command() -> list[str]:
    """How to run our CLI with this interpreter (``$BENCH_OCEAN`` names another ``ocean``)."""
    if os.environ.get("BENCH_OCEAN"):
        return [os.environ["BENCH_OCEAN"]]
    script = Path(sys.executable).parent / "ocean"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from ocean_cli.main import run; run()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU of a running process (Linux ``/proc``), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Harbor:
    """A running standalone harbor."""

    url: str
    process: subprocess.Popen[bytes]

    def cpu_s(self) -> float | None:
        return process_cpu_s(self.process.pid)

    def count(self, bp: str) -> int:
        """Entities of blueprint ``bp`` in the catalog, through the API (as any Port client sees it)."""
        with httpx.Client(base_url=self.url, timeout=300) as client:
            token = client.post(
                "/v1/auth/access_token", json={"clientId": CREDENTIALS[0], "clientSecret": CREDENTIALS[1]}
            ).json()["accessToken"]
            response = client.post(
                "/v1/entities/search",
                json={
                    "combinator": "and",
                    "rules": [{"property": "$blueprint", "operator": "=", "value": bp}],
                },
                params={"include": "identifier"},
                headers={"Authorization": f"Bearer {token}"},
            )
            response.raise_for_status()
            return len(response.json()["entities"])


@dataclass(frozen=True)
class Remote:
    """How far away the harbor plays: latency per request, jitter, Port's rate limits."""

    latency: float = 0.0
    jitter: float = 0.0
    rate_limits: str | None = None

    def flags(self) -> list[str]:
        flags = ["--latency", f"{self.latency:g}", "--jitter", f"{self.jitter:g}"] if self.latency else []
        return flags + (["--rate-limits", self.rate_limits] if self.rate_limits else [])

    def describe(self) -> str:
        if not self.latency and not self.rate_limits:
            return "local (no added latency, no rate limits)"
        jitter = f" ± {self.jitter:g}" if self.jitter else ""
        limits = f", rate limits {self.rate_limits}" if self.rate_limits else ", no rate limits"
        return f"{self.latency * 1000:g}{jitter} ms per request{limits}"


@contextlib.contextmanager
def harbor(folder: Path, remote: Remote = Remote()) -> Iterator[Harbor]:
    """A fresh ``ocean harbor`` subprocess on a fresh database in ``folder``."""
    port = free_port()
    db = folder / f"harbor-{port}.db"
    log = (folder / f"harbor-{port}.log").open("wb")
    command = [*ocean_command(), "harbor", "--db", str(db), "--port", str(port)]
    command += ["--client-id", CREDENTIALS[0], "--client-secret", CREDENTIALS[1], *remote.flags()]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield Harbor(url, process)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
        for leftover in folder.glob(f"harbor-{port}.db*"):
            leftover.unlink()


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + HARBOR_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the harbor exited with {process.returncode} before serving")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(f"{url}/v1/organization", timeout=1)
            return
        time.sleep(0.1)
    raise SystemExit(f"the harbor at {url} did not come up within {HARBOR_START_TIMEOUT:.0f} s")


# -- the two sides ---------------------------------------------------------------------------


def sail_env(url: str, data: Path, batch: int, identifier: str) -> dict[str, str]:
    """The environment both sides get: Port credentials, integration identifier, the data."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("OCEAN__")}
    env.update(
        OCEAN__PORT__BASE_URL=url,
        OCEAN__PORT__CLIENT_ID=CREDENTIALS[0],
        OCEAN__PORT__CLIENT_SECRET=CREDENTIALS[1],
        OCEAN__INTEGRATION__IDENTIFIER=identifier,
        OCEAN__SEND_RAW_DATA_EXAMPLES="false",
        BENCH_DATA_FILE=str(data),
        BENCH_BATCH_SIZE=str(batch),
    )
    return env


def run_ours(target: Harbor, data: Path, batch: int) -> Run:
    """Our ``ocean sail --once`` into ``target``."""
    command = [*ocean_command(), "sail", str(INTEGRATION), "--once", "--log-level", "WARNING"]
    cpu_before = target.cpu_s()
    measured = run_measured(command, env=sail_env(target.url, data, batch, "bench-ocean"))
    harbor_cpu = _delta(cpu_before, target.cpu_s())
    if measured.returncode != 0:
        print(measured.stdout[-3000:], measured.stderr[-3000:], sep="\n", file=sys.stderr)
    finished = re.search(r"Finished in ([\d.]+) s", measured.stdout)
    return Run(
        measured.wall_s,
        measured.cpu_s,
        measured.peak_rss_mb,
        target.count(BLUEPRINT),
        harbor_cpu,
        measured.returncode,
        float(finished.group(1)) if finished else None,
    )


def run_reference(target: Harbor, data: Path, batch: int) -> Run:
    """The reference's ``ocean sail -O`` into ``target``, through the anchor's ``run_sail.sh``."""
    env = sail_env(target.url, data, batch, "bench-anchor")
    env["BATCH"] = str(batch)
    cpu_before = target.cpu_s()
    completed = subprocess.run(
        ["bash", str(anchor_dir() / "run_sail.sh"), target.url, str(data), str(anchor_venv())],
        env=env,
        capture_output=True,
        text=True,
    )
    harbor_cpu = _delta(cpu_before, target.cpu_s())
    found = re.search(
        r"wall_s=([\d.]+) cpu_s=([\d.]+) peak_rss_mb=([\d.]+) rc=(\d+)", completed.stdout.splitlines()[-1]
    )
    if found is None:
        print(completed.stdout[-3000:], completed.stderr[-3000:], sep="\n", file=sys.stderr)
        raise SystemExit("run_sail.sh did not print its measurements")
    wall, cpu, rss, rc = found.groups()
    return Run(float(wall), float(cpu), float(rss), target.count(BLUEPRINT), harbor_cpu, int(rc))


def _delta(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def reference_installed() -> bool:
    return (anchor_venv() / "bin" / "ocean").is_file() and (anchor_dir() / "run_sail.sh").is_file()


def expected_entities(data: Path) -> tuple[int, int]:
    """(items, items the selector keeps) — every kept item is one entity."""
    items = kept = 0
    with data.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                items += 1
                kept += json.loads(line).get("archived") is False
    return items, kept


def check_mapping_copy() -> None:
    """Warn when our copy of the benchmark mapping drifted from the anchor's resource 0."""
    import yaml

    anchor = anchor_dir() / "mapping.yml"
    if not anchor.is_file():
        return
    theirs = yaml.safe_load(anchor.read_text())
    ours = yaml.safe_load((INTEGRATION / ".port" / "resources" / "port-app-config.yml").read_text())
    theirs["resources"] = theirs["resources"][:1]
    if theirs != ours:
        print("warning: sail_integration's port-app-config.yml differs from the anchor's resource 0")


# -- reporting -------------------------------------------------------------------------------


def describe(run: Run) -> str:
    harbor_cpu = "n/a" if run.harbor_cpu_s is None else f"{run.harbor_cpu_s:.1f}"
    status = "" if run.returncode == 0 else f"  EXIT {run.returncode}"
    status += f"  resync {run.resync_s:.2f} s" if run.resync_s is not None else ""
    return (
        f"wall {run.wall_s:7.2f} s  cpu {run.cpu_s:7.2f} s  peak RSS {run.peak_rss_mb:6.0f} MB  "
        f"landed {run.landed}  (harbor cpu {harbor_cpu} s){status}"
    )


# Port's bulk-upsert limit: 35,000 requests per 5 minutes of at most 20 entities each.
PORT_BULK_ENTITIES_PER_S = 35_000 / 300 * 20


def summarise(sides: list[Side], kept: int, remote: Remote = Remote()) -> None:
    print("\nmedians")
    print(f"{'side':<16}{'wall s':>9}{'cpu s':>9}{'RSS MB':>9}{'items/s':>10}{'landed':>9}")
    for side in sides:
        wall = side.median("wall_s")
        print(
            f"{side.name:<16}{wall:>9.2f}{side.median('cpu_s'):>9.2f}{side.median('peak_rss_mb'):>9.0f}"
            f"{kept / wall:>10.0f}{side.median('landed'):>9.0f}"
        )
    names = [side.name for side in sides]
    if "ours" in names and "reference" in names:
        ours, reference = sides[names.index("ours")], sides[names.index("reference")]
        print(
            f"\nreference / ours: wall {reference.median('wall_s') / ours.median('wall_s'):.1f}x  "
            f"cpu {reference.median('cpu_s') / ours.median('cpu_s'):.1f}x  "
            f"peak RSS {reference.median('peak_rss_mb') / ours.median('peak_rss_mb'):.2f}x"
        )
    if remote.rate_limits and sides:
        for label, seconds in (
            ("wall time, start-up and docking included", sides[0].median("wall_s")),
            ("the resync itself", sides[0].median("resync_s")),
        ):
            rate = kept / seconds
            print(
                f"ours: {rate:.0f} entities/s = {rate / PORT_BULK_ENTITIES_PER_S:.0%} of the "
                f"{PORT_BULK_ENTITIES_PER_S:,.0f} entities/s Port's bulk limit sustains ({label})"
            )


# -- modes -------------------------------------------------------------------------------------


def compare(args: argparse.Namespace, folder: Path) -> list[Side]:
    data = args.data.resolve()
    items, kept = expected_entities(data)
    with_reference = reference_installed() if args.reference is None else args.reference
    if with_reference and not reference_installed():
        raise SystemExit(f"--reference: not installed ({anchor_venv()}, {anchor_dir()}); run setup.sh")
    check_mapping_copy()
    print(f"data: {data} ({items} items, {kept} pass the selector); batch {args.batch}")
    print("harbor: a standalone `ocean harbor` subprocess, fresh database per run (its CPU is not counted)")
    remote = remote_of(args)
    print(f"harbor plays: {remote.describe()}")
    sides = [Side("ours")] + ([Side("reference")] if with_reference else [])
    resync = Side("ours (2nd sync)")
    for repetition in range(1, args.repeat + 1):
        with harbor(folder, remote) as target:
            run = run_ours(target, data, args.batch)
            sides[0].runs.append(run)
            print(f"[{repetition}] ours       {describe(run)}")
            if args.resync:
                again = run_ours(target, data, args.batch)
                resync.runs.append(again)
                print(f"[{repetition}] ours again {describe(again)}")
        if with_reference:
            with harbor(folder, remote) as target:
                run = run_reference(target, data, args.batch)
                sides[1].runs.append(run)
                print(f"[{repetition}] reference  {describe(run)}")
    for side in sides:
        if any(run.landed != kept for run in side.runs):
            print(f"warning: {side.name} did not land all {kept} entities in every run")
    summarise(sides + ([resync] if args.resync else []), kept, remote)
    return sides + ([resync] if args.resync else [])


def remote_of(args: argparse.Namespace) -> Remote:
    """The harbor's behaviour the arguments ask for (latency implies Port's rate limits)."""
    limits = args.rate_limits if args.rate_limits is not None else ("port" if args.latency else None)
    return Remote(args.latency, args.jitter, None if limits == "none" else limits)


def rss_scaling(args: argparse.Namespace, folder: Path) -> list[Side]:
    generator = HERE / "gen_data.py"  # the anchor's generator, shipped (same bytes)
    sides = []
    for size in args.rss_scaling:
        data = folder / f"items-{size}.jsonl"
        generate = [sys.executable, str(generator), str(size), str(data)]
        subprocess.run(generate, check=True, capture_output=True)
        side = Side(f"ours @ {size}")
        for repetition in range(1, args.repeat + 1):
            with harbor(folder) as target:
                run = run_ours(target, data, args.batch)
            side.runs.append(run)
            print(f"[{repetition}] {side.name:<16} {describe(run)}")
        data.unlink()
        sides.append(side)
    small, big = sides[0], sides[-1]
    growth = big.median("peak_rss_mb") / small.median("peak_rss_mb") - 1
    print(
        f"\npeak RSS: {small.median('peak_rss_mb'):.0f} MB at {args.rss_scaling[0]} items, "
        f"{big.median('peak_rss_mb'):.0f} MB at {args.rss_scaling[-1]} items ({growth:+.1%})"
    )
    return sides


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="JSON-lines items (gen_data.py N items.jsonl)")
    parser.add_argument(
        "--rss-scaling",
        type=lambda text: [int(n) for n in text.split(",")],
        help="SMALL,BIG: our peak RSS at both sizes (data generated, then removed)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per side (medians are reported)")
    parser.add_argument("--batch", type=int, default=100, help="items per yielded batch (BENCH_BATCH_SIZE)")
    parser.add_argument(
        "--reference",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run the reference too (default: when installed)",
    )
    parser.add_argument("--resync", action="store_true", help="also time our second, unchanged sync")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds the harbor takes per API request (e.g. 0.1)"
    )
    parser.add_argument("--jitter", type=float, default=0.0, help="± seconds around --latency")
    parser.add_argument(
        "--rate-limits",
        help="the harbor's --rate-limits ('port', JSON); default 'port' with --latency, else none; "
        "'none' disables them",
    )
    parser.add_argument("--json-out", type=Path, help="append every run as a JSON line")
    args = parser.parse_args(argv)
    if (args.data is None) == (args.rss_scaling is None):
        parser.error("give exactly one of --data or --rss-scaling")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-sail-"))
    try:
        sides = rss_scaling(args, folder) if args.rss_scaling else compare(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if args.json_out:
        with args.json_out.open("a", encoding="utf-8") as out:
            for side in sides:
                for run in side.runs:
                    out.write(json.dumps({"side": side.name, **asdict(run)}) + "\n")
    failed = any(run.returncode != 0 for side in sides for run in side.runs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
