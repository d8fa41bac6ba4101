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
import signal
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.sail import Sail, eventually, launch_sail, ocean_env

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


def sail(payments: Path, harbor: Any, ledger: Ledger) -> Sail:
    """``ocean sail`` of the payments integration, once its actions processor is executing."""
    env = ocean_env(
        harbor,
        OCEAN__INTEGRATION__CONFIG__LEDGER_URL=ledger.url,
        OCEAN__ACTIONS_PROCESSOR__ENABLED="true",
        OCEAN__ACTIONS_PROCESSOR__VISIBILITY_TIMEOUT_MS=str(LEASE_MS),
        OCEAN__ACTIONS_PROCESSOR__POLL_CHECK_INTERVAL_SECONDS="0.2",
    )
    running = launch_sail(payments, env, payments.parent, wait_seconds=WAIT_SECONDS)
    try:
        running.wait_for(r"actions: executing transfer")
    except BaseException:
        running.stop(signal.SIGKILL)  # never leave it running behind a failed start
        raise
    return running


def run_document(harbor: Any, run_id: str) -> dict[str, Any]:
    with harbor.client() as client:
        run: dict[str, Any] = client.get(f"/v1/actions/runs/{run_id}").json()["run"]
    return run


def test_a_killed_executor_run_is_delivered_again_once_and_completes_once(
    payments: Path, harbor: Any, ledger: Ledger
) -> None:
    first = sail(payments, harbor, ledger)
    try:
        first.wait_for(r"Reconcile: deleted 0 stale")
        with harbor.client() as client:
            response = client.post(
                "/v1/actions/transfer/runs", json={"entity": "acct-1", "properties": {"amount": 5}}
            )
            assert response.status_code == 201, response.text
            run_id = response.json()["run"]["id"]
        first.wait_for(r"effect applied, now hanging")
        assert len(ledger.requests) == 1
        assert run_document(harbor, run_id)["status"] == "IN_PROGRESS"
    finally:
        first.stop(signal.SIGKILL, timeout=WAIT_SECONDS)

    second = sail(payments, harbor, ledger)
    try:
        eventually(
            lambda: run_document(harbor, run_id)["status"] != "IN_PROGRESS",
            "the run finished",
            second,
            timeout=WAIT_SECONDS,
        )
        time.sleep(3 * LEASE_MS / 1000)  # long enough for another delivery, were one to happen
        run = run_document(harbor, run_id)
        with harbor.client() as client:
            logs = [
                line["message"] for line in client.get(f"/v1/actions/runs/{run_id}/logs").json()["runLogs"]
            ]
    finally:
        assert second.stop(signal.SIGINT, timeout=WAIT_SECONDS) == 0, second.output()

    assert run["status"] == "SUCCESS"
    assert run["deliveryCount"] == 2  # delivered again once, not more
    assert logs == ["delivery 1", "ledger answered 201", "delivery 2", "ledger answered 200"]
    key = f"port-run-{run_id}"
    assert ledger.requests == [key, key]  # the same idempotency key on both deliveries …
    assert ledger.entries == {key: {"account": "acct-1", "amount": 5}}  # … so the effect happened once
