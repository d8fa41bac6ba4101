"""The toolkit for 3rd-party APIs: one client factory, auth, retries, rate limits, pagination.

    from ocean_runtime.http import BearerAuth, RateLimit, client, paginate

    github = client("https://api.github.com", auth=BearerAuth(token), rate_limit=RateLimit(concurrency=10))

    @ocean.on_resync("repository")
    async def repositories(kind: str):
        async for batch in paginate(github, "/orgs/acme/repos", paginator="link_header"):
            yield batch

Integrations write no retry loop and no pagination loop of their own. Tests route every
toolkit client to a fake API with ``use_http`` (or ``ocean_runtime.testing``'s fixtures).
"""

from .cache import cache_per_resync, clear_resync_cache
from .client import client
from .context import Clock, HttpOverride, SystemClock, current_override, use_http
from .jsonpath import get_path
from .pagination import Batch, make_paginator, paginate
from .paginators import (
    PAGINATORS,
    CursorPaginator,
    LinkHeaderPaginator,
    NextUrlPaginator,
    OffsetPaginator,
    Page,
    PageNumberPaginator,
    PageRequest,
    Paginator,
    SinglePage,
    register_paginator,
)
from .transports import (
    ApiKeyAuth,
    AuthScheme,
    AuthTransport,
    BasicAuth,
    BearerAuth,
    OAuth2ClientCredentials,
    RateLimit,
    RateLimitTransport,
    RetryPolicy,
    RetryTransport,
    parse_retry_after,
)

__all__ = [
    "PAGINATORS",
    "ApiKeyAuth",
    "AuthScheme",
    "AuthTransport",
    "BasicAuth",
    "Batch",
    "BearerAuth",
    "Clock",
    "CursorPaginator",
    "HttpOverride",
    "LinkHeaderPaginator",
    "NextUrlPaginator",
    "OAuth2ClientCredentials",
    "OffsetPaginator",
    "Page",
    "PageNumberPaginator",
    "PageRequest",
    "Paginator",
    "RateLimit",
    "RateLimitTransport",
    "RetryPolicy",
    "RetryTransport",
    "SinglePage",
    "SystemClock",
    "cache_per_resync",
    "clear_resync_cache",
    "client",
    "current_override",
    "get_path",
    "make_paginator",
    "paginate",
    "parse_retry_after",
    "register_paginator",
    "use_http",
]
