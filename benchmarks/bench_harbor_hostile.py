"""Hostile input against a standalone harbor: what each costs it (peak RSS, time) and what it answers.

    python benchmarks/bench_harbor_hostile.py [--ocean PATH/TO/ocean] [--size-mb 100] [--clients 8]

Starts ``ocean harbor`` (``--ocean`` picks another installation's, e.g. an older checkout, to
compare before and after) on a fresh database and sends, one case after the other:

- ``--clients`` bodies of ``--size-mb`` MB at once to ``POST /v1/auth/access_token``, with their
  ``Content-Length`` declared, then the same number sent chunked to a bulk upsert (with a token);
- ``--size-mb`` MB of ``text/plain`` to the log-ingest URL, without a token;
- the search inputs that used to give a 500: a NUL in a property name, 10^40, nesting 200 deep,
  1,000 OR rules — each followed by a request on the same connection.

For each case: the answers' statuses, the seconds until the last answer, the harbor's resident
memory after it and its peak (``VmHWM``) so far. Senders stop sending once answered.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sail import CREDENTIALS, Harbor, harbor  # noqa: E402

MB = 1024 * 1024
CHUNK = b"x" * MB


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of a process in MB (Linux ``/proc``)."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def status_of(sock: socket.socket) -> int:
    data = b""
    sock.settimeout(300)
    while b"\r\n" not in data:
        try:
            chunk = sock.recv(65536)
        except OSError:
            return 0
        if not chunk:
            return 0  # closed without an answer
        data += chunk
    return int(data.split(b" ")[1])


def send_body(port: int, head: bytes, size: int, *, chunked: bool) -> int:
    """Sends ``head`` and ``size`` bytes of body (stopping once answered); the status."""
    with socket.create_connection(("127.0.0.1", port), timeout=300) as sock:
        sock.sendall(head)
        sent = 0
        sock.setblocking(True)
        while sent < size:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break  # answered (or closed) before the whole body went out
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK) if chunked else CHUNK)
            except OSError:
                break
            sent += len(CHUNK)
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        return status_of(sock)


def at_once(count: int, task: Callable[[], int]) -> list[int]:
    results: list[int] = [0] * count

    def run(index: int) -> None:
        results[index] = task()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def token(url: str) -> str:
    answer = httpx.post(
        f"{url}/v1/auth/access_token", json={"clientId": CREDENTIALS[0], "clientSecret": CREDENTIALS[1]}
    )
    return str(answer.json()["accessToken"])


def cases(target: Harbor, size_mb: int, clients: int) -> list[tuple[str, Callable[[], list[int]]]]:
    port = int(target.url.rsplit(":", 1)[1])
    bearer = token(target.url)
    size = size_mb * MB
    httpx.post(
        f"{target.url}/v1/blueprints",
        json={"identifier": "svc", "title": "Svc", "schema": {"properties": {"n": {"type": "number"}}}},
        headers={"Authorization": f"Bearer {bearer}"},
    )
    token_head = (
        b"POST /v1/auth/access_token HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % size
    )
    bulk_head = (
        b"POST /v1/blueprints/svc/entities/bulk HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + bearer.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    logs_head = (
        b"POST /ingest/logs/x HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\n"
        b"Content-Length: %d\r\n\r\n" % size
    )
    return [
        (
            f"{clients} x {size_mb} MB to the token route",
            lambda: at_once(clients, lambda: send_body(port, token_head, size, chunked=False)),
        ),
        (
            f"{clients} x {size_mb} MB chunked to a bulk upsert",
            lambda: at_once(clients, lambda: send_body(port, bulk_head, size, chunked=True)),
        ),
        (
            f"{size_mb} MB text/plain to log ingest, no token",
            lambda: [send_body(port, logs_head, size, chunked=False)],
        ),
        ("malformed searches, then a request on the same connection", lambda: searches(target.url, bearer)),
    ]


def searches(url: str, bearer: str) -> list[int]:
    def nested(depth: int) -> str:
        rule = '{"property": "n", "operator": "=", "value": 1}'
        return '{"combinator": "and", "rules": [' * depth + rule + "]}" * depth

    bodies = [
        json.dumps({"rules": [{"property": "n\x00x", "operator": "=", "value": 1}]}),
        json.dumps({"rules": [{"property": "n", "operator": "=", "value": 10**40}]}),
        nested(200),
        json.dumps(
            {
                "combinator": "or",
                "rules": [{"property": "n", "operator": "=", "value": i} for i in range(1000)],
            }
        ),
    ]
    statuses = []
    headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        for body in bodies:
            try:
                statuses.append(client.post("/v1/entities/search", content=body).status_code)
                statuses.append(client.get("/v1/organization").status_code)
            except httpx.HTTPError:
                statuses.append(0)
    return statuses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ocean", help="the `ocean` executable whose harbor to attack (default: this one)")
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--reference",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="accepted like the other benchmarks' flag; this one has no reference side",
    )
    args = parser.parse_args(argv)
    if args.ocean:
        os.environ["BENCH_OCEAN"] = args.ocean
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as folder, harbor(Path(folder)) as target:
        pid = target.process.pid
        now, peak = memory_mb(pid)
        print(f"harbor {args.ocean or 'ocean'} at {target.url}: {now:.0f} MB resident at start")
        for name, case in cases(target, args.size_mb, args.clients):
            started = time.perf_counter()
            statuses = case()
            seconds = time.perf_counter() - started
            now, peak = memory_mb(pid)
            shown = ", ".join(f"{code}x{statuses.count(code)}" for code in sorted(set(statuses)))
            print(f"{name:<58} {shown:<18} {seconds:6.2f} s  RSS {now:5.0f} MB  peak {peak:5.0f} MB")
        alive = target.process.poll() is None
        print(f"peak_rss_mb={peak:.0f} harbor_alive={alive}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
