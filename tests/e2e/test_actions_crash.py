"""A run whose executor process is SIGKILLed is delivered again once, and completes once.

Two real ``ocean sail`` processes take turns on one standalone harbor. The integration's
``transfer`` action posts an entry to a ledger (a local HTTP server standing in for the 3rd
party, de-duplicating on the ``Idempotency-Key`` header, as payment APIs do). On its first
delivery the executor hangs right after the ledger took the entry: the test kills the process
there (SIGKILL — no cleanup of any kind). The run's lease lapses, the second process gets the
run (delivery 2, the same idempotency key), the ledger recognises the key, and the run ends
SUCCESS: one entry in the ledger, one completion, never a third delivery.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

OCEAN = str(Path(sys.executable).with_name("ocean"))
WAIT_SECONDS = 90
LEASE_MS = 1500

MAIN = """
import asyncio

import httpx

from ocean_runtime import ActionRun, ocean


@ocean.on_resync("account")
async def accounts(kind):
    return [{"id": "acct-1", "balance": 100}]


@ocean.on_action("transfer")
async def transfer(run: ActionRun) -> None:
    await run.log(f"delivery {run.attempt}")
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            ocean.integration_config["ledger_url"] + "/entries",
            json={"account": run.properties["account"], "amount": run.properties["amount"]},
            headers={"Idempotency-Key": run.idempotency_key},
        )
    await run.log(f"ledger answered {answer.status_code}")
    if run.attempt == 1:
        print("effect applied, now hanging", flush=True)
        await asyncio.sleep(3600)  # the test SIGKILLs the process here
