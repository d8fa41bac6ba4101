"""The organization and the integration-provisioning switch: fixed answers for a local Port.

No feature flags means the published client takes its plain paths (no DSP, no lakehouse, no
Port-side provisioning), and an empty ``provision-enabled`` list selects the "Default" origin:
blueprints come from the integration's own ``.port/resources``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocean_harbor.http_utils import ok

ORGANIZATION = {"id": "org_harbor", "name": "harbor", "featureFlags": []}


async def organization(request: Request) -> Response:
    """``GET /v1/organization``."""
    return ok(organization=ORGANIZATION)


async def provision_enabled(request: Request) -> Response:
    """``GET /v1/integration/provision-enabled``: no integration type is provisioned by Port."""
    return ok(integrations=[])


def organization_routes() -> list[Route]:
    """Routes of this module (``provision-enabled`` must precede ``/v1/integration/{id}``)."""
    return [
        Route("/v1/organization", organization, methods=["GET"]),
        Route("/v1/integration/provision-enabled", provision_enabled, methods=["GET"]),
    ]
