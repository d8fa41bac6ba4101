"""Test kit for integrations: resyncs into a local Port, a fake 3rd-party API, catalog checks.

With the pytest plugin that ships with Ocean (fixtures ``harbor``, ``third_party``,
``fake_clock``, ``ocean_resync``, ``catalog``, ``ocean_live``, ``ocean_actions``; see
``ocean_runtime.testing.plugin``)::

    def test_resync(third_party, ocean_resync, catalog):
        third_party.get("https://api.example.com/items", json=[{"id": "a"}])
        ocean_resync(INTEGRATION_DIR)
        catalog.assert_identifiers("item", ["a"])

Or by hand: ``resync(INTEGRATION_DIR, base_url=harbor.url, client_id=…, client_secret=…)``.
It runs exactly what ``ocean sail DIR --once`` runs into the local harbor (start handlers,
defaults, the folder's port-app-config pushed to the integration, one resync), reading settings
from ``env`` only — never from the developer's shell — so tests are hermetic.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocean_runtime.errors import AbortRunError

from .actions import ActionRunError, ActionsIntegration, actions_integration
from .catalog import Catalog
from .clock import FakeClock
from .fake_api import FakeAPI, UnmatchedRequestError
from .live import LiveIntegration, live_integration

if TYPE_CHECKING:
    from ocean_runtime.sync import ResyncReport

__all__ = [
    "ActionRunError",
    "ActionsIntegration",
    "Catalog",
    "FakeAPI",
    "FakeClock",
    "LiveIntegration",
    "ResyncFailedError",
    "UnmatchedRequestError",
    "actions_integration",
    "live_integration",
    "resync",
    "resync_async",
]


class ResyncFailedError(AbortRunError):
    """The resync ran but failed; ``report`` says why."""

    def __init__(self, report: ResyncReport) -> None:
        self.report = report
        super().__init__("the resync failed: " + "; ".join(report.reasons() or [report.status.value]))


async def resync_async(
    integration_dir: Path | str,
    *,
    base_url: str,
    client_id: str,
    client_secret: str,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    incremental: bool = False,
) -> ResyncReport:
    """``resync`` for async tests (same arguments)."""
    from ocean_runtime.app import IntegrationRunner, PortTarget, load_integration

    environ = dict(env or {})
    environ.update(
        {
            "OCEAN__PORT__BASE_URL": base_url,
            "OCEAN__PORT__CLIENT_ID": client_id,
            "OCEAN__PORT__CLIENT_SECRET": client_secret,
        }
    )
    app = load_integration(
        Path(integration_dir), environ=environ, overrides={"event_listener": {"type": "ONCE"}}
    )
    # The folder's port-app-config is the truth in tests: it is pushed to the integration on
    # every call, so a test may edit it between two resyncs.
    target = PortTarget(base_url, client_id, client_secret, local=True)
    async with IntegrationRunner(app, target) as runner:
        await runner.prepare()
        report = await runner.resync(incremental=incremental)
    if check and not report.ok:
        raise ResyncFailedError(report)
    return report


def resync(
    integration_dir: Path | str,
    *,
    base_url: str,
    client_id: str,
    client_secret: str,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    incremental: bool = False,
) -> ResyncReport:
    """Dock the integration's defaults and run one resync into ``base_url``.

    Args:
        integration_dir: the integration folder (holding ``main.py`` and ``.port/``).
        base_url: the Port API root, e.g. the ``harbor`` fixture's ``url``.
        client_id: Port client id.
        client_secret: Port client secret.
        env: ``OCEAN__*`` settings for this run (``OCEAN__INTEGRATION__CONFIG__…``).
        check: raise ``ResyncFailedError`` when the resync fails (default); False returns
            the failed report instead.
        incremental: run an incremental sync (cursors, no deletions) instead of a full one.

    Returns:
        The resync's report.

    Raises:
        UserInputError: bad settings, spec, mapping or integration code.
        ResyncFailedError: the resync failed (``check``).
    """
    coroutine = resync_async(
        integration_dir,
        base_url=base_url,
        client_id=client_id,
        client_secret=client_secret,
        env=env,
        check=check,
        incremental=incremental,
    )
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    return _run_in_thread(coroutine)


def _run_in_thread(coroutine: Any) -> ResyncReport:
    """Run ``coroutine`` on a fresh loop in a thread (called from inside a running loop).

    The thread runs in a copy of the caller's context, so a ``use_http`` override (the
    ``third_party`` fixture) still routes the integration's clients.
    """
    outcome: dict[str, Any] = {}
    caller_context = contextvars.copy_context()

    def target() -> None:
        try:
            outcome["report"] = caller_context.run(asyncio.run, coroutine)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="ocean-resync")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    report: ResyncReport = outcome["report"]
    return report
