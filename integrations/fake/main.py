"""The fake organisation integration: departments (with their people) and services.

Sizes come from ``.port/spec.yaml`` configurations, e.g.
``OCEAN__INTEGRATION__CONFIG__PEOPLE_PER_DEPARTMENT=5``. The two handlers deliberately use the two
handler shapes Ocean supports: an async generator yielding batches, and a coroutine returning a
list. Services also change live, through signed webhooks (``fake_webhook.py``), and through the
"Deploy" self-service action (``fake_actions.py``; run it from a service's page in the harbor).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fake_actions import deploy, deployed_service
from fake_config import org_shape
from fake_org import batched, departments, services
from fake_webhook import FakeWebhook, with_live_state

from ocean_runtime import ActionRun, ocean

# Departments arrive in pages of this many, as from a paginated people API.
DEPARTMENT_PAGE_SIZE = 2


@ocean.on_start()
async def check_configuration() -> None:
    """Fails fast on impossible sizes, before anything is synced."""
    org_shape()


@ocean.on_resync("department")
async def resync_departments(kind: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Streams departments page by page; each carries its ``people`` list."""
    for page in batched(departments(org_shape()), DEPARTMENT_PAGE_SIZE):
        yield page


@ocean.on_resync("service")
async def resync_services(kind: str) -> list[dict[str, Any]]:
    """Returns every service at once (as the webhooks left them)."""
    return with_live_state(services(org_shape()))


ocean.add_webhook_processor("/webhook", FakeWebhook)


@ocean.on_action("deploy_service", partition_key=deployed_service)
async def deploy_service(run: ActionRun) -> None:
    """Deploys a version of a service: the "Deploy" action on a ``fakeService`` entity."""
    await deploy(run)
