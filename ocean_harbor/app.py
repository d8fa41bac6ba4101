"""The harbor application: Port's REST API (``/v1``), ingest URLs (``/ingest``) and the UI.

The harbor is the *other side of the wire*: it imports nothing from ``ocean_runtime`` or
``ocean_cli``, so a bug shared with the client cannot hide itself.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware

from ocean_harbor.api_actions import action_routes
from ocean_harbor.api_blueprints import blueprint_routes
from ocean_harbor.api_cursors import cursor_routes
from ocean_harbor.api_documents import document_routes
from ocean_harbor.api_entities import entity_routes
from ocean_harbor.api_ingest import ingest_routes
from ocean_harbor.api_integrations import integration_routes
from ocean_harbor.api_migrations import migration_routes
from ocean_harbor.api_organization import organization_routes
from ocean_harbor.api_search import search_routes
from ocean_harbor.auth import DEFAULT_TOKEN_TTL_SECONDS, BearerAuthMiddleware, TokenIssuer, token_route
from ocean_harbor.body_limits import BodyLimitMiddleware
from ocean_harbor.errors import EXCEPTION_HANDLERS, UnexpectedErrorMiddleware
from ocean_harbor.faults import FaultConfig, FaultMiddleware
from ocean_harbor.latency import Latency, LatencyMiddleware
from ocean_harbor.rate_limits import RateLimitMiddleware, RateLimits
from ocean_harbor.store import Store


def create_app(
    db_path: Path,
    *,
    client_id: str,
    client_secret: str,
    faults: FaultConfig | None = None,
    latency: Latency | None = None,
    rate_limits: RateLimits | None = None,
    token_ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """Builds a harbor serving the catalog in ``db_path``.

    Args:
        db_path: the SQLite file (created when missing).
        client_id: the accepted client id.
        client_secret: the accepted client secret.
        faults: faults to inject (see ``ocean_harbor.faults``); none by default.
        latency: how late API answers arrive (see ``ocean_harbor.latency``); none by default.
        rate_limits: Port's rate limits to enforce (see ``ocean_harbor.rate_limits``); none by
            default.
        token_ttl_seconds: lifetime of issued access tokens.
        clock: current Unix time for token expiry (tests pass their own).

    Returns:
        The Starlette app; ``app.state.store`` is its ``Store`` (closed at shutdown),
        ``app.state.rate_limits`` the ``RateLimits`` it enforces (or None).
    """
    from ocean_harbor.action_pages import action_ui_routes
    from ocean_harbor.ui import ui_routes

    store = Store(db_path)
    issuer = TokenIssuer(client_id, client_secret, ttl_seconds=token_ttl_seconds, clock=clock)
    # Literal paths come before parameterised ones (provision-enabled, datasource-entities).
    routes: list[Any] = [
        token_route(issuer),
        *organization_routes(),
        *integration_routes(store),
        *cursor_routes(store),
        *search_routes(store),
        *blueprint_routes(store),
        *entity_routes(store),
        *migration_routes(store),
        *action_routes(store),  # before document_routes: /v1/actions/runs… are literal paths
        *document_routes(store),
        *ingest_routes(store),
        *action_ui_routes(store),
        *ui_routes(store),
    ]
    # Outermost first: body limits, the network's delay, the gateway's limits, injected
    # faults, auth, then the last resort for failures (which keeps the connection).
    middleware = [Middleware(BearerAuthMiddleware, issuer=issuer), Middleware(UnexpectedErrorMiddleware)]
    if faults is not None and faults.rules:
        middleware.insert(0, Middleware(FaultMiddleware, config=faults))
    if rate_limits is not None:
        middleware.insert(0, Middleware(RateLimitMiddleware, limits=rate_limits))
    if latency:
        middleware.insert(0, Middleware(LatencyMiddleware, latency=latency))
    # Outermost of all: a body over its route's limit is refused before anything reads it.
    middleware.insert(0, Middleware(BodyLimitMiddleware))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        store.close()

    app = Starlette(
        routes=routes, middleware=middleware, exception_handlers=EXCEPTION_HANDLERS, lifespan=lifespan
    )
    app.state.store = store
    app.state.issuer = issuer
    app.state.rate_limits = rate_limits
    return app
