"""RetryTransport on its own: which requests are resent, and how long it waits."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from ocean_runtime.port import RetryPolicy, RetryTransport, parse_retry_after

NOW = 1_700_000_000.0


class Script:
    """A MockTransport handler answering from a list, then 200."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if self.answers:
            answer = self.answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return httpx.Response(200, json={"ok": True})


async def send(
    script: Script,
    waits: list[float],
    method: str = "GET",
    *,
    retryable: bool = False,
    policy: RetryPolicy | None = None,
    rand: Callable[[], float] = lambda: 0.5,
) -> httpx.Response:
    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    transport = RetryTransport(
        httpx.MockTransport(script), policy or RetryPolicy(), sleep=sleep, clock=lambda: NOW, rand=rand
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://port.test") as client:
        extensions = {"retryable": True} if retryable else None
        return await client.request(method, "/v1/x", json={"a": 1}, extensions=extensions)


async def test_429_waits_what_retry_after_says() -> None:
    waits: list[float] = []
    script = Script(
        httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(429, headers={"Retry-After": "0"})
    )
    response = await send(script, waits)
    assert response.status_code == 200
    assert waits == [7.0, 0.0]
    assert len(script.seen) == 3


async def test_x_ratelimit_reset_epoch_is_time_until_then() -> None:
    waits: list[float] = []
    script = Script(httpx.Response(429, headers={"x-ratelimit-reset": str(int(NOW) + 20)}))
    await send(script, waits)
    assert waits == [20.0]


async def test_retry_after_is_capped() -> None:
    waits: list[float] = []
    script = Script(httpx.Response(503, headers={"Retry-After": "600"}))
    await send(script, waits, policy=RetryPolicy(max_delay=30.0))
    assert waits == [30.0]


async def test_backoff_doubles_from_base_delay_until_the_cap() -> None:
    waits: list[float] = []
    script = Script(*(httpx.Response(502) for _ in range(7)))
    response = await send(script, waits, policy=RetryPolicy(max_delay=5.0))  # rand 0.5 = no jitter
    assert response.status_code == 200
    assert waits == pytest.approx([0.3, 0.6, 1.2, 2.4, 4.8, 5.0, 5.0])


@pytest.mark.parametrize("rand, factor", [(0.0, 0.9), (1.0, 1.1)])
async def test_jitter_stays_within_ten_percent(rand: float, factor: float) -> None:
    waits: list[float] = []
    await send(Script(httpx.Response(504)), waits, rand=lambda: rand)
    assert waits == pytest.approx([0.3 * factor])


async def test_gives_up_after_max_attempts_and_returns_the_last_answer() -> None:
    waits: list[float] = []
    script = Script(*(httpx.Response(503, json={"ok": False, "n": n}) for n in range(10)))
    response = await send(script, waits, policy=RetryPolicy(max_attempts=4))
    assert response.status_code == 503
    assert response.json()["n"] == 3
    assert len(script.seen) == 4
    assert len(waits) == 3


@pytest.mark.parametrize("status", [400, 401, 404, 409, 413, 422, 500])
async def test_other_statuses_are_not_retried(status: int) -> None:
    waits: list[float] = []
    script = Script(httpx.Response(status))
    response = await send(script, waits)
    assert response.status_code == status
    assert len(script.seen) == 1 and waits == []


@pytest.mark.parametrize("method", ["PATCH", "POST"])
async def test_unsafe_methods_are_not_retried(method: str) -> None:
    waits: list[float] = []
    script = Script(httpx.Response(429, headers={"Retry-After": "1"}))
    response = await send(script, waits, method)
    assert response.status_code == 429
    assert len(script.seen) == 1


async def test_post_marked_retryable_is_retried_with_the_same_body() -> None:
    waits: list[float] = []
    script = Script(httpx.Response(502), httpx.ConnectError("refused"))
    response = await send(script, waits, "POST", retryable=True)
    assert response.status_code == 200
    assert [r.content for r in script.seen] == [b'{"a":1}'] * 3


async def test_network_errors_are_retried_then_raised() -> None:
    waits: list[float] = []
    script = Script(*(httpx.ConnectError("refused") for _ in range(3)))
    with pytest.raises(httpx.ConnectError):
        await send(script, waits, policy=RetryPolicy(max_attempts=3))
    assert len(script.seen) == 3 and len(waits) == 2


async def test_timeout_on_unmarked_post_is_not_retried() -> None:
    waits: list[float] = []
    script = Script(httpx.ReadTimeout("slow"))
    with pytest.raises(httpx.ReadTimeout):
        await send(script, waits, "POST")
    assert len(script.seen) == 1


@pytest.mark.parametrize(
    "value, expected",
    [
        ("7", 7.0),
        ("1.5", 1.5),
        (" 3 ", 3.0),
        (str(int(NOW) + 42), 42.0),
        (str(int(NOW) - 5), 0.0),  # a reset moment in the past: go now
        ("Tue, 14 Nov 2023 22:13:30 GMT", 10.0),  # NOW is 22:13:20 UTC
        ("2023-11-14T22:13:35Z", 15.0),
        ("2023-11-14T22:13:35", 15.0),  # naive ISO is UTC
        ("soon", None),
        ("", None),
    ],
)
def test_parse_retry_after(value: str, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == (pytest.approx(expected) if expected is not None else None)


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="jitter_ratio"):
        RetryPolicy(jitter_ratio=0.9)
