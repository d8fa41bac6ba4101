"""A REST API described in YAML, synced into Port: no code per API.

Every kind of the port-app-config is served by one generic handler: it looks up the kind's
endpoint in the integration config (``api_config.py``) and pages through it with the toolkit
(``ocean_runtime.http``): auth, retries with back-off, rate limits and pagination included.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from api_config import load_api_config, paginator_for

from ocean_runtime import http, ocean, updated_since


@ocean.on_start()
async def check_config() -> None:
    """Rejects a bad config (auth, endpoints, pagination) before anything is synced."""
    load_api_config(ocean.integration_config)


@ocean.on_resync()
async def resync_kind(kind: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Yields the items of ``kind``'s endpoint, one page at a time."""
    api = load_api_config(ocean.integration_config)
    endpoint = api.endpoint(kind)
    params = dict(endpoint.params)
    since = await updated_since() if endpoint.updated_since_param else None
    if since is not None and endpoint.updated_since_param:
        params[endpoint.updated_since_param] = since.isoformat()
    async with http.client(
        api.base_url,
        auth=api.auth_scheme(),
        headers=api.headers,
        rate_limit=api.rate_limit_policy(),
        retry=api.retry_policy(),
    ) as api_client:
        async for batch in http.paginate(
            api_client,
            endpoint.path,
            paginator=paginator_for(kind, endpoint),
            items_path=endpoint.items_path,
            method=endpoint.method,
            params=params,
            json_body=endpoint.body,
            headers=endpoint.headers,
            max_pages=endpoint.max_pages,
        ):
            yield batch
