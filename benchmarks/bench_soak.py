"""Soak: does ``ocean sail`` (and the harbor it sails into) keep a flat memory over hours?

    python benchmarks/bench_soak.py [--minutes 60] [--rate 44] [--people 8000] [--keys 30]
        [--resync-minutes 1] [--sample-seconds 10] [--json-out results.jsonl]

Starts a standalone ``ocean harbor`` (fresh database) and ``ocean sail`` on a copy of
``integrations/fake`` sailing into it (``--people`` people in 20 departments, a full resync every
``--resync-minutes``), then for ``--minutes`` sends signed deploy webhooks at a steady
``--rate`` per second over ``--keys`` services, while it samples the resident memory (RSS) of
both processes every ``--sample-seconds``.

Reports, for each process: RSS at the start of the load, at the end and at its highest, and
the **slope** of a least-squares line through the samples, over the whole run and over its
second half and per quarter (MB per hour) — a second-half slope near zero is a plateau; one as steep as the
first half's is growth without bound. Also: events sent, accepted (202), applied (``/metrics``),
failed, and whether each service's last deployment in the catalog is the last one sent.

Numbers, never assertions. The last line is ``sail_rss_slope_mb_per_h=<second-half slope>``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_webhooks import (  # noqa: E402
    REPO,
    RawConnection,
    SailProcess,
    catalog_client,
    deploy,
    processed,
    services,
    signed,
    start_harbor,
)

DEPARTMENTS = 20


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (``VmRSS`` of ``/proc/PID/status``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Sampler:
    """Samples the RSS of some processes every ``every`` seconds, in a thread."""

    def __init__(self, pids: dict[str, int], every: float) -> None:
        self.samples: dict[str, list[tuple[float, float]]] = {name: [] for name in pids}
        self._pids = pids
        self._every = every
        self._stop = threading.Event()
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic() - self._started
            for name, pid in self._pids.items():
                self.samples[name].append((now, rss_mb(pid)))
            self._stop.wait(self._every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def slope_mb_per_hour(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of RSS over time."""
    if len(samples) < 2:
        return 0.0
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_m = sum(m for _, m in samples) / n
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    if spread == 0:
        return 0.0
    return sum((t - mean_t) * (m - mean_m) for t, m in samples) / spread * 3600


