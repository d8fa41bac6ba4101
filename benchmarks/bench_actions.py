"""Self-service action throughput: runs/s executed by ``ocean sail``, and by the reference.

    python benchmarks/bench_actions.py [--runs 300] [--workers 1,3] [--call-seconds 0,0.05]
        [--repeat 1] [--reference | --no-reference] [--json-out results.jsonl]

For every (workers, call seconds) pair, each side gets a fresh standalone ``ocean harbor`` on a
fresh database, ``--runs`` pending runs of one action (created through the API before the
integration starts), and then executes them: ours is ``ocean sail benchmarks/actions_integration``
(listener ``ACTIONS_ONLY``), the reference is port-ocean's ``ocean sail`` on its twin
``benchmarks/actions_reference`` — both with ``OCEAN__ACTIONS_PROCESSOR__WORKERS_COUNT`` set and
the same executor: one log line, ``--call-seconds`` of simulated 3rd-party call, SUCCESS.

Reported per run set: **runs/s**, the steady completion rate ``(runs - 1) / (last endedAt - first
endedAt)`` from the harbor's own timestamps (start-up excluded, the same clock for both sides);
the wall time from starting the process to the last run finished; the CPU the integration
process used; and how many runs ended SUCCESS after exactly one delivery. Numbers only, never
assertions. The last line is ``runs_per_s=<ours, the first pair>``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from anchor_env import anchor_venv, reference_available  # noqa: E402
from bench_sail import CREDENTIALS, Harbor, free_port, harbor, ocean_command, process_cpu_s  # noqa: E402

HERE = Path(__file__).resolve().parent
OURS, REFERENCE = HERE / "actions_integration", HERE / "actions_reference"
ACTION = "bench"
FINISH_TIMEOUT = 600.0


@dataclass
class Result:
    """One side executing one set of runs."""

    side: str
    workers: int
    call_seconds: float
    runs: int
    runs_per_s: float
    wall_s: float
    cpu_s: float | None
    succeeded_once: int


def action_definition(installation: str) -> dict[str, Any]:
    return {
        "identifier": ACTION,
        "title": "Benchmark",
        "trigger": {
            "type": "self-service",
            "operation": "CREATE",
            "blueprintIdentifier": "benchTarget",
            "userInputs": {"properties": {"n": {"type": "integer"}}, "required": ["n"]},
        },
        "invocationMethod": {
            "type": "INTEGRATION_ACTION",
            "installationId": installation,
            "integrationActionType": "bench_noop",
            "integrationActionExecutionProperties": {"n": "{{ .inputs.n }}"},
        },
    }


@contextlib.contextmanager
def api(target: Harbor) -> Iterator[httpx.Client]:
    """An authenticated client of the harbor."""
    with httpx.Client(base_url=target.url, timeout=60) as client:
        credentials = {"clientId": CREDENTIALS[0], "clientSecret": CREDENTIALS[1]}
        token = client.post("/v1/auth/access_token", json=credentials).json()["accessToken"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def create_runs(target: Harbor, installation: str, count: int) -> None:
    with api(target) as client:
        client.post(
            "/v1/blueprints", json={"identifier": "benchTarget", "title": "Target"}
        ).raise_for_status()
        client.post("/v1/actions", json=action_definition(installation)).raise_for_status()
        for n in range(count):
            client.post(f"/v1/actions/{ACTION}/runs", json={"properties": {"n": n}}).raise_for_status()


def finished_runs(target: Harbor, count: int) -> list[dict[str, Any]]:
    with api(target) as client:
        runs: list[dict[str, Any]] = client.get(
            "/v1/actions/runs", params={"action": ACTION, "limit": count}
        ).json()["runs"]
    return [run for run in runs if run["status"] != "IN_PROGRESS"]


def side_command(side: str, folder: Path) -> tuple[list[str], Path]:
    """The command of ``side`` and the folder it runs in (the reference reads its integration
    from the current directory)."""
    if side == "ours":
        return [*ocean_command(), "sail", str(OURS), "--port", "0", "--log-level", "WARNING"], folder
    copy = folder / "bench_actions_reference"
    if not copy.exists():
        shutil.copytree(REFERENCE, copy)
    return [str(anchor_venv() / "bin" / "ocean"), "sail", "-p", str(free_port()), "."], copy


def side_env(side: str, target: Harbor, workers: int, call_seconds: float) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OCEAN__")}
    env.update(
        OCEAN__PORT__BASE_URL=target.url,
        OCEAN__PORT__CLIENT_ID=CREDENTIALS[0],
        OCEAN__PORT__CLIENT_SECRET=CREDENTIALS[1],
        OCEAN__INTEGRATION__IDENTIFIER=f"bench-{side}",
        OCEAN__INTEGRATION__TYPE="bench-actions",
        OCEAN__EVENT_LISTENER__TYPE="ACTIONS_ONLY",
        OCEAN__ACTIONS_PROCESSOR__ENABLED="true",
        OCEAN__ACTIONS_PROCESSOR__WORKERS_COUNT=str(workers),
        OCEAN__ACTIONS_PROCESSOR__POLL_CHECK_INTERVAL_SECONDS="1",
        BENCH_ACTION_SECONDS=str(call_seconds),
    )
    return env


def run_side(side: str, folder: Path, workers: int, call_seconds: float, count: int) -> Result:
    with harbor(folder) as target:
        create_runs(target, f"bench-{side}", count)
        log = (folder / f"{side}-{workers}-{call_seconds}.log").open("wb")
        started = time.monotonic()
        command, cwd = side_command(side, folder)
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=side_env(side, target, workers, call_seconds),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            done = _wait_for(target, process, count, log.name)
            wall = time.monotonic() - started
            cpu = process_cpu_s(process.pid)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
    ended = sorted(datetime.fromisoformat(run["endedAt"].replace("Z", "+00:00")) for run in done)
    spread = (ended[-1] - ended[0]).total_seconds()
    rate = (len(ended) - 1) / spread if spread > 0 else float("nan")
    once = sum(1 for run in done if run["status"] == "SUCCESS" and run["deliveryCount"] == 1)
    return Result(side, workers, call_seconds, count, rate, wall, cpu, once)


def _wait_for(target: Harbor, process: subprocess.Popen[bytes], count: int, log: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + FINISH_TIMEOUT
    while time.monotonic() < deadline:
        done = finished_runs(target, count)
        if len(done) == count:
            return done
        if process.poll() is not None:
            tail = Path(log).read_text(errors="replace")[-3000:]
            raise SystemExit(f"the integration exited with {process.returncode}:\n{tail}")
        time.sleep(0.1)
    raise SystemExit(f"the runs did not finish within {FINISH_TIMEOUT:.0f} s; see {log}")


def report(results: list[Result]) -> None:
    print(
        f"\n{'side':<10} {'workers':>7} {'call s':>7} {'runs':>5} {'runs/s':>9} {'wall s':>7} "
        f"{'cpu s':>6} {'once':>5}"
    )
    for r in results:
        cpu = f"{r.cpu_s:.2f}" if r.cpu_s is not None else "-"
        print(
            f"{r.side:<10} {r.workers:>7} {r.call_seconds:>7g} {r.runs:>5} {r.runs_per_s:>9.1f} "
            f"{r.wall_s:>7.2f} {cpu:>6} {r.succeeded_once:>5}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--workers", default="1,3", help="comma-separated worker counts")
    parser.add_argument("--call-seconds", default="0,0.05", help="comma-separated simulated call times")
    parser.add_argument("--repeat", type=int, default=1)
    reference = parser.add_mutually_exclusive_group()
    reference.add_argument("--reference", action="store_true", help="fail when the reference is missing")
    reference.add_argument("--no-reference", action="store_true")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    with_reference = not args.no_reference and reference_available()
    if args.reference and not with_reference:
        raise SystemExit(f"the reference is not installed ({anchor_venv()}); run ../shared/anchor/setup.sh")
    sides = ["ours", "reference"] if with_reference else ["ours"]
    pairs = [(int(w), float(c)) for c in args.call_seconds.split(",") for w in args.workers.split(",")]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-actions-") as folder:
        for workers, call_seconds in pairs:
            for side in sides:
                repeats = [
                    run_side(side, Path(folder), workers, call_seconds, args.runs) for _ in range(args.repeat)
                ]
                best = sorted(repeats, key=lambda r: r.runs_per_s)[len(repeats) // 2]  # the median run
                best.runs_per_s = statistics.median(r.runs_per_s for r in repeats)
                results.append(best)
                print(
                    f"{side}: {workers} worker(s), {call_seconds:g} s calls: {best.runs_per_s:.1f} runs/s",
                    flush=True,
                )
    report(results)
    if args.json_out:
        with args.json_out.open("a") as out:
            for result in results:
                out.write(json.dumps(asdict(result)) + "\n")
    ours = [r for r in results if r.side == "ours"]
    print(f"runs_per_s={ours[0].runs_per_s:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
