"""``PortClient``: the one object the runtime uses to talk to Port (or a local harbor).

It only assembles parts: an httpx client whose transport chain is

    TokenAuthTransport → RetryTransport → ThrottleTransport → the network (or a test's MockTransport)

and one small API object per Port concept (integrations, blueprints, documents, entity upserts,
searches, deletions, action runs). Its methods delegate to those, so each concept stays
readable on its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import httpx

from ocean_runtime.errors import UserInputError
from ocean_runtime.http.transports.network import network_transport

from .action_runs import ActionRunsAPI
from .auth import TOKEN_PATH, TokenAuthTransport
from .batching import MAX_BATCH_BYTES, MAX_BATCH_LENGTH
from .blueprints import BlueprintsAPI
from .concurrency import DEFAULT_INITIAL, AdaptiveConcurrency
from .cursors import CursorsAPI
from .deletion import DeletionAPI
from .documents import DocumentsAPI
from .entities import EntitiesAPI, UpsertOutcome
from .identity import PortIdentity
from .integrations import IntegrationsAPI
from .kafka_credentials import KafkaCredentials, get_kafka_credentials
from .rate_budget import RateBudget
from .retry import Clock, RetryPolicy, RetryTransport, Sleep
from .search import SearchAPI
from .session import PortSession
from .throttle import ThrottleTransport

TIMEOUT_SECONDS = 60.0
# The same bound as the reference's pool; the adaptive limit (concurrency.py) stays within it.
MAX_CONNECTIONS = 100


class PortClient:
    """Async client for Port's REST API, as the Ocean runtime uses it.

    Use it as an async context manager::

        async with PortClient(url, client_id, secret, integration_identifier="my-jira",
                              integration_type="jira", integration_version="0.1.0") as port:
            outcomes = await port.upsert_entities("issue", entities)

    Args:
        base_url: Port API root without ``/v1`` (``https://api.getport.io`` or a harbor URL).
        client_id: Port client id.
        client_secret: Port client secret (never logged).
        integration_identifier: this installation's identifier.
        integration_type: the integration type (``jira``).
        integration_version: the integration's version.
        transport: the innermost transport; default is the network as the environment says
            (``HTTPS_PROXY``/``NO_PROXY``, ``SSL_CERT_FILE``/``REQUESTS_CA_BUNDLE``: see
            ``ocean_runtime.http.transports.network``). Tests pass an ``httpx.MockTransport``.
        max_concurrency: most requests in flight at once for this client; below it the client
            keeps as many in flight as Port sustains (``concurrency.py``).
        max_batch_length: most entities per bulk upsert (``OCEAN__UPSERT_ENTITIES_BATCH_MAX_LENGTH``).
        max_batch_bytes: most JSON bytes per bulk upsert
            (``OCEAN__UPSERT_ENTITIES_BATCH_MAX_SIZE_IN_BYTES``).
        retry_policy: attempts and backoff; see ``RetryPolicy``.
        sleep: how to wait between retries (tests pass a recorder).
        clock: Unix time, for ``Retry-After`` dates.
        monotonic: monotonic seconds, for token expiry.
        environ: the environment naming proxies and CA bundles (default ``os.environ``).
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        integration_identifier: str,
        integration_type: str,
        integration_version: str,
        transport: httpx.AsyncBaseTransport | None = None,
        max_concurrency: int = MAX_CONNECTIONS,
        max_batch_length: int = MAX_BATCH_LENGTH,
        max_batch_bytes: int = MAX_BATCH_BYTES,
        retry_policy: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.time,
        monotonic: Clock = time.monotonic,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        root = _checked_base_url(base_url)
        self.identity = PortIdentity(integration_type, integration_version, integration_identifier)
        # A resync is thousands of small requests to one host: directly, the lean HTTP/1.1
        # transport costs a fraction of httpx's per request (http11.py); via a proxy, httpx's.
        network = transport or network_transport(
            root, environ=environ, lean=True, max_connections=MAX_CONNECTIONS
        )
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        # One flow control for the whole client — every kind and every live event share its
        # rate budgets and its concurrency limit (see throttle.py); it sees every retry too.
        self.concurrency = AdaptiveConcurrency(
            initial=min(DEFAULT_INITIAL, max_concurrency), maximum=max_concurrency, clock=monotonic
        )
        self.rate_budget = RateBudget(clock=monotonic, sleep=sleep)
        throttled = ThrottleTransport(
            network,
            concurrency=self.concurrency,
            budget=self.rate_budget,
            sleep=sleep,
            clock=clock,
            monotonic=monotonic,
        )
        retrying = RetryTransport(throttled, retry_policy, sleep=sleep, clock=clock)
        authenticated = TokenAuthTransport(
            retrying,
            token_url=root + TOKEN_PATH,
            client_id=client_id,
            client_secret=client_secret,
            user_agent=self.identity.user_agent(),
            clock=monotonic,
        )
        self._session = PortSession(authenticated, root, self.identity, timeout=TIMEOUT_SECONDS)
        self.integrations = IntegrationsAPI(self._session)
        self.blueprints = BlueprintsAPI(self._session)
        self.documents = DocumentsAPI(self._session)
        self.entities = EntitiesAPI(
            self._session, max_batch_length=max_batch_length, max_batch_bytes=max_batch_bytes
        )
        self.search = SearchAPI(self._session)
        self.deletion = DeletionAPI(self._session)
        self.cursors = CursorsAPI(self._session)
        self.action_runs = ActionRunsAPI(self._session)

    @property
    def base_url(self) -> str:
        """The Port API root this client talks to."""
        return self._session.base_url

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections. Safe to call twice."""
        await self._session.aclose()

    # -- organization and integration ------------------------------------------------------

    async def get_organization(self) -> dict[str, Any]:
        """The organization (``featureFlags``…)."""
        return await self.integrations.get_organization()

    async def get_integration(self) -> dict[str, Any] | None:
        """This integration's record, or None when Port does not know it."""
        return await self.integrations.get_integration()

    async def create_integration(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create this integration's record."""
        return await self.integrations.create_integration(body)

    async def patch_integration(self, body: dict[str, Any]) -> dict[str, Any]:
        """Merge ``body`` into this integration's record."""
        return await self.integrations.patch_integration(body)

    async def patch_integration_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """Replace the integration's port-app-config (``PortAppConfig.to_request()``)."""
        return await self.integrations.patch_integration_config(config)

    async def update_resync_state(self, state: dict[str, Any]) -> dict[str, Any]:
        """Report the resync state (running/completed/failed/aborted)."""
        return await self.integrations.update_resync_state(state)

    async def get_resync_request(self) -> dict[str, Any] | None:
        """The pending resync request, or None."""
        return await self.integrations.get_resync_request()

    async def get_kafka_credentials(self) -> KafkaCredentials:
        """The SASL credentials of Port's Kafka brokers (``GET /v1/kafka-credentials``)."""
        return await get_kafka_credentials(self._session)

    async def delete_integration(self) -> bool:
        """Delete this integration's record; False when it did not exist."""
        return await self.integrations.delete_integration()

    async def send_kind_examples(self, kind: str, examples: list[dict[str, Any]]) -> None:
        """Best effort: send a few raw items of ``kind``; failures are logged, not raised."""
        await self.integrations.send_kind_examples(kind, examples)

    async def ingest_logs(self, records: list[dict[str, Any]]) -> None:
        """Best effort: ship log records to Port; failures are logged, not raised."""
        await self.integrations.ingest_logs(records)

    # -- blueprints and documents ----------------------------------------------------------

    async def get_blueprint(self, identifier: str) -> dict[str, Any] | None:
        """A blueprint, or None when it does not exist."""
        return await self.blueprints.get_blueprint(identifier)

    async def create_blueprint(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a blueprint."""
        return await self.blueprints.create_blueprint(body)

    async def patch_blueprint(self, identifier: str, body: dict[str, Any]) -> dict[str, Any]:
        """Update a blueprint."""
        return await self.blueprints.patch_blueprint(identifier, body)

    async def delete_blueprint(self, identifier: str, *, with_entities: bool = False) -> str | None:
        """Delete a blueprint (and its entities: returns the migration id)."""
        return await self.blueprints.delete_blueprint(identifier, with_entities=with_entities)

    async def get_migration(self, migration_id: str) -> dict[str, Any]:
        """A blueprint-deletion migration (``status``)."""
        return await self.blueprints.get_migration(migration_id)

    async def create_action(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a self-service action."""
        return await self.documents.create_action(body)

    async def update_action(self, body: dict[str, Any]) -> dict[str, Any]:
        """Replace a self-service action (by its identifier)."""
        return await self.documents.update_action(body)

    async def create_scorecard(self, blueprint: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create a scorecard on a blueprint."""
        return await self.documents.create_scorecard(blueprint, body)

    async def create_page(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a catalog page."""
        return await self.documents.create_page(body)

    # -- entities --------------------------------------------------------------------------

    async def upsert_entities(
        self,
        blueprint: str,
        entities: Sequence[dict[str, Any]],
        *,
        merge: bool = True,
        create_missing_related_entities: bool = True,
        event_params: Mapping[str, str] | None = None,
    ) -> list[UpsertOutcome]:
        """Write entities of one blueprint; one ``UpsertOutcome`` per entity, input order.

        See ``EntitiesAPI.upsert_entities``: per-entity refusals are outcomes, only
        ``PortAuthError``/``PortUnreachableError`` are raised.
        """
        return await self.entities.upsert_entities(
            blueprint,
            entities,
            merge=merge,
            create_missing_related_entities=create_missing_related_entities,
            event_params=event_params,
        )

    async def upsert_entity(
        self,
        blueprint: str,
        entity: dict[str, Any],
        *,
        merge: bool = True,
        create_missing_related_entities: bool = True,
        event_params: Mapping[str, str] | None = None,
    ) -> UpsertOutcome:
        """Write one entity through the single-entity endpoint."""
        return await self.entities.upsert_entity(
            blueprint,
            entity,
            merge=merge,
            create_missing_related_entities=create_missing_related_entities,
            event_params=event_params,
        )

    async def search_entities(
        self, query: dict[str, Any], include: Sequence[str] | None = None, *, owned_only: bool = True
    ) -> list[dict[str, Any]]:
        """Search entities (by default only the ones this integration owns)."""
        return await self.search.search_entities(query, include, owned_only=owned_only)

    def iter_owned_entities(self, *, before: datetime | None = None) -> AsyncIterator[list[dict[str, Any]]]:
        """Pages of the entities this integration owns, last written before ``before``."""
        return self.search.iter_owned_entities(before=before)

    async def owns_entities(self, *, before: datetime) -> bool:
        """Whether this integration owns any entity last written before ``before`` (one small request)."""
        return await self.search.owns_entities(before=before)

    async def delete_entities(
        self,
        blueprint: str,
        identifiers: Iterable[str],
        *,
        delete_dependents: bool,
        event_params: Mapping[str, str] | None = None,
    ) -> list[str]:
        """Delete entities of one blueprint; returns the identifiers Port deleted."""
        return await self.deletion.delete_entities(
            blueprint, identifiers, delete_dependents=delete_dependents, event_params=event_params
        )


def _checked_base_url(base_url: str) -> str:
    root = base_url.strip().rstrip("/")
    url = httpx.URL(root) if root.startswith(("http://", "https://")) else None
    if url is None or not url.host:
        raise UserInputError(
            f"'{base_url}' is not an http(s) URL",
            location="OCEAN__PORT__BASE_URL",
            fix="set it to Port's API root, e.g. https://api.getport.io, or a harbor URL like http://127.0.0.1:5555",
        )
    return root
