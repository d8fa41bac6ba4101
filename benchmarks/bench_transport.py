"""The Port client's two network layers side by side: the lean HTTP/1.1 transport and httpx's.

    python benchmarks/bench_transport.py [--latency 0.1] [--requests 2000] [--repeat 3]

A standalone ``ocean harbor`` (``--latency`` seconds per API request, as a Port across the
internet) receives ``--requests`` bulk upserts of 20 entities from one ``PortClient``, sent as a
resync sends them (all offered at once; the client's adaptive concurrency decides how many are
in flight), first through the lean transport, then through httpx's ``AsyncHTTPTransport`` —
alternating, ``--repeat`` times, each on a fresh harbor. Reported per transport: wall time,
the client's CPU per request (the process's CPU while the client runs: serialising, the
transport chain, parsing answers) and the peak concurrency the client reached. Last line:
``lean_cpu_ms_per_request=… httpx_cpu_ms_per_request=…``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sail import CREDENTIALS, Remote, harbor  # noqa: E402

from ocean_runtime.http.transports.http11 import Http11Transport  # noqa: E402
from ocean_runtime.port import PortClient  # noqa: E402

BLUEPRINT = {"identifier": "item", "title": "Item", "schema": {"properties": {"n": {"type": "number"}}}}


def entities(request: int) -> list[dict[str, object]]:
    return [
        {
            "identifier": f"item-{request}-{n}",
            "blueprint": "item",
            "title": f"Item {n}",
            "properties": {"n": n},
        }
        for n in range(20)
    ]


async def one_run(url: str, kind: str, requests: int) -> tuple[float, float, float]:
    """(wall s, client CPU ms per request, peak concurrency) of ``requests`` bulk upserts."""
    network: httpx.AsyncBaseTransport = (
        Http11Transport(max_connections=100)
        if kind == "lean"
        else httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=100, max_keepalive_connections=100))
    )
    async with PortClient(
        url,
        *CREDENTIALS,
        integration_identifier=f"bench-{kind}",
        integration_type="bench",
        integration_version="1.0.0",
        transport=network,
    ) as port:
        await port.create_blueprint(BLUEPRINT)
        bodies = [entities(n) for n in range(requests)]
        cpu, wall = time.process_time(), time.perf_counter()
        results = await asyncio.gather(*(port.upsert_entities("item", body) for body in bodies))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        failed = sum(not outcome.ok for outcomes in results for outcome in outcomes)
        if failed:
            raise SystemExit(f"{kind}: {failed} entities failed")
        return wall, cpu / requests * 1000, port.concurrency.peak_limit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.1, help="harbor seconds per API request")
    parser.add_argument("--requests", type=int, default=2000, help="bulk upserts per run (20 entities each)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per transport (medians reported)")
    parser.add_argument(
        "--reference",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="accepted like the other benchmarks' flag; this one has no reference side",
    )
    args = parser.parse_args(argv)
    remote = Remote(args.latency, 0.0, None)
    print(f"harbor plays: {remote.describe()}; {args.requests} bulk upserts of 20 entities per run")
    runs: dict[str, list[tuple[float, float, float]]] = {"lean": [], "httpx": []}
    with tempfile.TemporaryDirectory(prefix="bench-transport-") as folder:
        for repetition in range(1, args.repeat + 1):
            for kind in runs:
                with harbor(Path(folder), remote) as target:
                    result = asyncio.run(one_run(target.url, kind, args.requests))
                runs[kind].append(result)
                wall, cpu_ms, peak = result
                print(
                    f"[{repetition}] {kind:<6} wall {wall:6.2f} s  "
                    f"client cpu {cpu_ms:5.2f} ms/request  peak {peak:.0f}"
                )
    medians = {
        kind: [statistics.median(values) for values in zip(*results, strict=True)]
        for kind, results in runs.items()
    }
    print("\nmedians")
    for kind, (wall, cpu_ms, peak) in medians.items():
        rate = args.requests / wall
        print(
            f"{kind:<6} wall {wall:6.2f} s  {rate:6.0f} requests/s  "
            f"client cpu {cpu_ms:5.2f} ms/request  peak {peak:.0f}"
        )
    print(
        f"lean_cpu_ms_per_request={medians['lean'][1]:.3f} httpx_cpu_ms_per_request={medians['httpx'][1]:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