"""
SPEC = {
    "title": "Payments",
    "features": [{"type": "exporter", "resources": [{"kind": "account"}]}],
    "configurations": [{"name": "ledgerUrl", "type": "url", "required": True}],
    "actionsProcessingEnabled": True,
    "actions": [
        {
            "name": "transfer",
            "inputs": [
                {"name": "account", "type": "string", "required": True},
                {"name": "amount", "type": "number", "required": True},
            ],
        }
    ],
}
BLUEPRINTS = [
    {"identifier": "account", "title": "Account", "schema": {"properties": {"balance": {"type": "number"}}}}
]
MAPPING = {
    "resources": [
        {
            "kind": "account",
            "selector": {"query": "true"},
            "port": {
                "entity": {
                    "mappings": {
                        "identifier": ".id",
                        "title": ".id",
                        "blueprint": '"account"',
                        "properties": {"balance": ".balance"},
                    }
                }
            },
        }
    ]
}
ACTIONS = [
    {
        "identifier": "transfer",
        "title": "Transfer",
        "trigger": {
            "type": "self-service",
            "operation": "DAY-2",
            "blueprintIdentifier": "account",
            "userInputs": {"properties": {"amount": {"type": "number"}}, "required": ["amount"]},
        },
        "invocationMethod": {
            "type": "INTEGRATION_ACTION",
            "integrationActionType": "transfer",
            "integrationActionExecutionProperties": {
                "account": "{{ .entity.identifier }}",
                "amount": "{{ .inputs.amount }}",
            },
        },
    }
]


class Ledger(ThreadingHTTPServer):
    """The 3rd party: takes ``POST /entries`` once per ``Idempotency-Key`` (201), 200 for a repeat."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _LedgerHandler)
        self.requests: list[str] = []  # the idempotency key of every request, in order
        self.entries: dict[str, Any] = {}
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _LedgerHandler(BaseHTTPRequestHandler):
    server: Ledger

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        key = self.headers["Idempotency-Key"]
        with self.server.lock:
            self.server.requests.append(key)
            repeated = key in self.server.entries
            self.server.entries.setdefault(key, body)
        self.send_response(200 if repeated else 201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


class Output:
    """The lines of a running process, read in a thread so the test can wait for one."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert process.stdout is not None
        stream = process.stdout
        threading.Thread(target=lambda: [self.lines.put(line) for line in stream], daemon=True).start()

    def wait_for(self, pattern: str) -> None:
        while True:
            try:
                line = self.lines.get(timeout=WAIT_SECONDS)
            except queue.Empty:
                pytest.fail(f"no line matching {pattern!r}; output so far:\n{''.join(self.seen)}")
            self.seen.append(line)
            if re.search(pattern, line):
                return


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    server = Ledger()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def payments(tmp_path: Path) -> Path:
    root = tmp_path / "payments"
    files: dict[str, Any] = {
        "pyproject.toml": '[project]\nname = "payments"\nversion = "0.1.0"\n',
        "main.py": MAIN,
        ".port/spec.yaml": json.dumps(SPEC),
        ".port/resources/blueprints.json": json.dumps(BLUEPRINTS),
        ".port/resources/port-app-config.yml": json.dumps(MAPPING),
        ".port/resources/actions.json": json.dumps(ACTIONS),
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def sail(payments: Path, harbor: Any, ledger: Ledger) -> tuple[subprocess.Popen[str], Output]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OCEAN__")}
    env.update(
        {
            "PYTHONUNBUFFERED": "1",
            "OCEAN__PORT__BASE_URL": harbor.url,
            "OCEAN__PORT__CLIENT_ID": harbor.client_id,
            "OCEAN__PORT__CLIENT_SECRET": harbor.client_secret,
            "OCEAN__INTEGRATION__CONFIG__LEDGER_URL": ledger.url,
            "OCEAN__ACTIONS_PROCESSOR__ENABLED": "true",
            "OCEAN__ACTIONS_PROCESSOR__VISIBILITY_TIMEOUT_MS": str(LEASE_MS),
            "OCEAN__ACTIONS_PROCESSOR__POLL_CHECK_INTERVAL_SECONDS": "0.2",
        }
    )
    process = subprocess.Popen(
        [OCEAN, "sail", str(payments), "--port", "0"],
        cwd=payments.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
    )  # fmt: skip
    output = Output(process)
    output.wait_for(r"actions: executing transfer")
    return process, output


def run_document(harbor: Any, run_id: str) -> dict[str, Any]:
    with harbor.client() as client:
        run: dict[str, Any] = client.get(f"/v1/actions/runs/{run_id}").json()["run"]
    return run


def test_a_killed_executor_run_is_delivered_again_once_and_completes_once(
    payments: Path, harbor: Any, ledger: Ledger
) -> None:
    first, first_output = sail(payments, harbor, ledger)
    try:
        first_output.wait_for(r"Reconcile: deleted 0 stale")
        with harbor.client() as client:
            response = client.post(
                "/v1/actions/transfer/runs", json={"entity": "acct-1", "properties": {"amount": 5}}
            )
            assert response.status_code == 201, response.text
            run_id = response.json()["run"]["id"]
        first_output.wait_for(r"effect applied, now hanging")
        assert len(ledger.requests) == 1
        assert run_document(harbor, run_id)["status"] == "IN_PROGRESS"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=WAIT_SECONDS)

    second, second_output = sail(payments, harbor, ledger)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while (run := run_document(harbor, run_id))["status"] == "IN_PROGRESS":
            assert time.monotonic() < deadline, f"the run never finished:\n{''.join(second_output.seen)}"
            time.sleep(0.1)
        time.sleep(3 * LEASE_MS / 1000)  # long enough for another delivery, were one to happen
        run = run_document(harbor, run_id)
        with harbor.client() as client:
            logs = [
                line["message"] for line in client.get(f"/v1/actions/runs/{run_id}/logs").json()["runLogs"]
            ]
    finally:
        second.send_signal(signal.SIGINT)
        assert second.wait(timeout=WAIT_SECONDS) == 0

    assert run["status"] == "SUCCESS"
    assert run["deliveryCount"] == 2  # delivered again once, not more
    assert logs == ["delivery 1", "ledger answered 201", "delivery 2", "ledger answered 200"]
    key = f"port-run-{run_id}"
    assert ledger.requests == [key, key]  # the same idempotency key on both deliveries …
    assert ledger.entries == {key: {"account": "acct-1", "amount": 5}}  # … so the effect happened once