def summary(samples: list[tuple[float, float]]) -> dict[str, float]:
    memory = [m for _, m in samples]
    return {
        "start_mb": round(memory[0], 1),
        "end_mb": round(memory[-1], 1),
        "max_mb": round(max(memory), 1),
        "slope_mb_per_h": round(slope_mb_per_hour(samples), 1),
        "second_half_slope_mb_per_h": round(slope_mb_per_hour(samples[len(samples) // 2 :]), 1),
        "quarter_slopes_mb_per_h": [round(slope_mb_per_hour(quarter), 1) for quarter in quarters(samples)],
    }


def quarters(samples: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """The samples cut into four consecutive quarters (by count)."""
    size = len(samples) / 4
    return [samples[round(i * size) : round((i + 1) * size)] for i in range(4)]


async def steady_webhooks(url: str, keys: list[str], rate: float, seconds: float) -> dict[str, Any]:
    """Deploy events at ``rate`` per second for ``seconds``, round-robin over ``keys`` (each key's
    versions in order: one connection per key, a key's event sent after its previous answer)."""
    versions = dict.fromkeys(keys, 0)
    statuses: dict[int, int] = {}
    queues: dict[str, asyncio.Queue[int]] = {key: asyncio.Queue() for key in keys}

    async def sender(key: str) -> None:
        connection = await RawConnection.open(url)
        try:
            while (version := await queues[key].get()) > 0:
                body, headers = signed(deploy(key, version))
                status = await connection.post("/integration/webhook", body, headers)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            await connection.close()

    senders = [asyncio.create_task(sender(key)) for key in keys]
    started = time.monotonic()
    sent = 0
    while (elapsed := time.monotonic() - started) < seconds:
        due = int(elapsed * rate) + 1
        while sent < due:
            key = keys[sent % len(keys)]
            versions[key] += 1
            queues[key].put_nowait(versions[key])
            sent += 1
        await asyncio.sleep(0.01)
    for key in keys:
        queues[key].put_nowait(0)
    await asyncio.gather(*senders)
    return {"sent": sent, "statuses": statuses, "last_versions": versions}


def metric(url: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in httpx.get(url + "/metrics").text.splitlines():
        if line.startswith(f"{name}{{{wanted}}} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def soak(args: argparse.Namespace, tmp: Path) -> tuple[dict[str, Any], dict[str, list[tuple[float, float]]]]:
    """Run the harbor, sail and the load; returns the results and the RSS samples."""
    integration = tmp / "fake"
    ignore = shutil.ignore_patterns(".ocean", "__pycache__", ".mypy_cache", "tests")
    shutil.copytree(REPO / "integrations" / "fake", integration, ignore=ignore)
    harbor_process, harbor_url = start_harbor(tmp, 0.0)
    settings = {
        "OCEAN__SCHEDULED_RESYNC_INTERVAL": str(args.resync_minutes),
        "OCEAN__INTEGRATION__CONFIG__DEPARTMENT_COUNT": str(DEPARTMENTS),
        "OCEAN__INTEGRATION__CONFIG__PEOPLE_PER_DEPARTMENT": str(max(args.people // DEPARTMENTS, 1)),
    }
    sail: SailProcess | None = None
    try:
        sail = SailProcess(integration, tmp, harbor_url, max(args.keys, 30), settings)
        with catalog_client(harbor_url) as catalog:
            keys = sorted(services(catalog))[: args.keys]
            sampler = Sampler({"sail": sail.process.pid, "harbor": harbor_process.pid}, args.sample_seconds)
            load = asyncio.run(steady_webhooks(sail.url, keys, args.rate, args.minutes * 60))
            sampler.stop()
            deadline = time.monotonic() + 300
            while processed(sail.url) < load["sent"] and time.monotonic() < deadline:
                time.sleep(0.5)
            held = services(catalog)
            results: dict[str, Any] = {
                "setup": {
                    "minutes": args.minutes,
                    "rate_per_s": args.rate,
                    "people": args.people,
                    "keys": len(keys),
                    "resync_minutes": args.resync_minutes,
                },
                "events": events_summary(sail.url, load, held, keys),
                "sail": summary(sampler.samples["sail"]),
                "harbor": summary(sampler.samples["harbor"]),
            }
    finally:
        if sail is not None:
            sail.stop()
        harbor_process.terminate()
        harbor_process.wait(timeout=60)
    return results, sampler.samples


def events_summary(
    url: str, load: dict[str, Any], held: dict[str, dict[str, Any]], keys: list[str]
) -> dict[str, Any]:
    """What became of the webhooks sent, and how many resyncs ran meanwhile."""
    return {
        "sent": load["sent"],
        "accepted_202": load["statuses"].get(202, 0),
        "applied": int(processed(url)),
        "failed": int(metric(url, "ocean_webhook_events_total", outcome="failed", path="/webhook")),
        "last_deployment_in_catalog": all(
            (held[key]["properties"]["deployments"] or [0])[-1] == load["last_versions"][key] for key in keys
        ),
        "resyncs": int(metric(url, "ocean_resyncs_total", status="completed")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=44.0, help="webhooks per second")
    parser.add_argument("--people", type=int, default=8000)
    parser.add_argument("--keys", type=int, default=30, help="services the webhooks deploy")
    parser.add_argument("--resync-minutes", type=int, default=1)
    parser.add_argument("--sample-seconds", type=float, default=10.0)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        results, samples = soak(args, Path(tmp))
    for section, numbers in results.items():
        print(f"{section}: " + ", ".join(f"{key}={value}" for key, value in numbers.items()))
    if args.json_out:
        with args.json_out.open("a") as out:
            out.write(json.dumps({"benchmark": "soak", **results, "samples": samples}) + "\n")
    print(f"sail_rss_slope_mb_per_h={results['sail']['second_half_slope_mb_per_h']}")


if __name__ == "__main__":
    main()
