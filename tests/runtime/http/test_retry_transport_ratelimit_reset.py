"""X-RateLimit-Reset means "retry after" unless X-RateLimit-Remaining says budget is left."""

from __future__ import annotations

import httpx
import pytest

from ocean_runtime.http.transports.retry import server_requested_wait

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (502, {"X-RateLimit-Reset": str(int(NOW) + 3000), "X-RateLimit-Remaining": "4999"}, None),
        (403, {"X-RateLimit-Reset": str(int(NOW) + 60), "X-RateLimit-Remaining": "0"}, 60.0),
        (429, {"X-RateLimit-Reset": "7"}, 7.0),
        (503, {"Retry-After": "2", "X-RateLimit-Reset": str(int(NOW) + 3000)}, 2.0),
        (503, {"X-RateLimit-Reset": str(int(NOW) + 20)}, 20.0),
    ],
)
def test_reset_header_counts_only_for_rate_limit_answers(
    status: int, headers: dict[str, str], expected: float | None
) -> None:
    assert server_requested_wait(httpx.Response(status, headers=headers), NOW) == expected
