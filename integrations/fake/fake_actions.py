"""Self-service actions of the fake organisation: deploy a version of a service.

The harbor shows a "Deploy" form on every ``fakeService`` entity (``.port/resources/actions.json``:
a version and the status the service reports after it). A run goes to ``deploy_service`` in
``main.py``, which calls ``deploy`` below: it records the deployment in the fake system — the
same live state signed webhooks change (``fake_webhook.DEPLOYMENTS``) — and writes the
service's new state to the catalog at once with ``ocean.register_raw``, so its entity shows the
version in ``deployments``.

Deploys of one service run one at a time, in the order they were asked for (the partition key
is the service). A repeated delivery of a run (its worker died) finds the version deployed
already and does not deploy it twice: ``Deployments.deploy`` ignores the same version twice in
a row. ``actionLatency`` (seconds per step) slows the run down enough to watch it progress.
"""

from __future__ import annotations

import asyncio

from fake_config import org_shape
from fake_webhook import DEPLOYMENTS, service_record

from ocean_runtime import ActionFailedError, ActionRun, ocean


def _step_seconds() -> float:
    return float(ocean.integration_config.get("action_latency") or 0)


def deployed_service(run: ActionRun) -> str:
    """The partition key of a deploy: deploys of one service run one at a time, in order."""
    return str(run.properties["service"])


async def deploy(run: ActionRun) -> None:
    """Deploy ``version`` of ``service``; the service then reports ``status``."""
    service, version, status = run.properties["service"], run.properties["version"], run.properties["status"]
    record = service_record(org_shape(), service)
    if record is None:
        raise ActionFailedError(
            f"{service!r} is not a service of the fake organisation", status_label="Unknown service"
        )
    if version < 1:
        raise ActionFailedError(f"version must be 1 or more, got {version}", status_label="Bad version")
    await run.log(f"Building {service} version {version}", status_label="Building")
    await asyncio.sleep(_step_seconds())
    await run.log(f"Rolling out version {version} of {service}", status_label="Rolling out")
    DEPLOYMENTS.deploy(service, version, status)
    await asyncio.sleep(_step_seconds())
    live = DEPLOYMENTS.apply(record)
    if live is not None:
        await ocean.register_raw("service", [live])
    await run.add_link(f"{record['url']}/deployments/{version}")
    await run.log(f"{service} runs version {version} and reports {status}", status_label="Deployed")
