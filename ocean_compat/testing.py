"""Published test helpers (``port_ocean.integration_testing``, ``port_ocean.tests.helpers``).

Only what the integrations' own tests import to start: an ``InterceptTransport`` (an httpx
transport answering from registered routes) and named placeholders for the published harness,
which drives the published app and has no Ocean equivalent (``ocean_runtime.testing`` is Ocean's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


class InterceptTransport(httpx.AsyncBaseTransport):
    """Answers requests from ``add_route(method, path, response)`` registrations, in order."""

    def __init__(self, strict: bool = True) -> None:
        self.strict = strict
        self.routes: list[tuple[str, str, Any]] = []
        self.calls: list[httpx.Request] = []

    def add_route(self, method: str, path: str, response: Any) -> None:
        self.routes.append((method.upper(), path, response))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        for method, path, response in self.routes:
            if request.method == method and (request.url.path == path or str(request.url).endswith(path)):
                answer = response(request) if callable(response) else response
                if isinstance(answer, httpx.Response):
                    return answer
                return httpx.Response(200, json=answer)
        if self.strict:
            raise AssertionError(f"no route for {request.method} {request.url}")
        return httpx.Response(404, json={})


@dataclass
class ResyncResult:
    upserted_entities: list[Any] = field(default_factory=list)
    errors: list[Any] = field(default_factory=list)


class _Unsupported:
    """A published test harness name with no Ocean equivalent: using it says so."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            f"{type(self).__name__} drives the published framework's app; "
            "Ocean's test kit is ocean_runtime.testing"
        )


class IntegrationTestHarness(_Unsupported):
    pass


class BaseIntegrationTest:
    pass


class SmokeTestDetails(_Unsupported):
    pass


def _unsupported(name: str) -> Callable[..., Any]:
    def helper(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{name} drives the published framework's app; use ocean_runtime.testing")

    return helper


get_mocked_ocean_app = _unsupported("get_mocked_ocean_app")
get_mock_ocean_resource_configs = _unsupported("get_mock_ocean_resource_configs")
get_integration_ocean_app = _unsupported("get_integration_ocean_app")
get_raw_result_on_integration_sync_resource_config = _unsupported(
    "get_raw_result_on_integration_sync_resource_config"
)
