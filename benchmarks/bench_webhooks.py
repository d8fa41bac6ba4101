"""Live-events throughput and latency: ``ocean sail integrations/fake`` taking signed webhooks.

    python benchmarks/bench_webhooks.py [--events 1000] [--keys 20] [--latency-samples 200]
        [--separate-harbor] [--latency 0.1] [--json-out results.jsonl]

Starts ``ocean sail`` on a copy of ``integrations/fake`` (listening, POLLING, into its embedded
harbor — the laptop setup; with ``--separate-harbor`` into an ``ocean harbor`` process, as it
would sail into Port; ``--latency S`` implies it, the harbor then answering every request S
seconds late, as a Port across the internet does), with at least ``--keys`` services, waits for
the start-up resync, then:

1. **throughput** — ``--events`` deploy events over ``--keys`` services, keys concurrently (a
   keep-alive connection each, through a minimal HTTP client so the load generator does not eat
   the CPU it measures) and each key's events one after the other (the order the catalog must
   show); a 503 (queue full) is sent again after its ``Retry-After`` and counted. Reports
   events/s accepted (202s) and events/s **applied**: events ÷ (first POST sent → sail's
   ``/metrics`` processed count reaching ``--events``; an event is counted processed once Port
   answered its write, so it is in the catalog; polled every 10 ms), the p50/p99 of the 202
   answer time, the events **lost** (accepted, not in the catalog's ``deployments`` at the end)
   and the keys **out of order**, and the p50/p99 of
   **accepted → in the catalog** under that load (sail's own histogram
   ``ocean_webhook_processing_seconds``, interpolated inside its buckets as Prometheus does:
   reading the catalog from outside all along would load the machine being measured), the CPU
   ``ocean sail`` spent per event, all of it and its event loop's thread alone (``/proc``: the
   numbers that depend least on what else the machine runs), the CPU the sender itself spent
   per event (to show it is not what bounds the burst) and the load average before → after;
2. **latency** — ``--latency-samples`` events one at a time; for each, the time from sending
   the request to the change being visible in the catalog (read back through the harbor's API
   as fast as it answers). Reports p50/p99/max.

Numbers, never assertions. The last line is ``events_per_s=<applied events/s>``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from ocean_runtime.webhooks import hmac_sha256_hex

REPO = Path(__file__).resolve().parents[1]
OCEAN = str(Path(sys.executable).with_name("ocean"))
SECRET = "bench-webhook-secret"
POLL_PAUSE_SECONDS = 0.02


class SailProcess:
    """``ocean sail`` in the background; its output is scanned for the URLs it prints."""

    def __init__(
        self,
        integration: Path,
        workdir: Path,
        harbor: str | None,
        services: int,
        settings: dict[str, str] | None = None,
    ) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OCEAN__")}
        env.update(
            {
                "OCEAN__INTEGRATION__CONFIG__WEBHOOK_SECRET": SECRET,
                "OCEAN__INTEGRATION__CONFIG__SERVICE_COUNT": str(services),
                "PYTHONUNBUFFERED": "1",
                **(settings or {}),
            }
        )
        if harbor:
            env.update(
                {
                    "OCEAN__PORT__BASE_URL": harbor,
                    "OCEAN__PORT__CLIENT_ID": "ocean",
                    "OCEAN__PORT__CLIENT_SECRET": "ocean",
                }
            )
        self.process = subprocess.Popen(
            [OCEAN, "sail", str(integration), "--port", "0", "--log-level", "WARNING"],
            cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        )  # fmt: skip
        self.output: list[str] = []
        self._found = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        try:
            self.catalog = harbor or self.wait_for(r"catalog: (http://\S+?)\s").group(1)
            self.url = self.wait_for(r"health on (http://127\.0\.0\.1:\d+)/health").group(1)
            self.wait_for(r"Reconcile: deleted", timeout=600)
        except BaseException:
            self.process.kill()  # never leave it running behind a failed start
            self.process.wait(timeout=60)
            raise

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._found:
                self.output.append(line)
                self._found.notify_all()

    def wait_for(self, pattern: str, timeout: float = 120) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        seen = 0
        with self._found:
            while True:
                for line in self.output[seen:]:
                    if match := re.search(pattern, line):
                        return match
                seen = len(self.output)
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise SystemExit(f"ocean sail never printed {pattern!r}:\n{''.join(self.output)}")
                self._found.wait(0.5)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def start_harbor(workdir: Path, latency: float) -> tuple[subprocess.Popen[bytes], str]:
    """``ocean harbor`` on a free port, in its own process; returns it and its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = [OCEAN, "harbor", "--db", str(workdir / "harbor.db"), "--port", str(port)]
    if latency:
        args += ["--latency", str(latency)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(url + "/")
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("ocean harbor did not start")


def signed(payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {
        "content-type": "application/json",
        "x-fake-signature": "sha256=" + hmac_sha256_hex(SECRET, body),
    }


def deploy(service: str, version: int) -> dict[str, Any]:
    return {"action": "deploy", "service": service, "version": version}


def catalog_client(catalog: str) -> httpx.Client:
    token = httpx.post(catalog + "/v1/auth/access_token", json={"clientId": "ocean", "clientSecret": "ocean"})
    token.raise_for_status()
    headers = {"Authorization": "Bearer " + token.json()["accessToken"]}
    return httpx.Client(base_url=catalog, headers=headers, timeout=30)


def services(client: httpx.Client) -> dict[str, dict[str, Any]]:
    answer = client.get("/v1/blueprints/fakeService/entities")
    answer.raise_for_status()
    return {entity["identifier"]: entity for entity in answer.json()["entities"]}


def processed(url: str, http: httpx.Client | None = None) -> float:
    """Events sail has processed so far (its ``/metrics``; over ``http`` when given, kept alive)."""
    answer = http.get(url + "/metrics") if http is not None else httpx.get(url + "/metrics")
    for line in answer.text.splitlines():
        if line.startswith('ocean_webhook_events_total{outcome="processed",path="/webhook"} '):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def wait_applied(url: str, before: float, total: int, timeout: float = 600) -> None:
    """Until ``total`` more events are processed. Polls the queue depth (a small JSON answer)
    over one kept-alive connection and reads ``/metrics`` only once the queue is empty: a
    scrape costs sail ~2 ms of CPU and a fresh ``httpx`` client the load generator ~0.1 s
    (its TLS context), which every 10 ms took a core from the process being measured."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=30) as http:
        while time.monotonic() < deadline:
            depth = http.get(url + "/health/live-events").json()["depth"]
            if depth == 0 and processed(url, http) - before >= total:
                return
            time.sleep(0.01)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


class RawConnection:
    """One keep-alive HTTP/1.1 connection speaking just enough to POST and read the answer.

    The load generator shares the machine with ``ocean sail``: httpx spends ~5 ms of CPU per
    request, more than the server, so with it the client is what gets measured. This costs ~0.3 ms.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self._reader, self._writer, self._host = reader, writer, host
        self.retries = 0

    @classmethod
    async def open(cls, url: str) -> RawConnection:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        return cls(reader, writer, f"{host}:{port}")

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        """Send the request and read the whole answer; returns its status code.

        A 503 (Ocean's queue is full) is sent again after its ``Retry-After``, as a well-behaved
        sender does: the event is accepted late, not lost; ``retries`` counts them.
        """
        while True:
            status, retry_after = await self._post_once(path, body, headers)
            if status != 503:
                return status
            self.retries += 1
            await asyncio.sleep(retry_after)

    async def _post_once(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, float]:
        head = [f"POST {path} HTTP/1.1", f"host: {self._host}", f"content-length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        self._writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        status = await self._reader.readline()
        length, retry_after = 0, 1.0
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
            elif name.strip().lower() == b"retry-after":
                retry_after = float(value)
        await self._reader.readexactly(length)
        return int(status.split()[1]), retry_after

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()


async def post_in_order(url: str, keys: list[str], per_key: int) -> tuple[list[int], list[float], int]:
    """Every key's versions 1..per_key, keys concurrently (one connection each), each key's
    events one after the other; returns statuses, answer times and how many 503s were retried."""
    statuses: list[int] = []
    answer_times: list[float] = []
    retried: list[int] = []

    async def one_key(key: str) -> None:
        connection = await RawConnection.open(url)
        try:
            for version in range(1, per_key + 1):
                body, headers = signed(deploy(key, version))
                sent = time.monotonic()
                statuses.append(await connection.post("/integration/webhook", body, headers))
                answer_times.append(time.monotonic() - sent)
        finally:
            retried.append(connection.retries)
            await connection.close()

    await asyncio.gather(*map(one_key, keys))
    return statuses, answer_times, sum(retried)


def latency_buckets(url: str) -> dict[float, float]:
    """The cumulative buckets of sail's own histogram of seconds from accepting an event to the
    catalog written (``ocean_webhook_processing_seconds``): upper bound → count."""
    buckets: dict[float, float] = {}
    prefix = 'ocean_webhook_processing_seconds_bucket{le="'
    for line in httpx.get(url + "/metrics").text.splitlines():
        if line.startswith(prefix) and 'path="/webhook"' in line:
            bound = line[len(prefix) :].split('"', 1)[0]
            buckets[float("inf") if bound == "+Inf" else float(bound)] = float(line.rsplit(" ", 1)[1])
    return buckets


def bucket_quantile(before: dict[float, float], after: dict[float, float], fraction: float) -> float | None:
    """The ``fraction`` quantile of what was observed between two reads of a histogram,
    interpolated linearly inside its bucket (as Prometheus' ``histogram_quantile``)."""
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0.0) for b in bounds]
    if not counts or counts[-1] <= 0:
        return None
    rank = fraction * counts[-1]
    lower, below = 0.0, 0.0
    for bound, count in zip(bounds, counts, strict=True):
        if count >= rank:
            if bound == float("inf"):
                return lower
            return lower + (bound - lower) * (rank - below) / max(count - below, 1e-9)
        lower, below = bound, count
    return lower


def throughput(sail: SailProcess, catalog: httpx.Client, events: int, key_count: int) -> dict[str, Any]:
    keys = sorted(services(catalog))[:key_count]
    per_key = events // len(keys)
    total = per_key * len(keys)
    with httpx.Client(timeout=30) as http:
        before = processed(sail.url, http)
    histogram = latency_buckets(sail.url)
    cpu_before = cpu_seconds(sail.process.pid)
    loop_before = cpu_seconds(sail.process.pid, thread=sail.process.pid)
    load_before = os.getloadavg()[0]
    started, sender_before = time.perf_counter(), time.process_time()
    statuses, answer_times, retried = asyncio.run(post_in_order(sail.url, keys, per_key))
    accepted_at, sender_after = time.perf_counter(), time.process_time()
    wait_applied(sail.url, before, total)
    done_at = time.perf_counter()
    cpu_after = cpu_seconds(sail.process.pid)
    loop_after = cpu_seconds(sail.process.pid, thread=sail.process.pid)
    load_after = os.getloadavg()[0]
    after = latency_buckets(sail.url)
    catalog_now = services(catalog)
    lost, out_of_order = check_order(catalog_now, keys, per_key)
    return {
        "events": total,
        "keys": len(keys),
        "accepted_202": statuses.count(202),
        "retried_503": retried,
        "accepted_per_s": round(total / (accepted_at - started)),
        "processed_per_s": round(total / (done_at - started)),
        "answer_p50_ms": round(percentile(answer_times, 0.5) * 1000, 2),
        "answer_p99_ms": round(percentile(answer_times, 0.99) * 1000, 2),
        "lost": lost,
        "out_of_order_keys": out_of_order,
        "in_order_per_key": lost == 0 and out_of_order == 0,
        "accepted_to_catalog_p50_ms": _ms(bucket_quantile(histogram, after, 0.5)),
        "accepted_to_catalog_p99_ms": _ms(bucket_quantile(histogram, after, 0.99)),
        "sail_cpu_ms_per_event": _per_event_ms(cpu_before, cpu_after, total),
        "sail_loop_cpu_ms_per_event": _per_event_ms(loop_before, loop_after, total),
        "sender_cpu_ms_per_event": _per_event_ms(sender_before, sender_after, total),
        "load_average": f"{load_before:.1f}->{load_after:.1f}",
    }


def _per_event_ms(before: float | None, after: float | None, events: int) -> float | None:
    return round((after - before) * 1000 / events, 3) if before is not None and after is not None else None


def cpu_seconds(pid: int, thread: int | None = None) -> float | None:
    """User + system CPU seconds of process ``pid`` so far — of its thread ``thread`` only when
    given (None where ``/proc`` is absent): what ``ocean sail`` spends per event, whatever else
    the shared machine runs. Its main thread (the event loop: HTTP, admission, processing) is
    the part that cannot use a second core; the journal's SQLite commits run beside it."""
    stat = f"/proc/{pid}/task/{thread}/stat" if thread is not None else f"/proc/{pid}/stat"
    try:
        fields = Path(stat).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ms(seconds: float | None) -> float | None:
    return round(seconds * 1000, 1) if seconds is not None else None


def check_order(catalog: dict[str, dict[str, Any]], keys: list[str], per_key: int) -> tuple[int, int]:
    """Events lost (a version missing from its service's ``deployments``), and keys whose
    versions first appear out of order (a redelivered event may repeat one; that is not lost)."""
    lost = out_of_order = 0
    for key in keys:
        shown = [v for v in catalog[key]["properties"]["deployments"] or [] if 1 <= v <= per_key]
        first_seen = list(dict.fromkeys(shown))
        lost += per_key - len(first_seen)
        out_of_order += first_seen != sorted(first_seen)
    return lost, out_of_order


def latency(sail: SailProcess, catalog: httpx.Client, samples: int) -> dict[str, Any]:
    key = sorted(services(catalog))[-1]
    path = f"/v1/blueprints/fakeService/entities/{key}"
    delays: list[float] = []
    with httpx.Client(base_url=sail.url, timeout=30) as http:
        for version in range(10_001, 10_001 + samples):
            body, headers = signed(deploy(key, version))
            sent = time.perf_counter()
            http.post("/integration/webhook", content=body, headers=headers).raise_for_status()
            while (catalog.get(path).json()["entity"]["properties"]["deployments"] or [None])[-1] != version:
                time.sleep(0.001)
            delays.append(time.perf_counter() - sent)
    return {
        "samples": samples,
        "to_catalog_p50_ms": round(percentile(delays, 0.5) * 1000, 1),
        "to_catalog_p99_ms": round(percentile(delays, 0.99) * 1000, 1),
        "to_catalog_max_ms": round(max(delays) * 1000, 1),
        "to_catalog_mean_ms": round(statistics.fmean(delays) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument(
        "--separate-harbor",
        action="store_true",
        help="run the harbor as its own process (`ocean harbor`), as Port is, instead of embedded in sail",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds the harbor waits before answering each request (`ocean harbor --latency`); "
        "implies --separate-harbor",
    )
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        integration = Path(tmp) / "fake"
        ignore = shutil.ignore_patterns(".ocean", "__pycache__", ".mypy_cache", "tests")
        shutil.copytree(REPO / "integrations" / "fake", integration, ignore=ignore)
        separate = args.separate_harbor or args.latency > 0
        harbor = start_harbor(Path(tmp), args.latency) if separate else None
        sail: SailProcess | None = None
        try:
            sail = SailProcess(integration, Path(tmp), harbor[1] if harbor else None, max(args.keys, 30))
            with catalog_client(sail.catalog) as catalog:
                results: dict[str, Any] = {
                    "setup": {
                        "harbor": "separate process" if harbor else "embedded in ocean sail",
                        "latency_s": args.latency,
                    },
                    "throughput": throughput(sail, catalog, args.events, args.keys),
                    "latency": latency(sail, catalog, args.latency_samples),
                }
        finally:
            if sail is not None:
                sail.stop()
            if harbor:
                harbor[0].terminate()
                harbor[0].wait(timeout=60)
    for section, numbers in results.items():
        print(f"{section}: " + ", ".join(f"{key}={value}" for key, value in numbers.items()))
    if args.json_out:
        with args.json_out.open("a") as out:
            out.write(json.dumps({"benchmark": "webhooks", **results}) + "\n")
    print(f"events_per_s={results['throughput']['processed_per_s']}")


if __name__ == "__main__":
    main()
