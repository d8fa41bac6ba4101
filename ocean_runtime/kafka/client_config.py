"""librdkafka settings Ocean's consumers and producers share, and where librdkafka logs go.

Every consumer commits by hand (``enable.auto.commit=false``): an offset is committed only
once the work its message asked for is done. Partitions are handed out with the
``cooperative-sticky`` assignor, so a replica joining or leaving moves only the partitions
that must move, and the others keep working through the rebalance.

While a broker is unreachable librdkafka retries the connection several times a second and
reports every failure twice (its log and ``error_cb``). Both go through ``RepeatThrottle``: a
message is logged once, its repeats (the same text, numbers aside) are counted and summed up
at most once per ``REPEAT_WINDOW_SECONDS`` — so an outage reads as a few lines, not a flood.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

logger = logging.getLogger("ocean.kafka")
_librdkafka_logger = logging.getLogger("ocean.kafka.librdkafka")

REPEAT_WINDOW_SECONDS = 60.0

ClientConfig = dict[str, Any]

CONSUMER_DEFAULTS: ClientConfig = {
    "enable.auto.commit": False,
    "auto.offset.reset": "earliest",
    "partition.assignment.strategy": "cooperative-sticky",
    # A crashed replica's partitions move to the others after 10 s instead of librdkafka's 45 s.
    "session.timeout.ms": 10_000,
    "heartbeat.interval.ms": 1_000,
    # Subscribed topics that are created (or re-created after a broker loss) are noticed soon.
    "topic.metadata.refresh.interval.ms": 10_000,
}

PRODUCER_DEFAULTS: ClientConfig = {
    # Acknowledged by every in-sync replica; one request in flight keeps the order per
    # partition through retries. Not the idempotent producer: after a broker lost its state
    # (a fresh broker, a re-created topic) it stalls for good on sequence numbers the broker no
    # longer knows, where this one resumes — a retry may duplicate a message, and processing
    # is idempotent anyway.
    "acks": "all",
    "enable.idempotence": False,
    "max.in.flight.requests.per.connection": 1,
    "linger.ms": 5,
    # ``submit`` waits for the delivery report: a broker that is gone must fail it soon, so
    # the webhook sender gets a 503 and retries rather than hanging.
    "message.timeout.ms": 15_000,
}


def consumer_config(
    bootstrap_servers: str, group_id: str, overrides: Mapping[str, Any] | None = None
) -> ClientConfig:
    """A manual-commit consumer configuration for ``group_id`` (``overrides`` win)."""
    config = {**CONSUMER_DEFAULTS, "bootstrap.servers": bootstrap_servers, "group.id": group_id}
    config.update(overrides or {})
    return _with_callbacks(config)


def producer_config(bootstrap_servers: str, overrides: Mapping[str, Any] | None = None) -> ClientConfig:
    """An acks=all, order-keeping producer configuration (``overrides`` win)."""
    config = {**PRODUCER_DEFAULTS, "bootstrap.servers": bootstrap_servers}
    config.update(_producer_relevant(overrides or {}))
    return _with_callbacks(config)


def admin_config(bootstrap_servers: str, overrides: Mapping[str, Any] | None = None) -> ClientConfig:
    """An admin client configuration carrying the connection and security settings of ``overrides``."""
    config: ClientConfig = {"bootstrap.servers": bootstrap_servers}
    config.update({k: v for k, v in (overrides or {}).items() if k.startswith(_CONNECTION_PREFIXES)})
    return _with_callbacks(config)


def parse_brokers(value: str) -> str:
    """``bootstrap.servers`` from a comma-separated list or a JSON array string (as the reference)."""
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        import json

        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            return text
        if isinstance(parsed, list):
            return ",".join(str(item).strip() for item in parsed)
    return text


# Settings a consumer-oriented ``config`` mapping may hold that a producer must not receive.
_CONSUMER_ONLY = (
    "group.",
    "session.timeout.ms",
    "heartbeat.interval.ms",
    "max.poll.interval.ms",
    "auto.offset.reset",
    "enable.auto.commit",
    "partition.assignment.strategy",
    "fetch.",
    "isolation.level",
)
_CONNECTION_PREFIXES = ("security.", "sasl.", "ssl.", "client.id", "socket.")


def _producer_relevant(overrides: Mapping[str, Any]) -> ClientConfig:
    return {key: value for key, value in overrides.items() if not key.startswith(_CONSUMER_ONLY)}


class RepeatThrottle:
    """Lets a message through once per ``window`` seconds and counts the repeats in between.

    Messages are the same when they differ only in numbers ("after 0ms" / "after 451ms").
    Safe to call from librdkafka's threads.

    Args:
        window: seconds during which repeats are held back.
        clock: returns the current time (``time.monotonic`` by default).
    """

    MAX_REMEMBERED = 1_000

    def __init__(
        self, window: float = REPEAT_WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, int]] = {}  # shape → (when last let through, repeats since)

    def admit(self, message: str) -> int | None:
        """None to drop ``message``; otherwise how many repeats were dropped since it last passed."""
        shape = re.sub(r"\d+", "#", message)
        now = self._clock()
        with self._lock:
            passed, repeats = self._seen.get(shape, (None, 0))
            if passed is not None and now - passed < self._window:
                self._seen[shape] = (passed, repeats + 1)
                return None
            if len(self._seen) >= self.MAX_REMEMBERED:
                self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self._window}
            self._seen[shape] = (now, 0)
            return repeats


class _ThrottledLog:
    """Where one client's librdkafka logs go: ``ocean.kafka.librdkafka``, repeats held back.

    librdkafka calls ``log(level, format, *args)`` on the object given as ``logger``. One per
    client (no filter attached to a shared logger at import time), so two clients' messages
    never hold each other back.
    """

    def __init__(self, target: logging.Logger, throttle: RepeatThrottle) -> None:
        self._target = target
        self._throttle = throttle

    def log(self, level: int, message: str, *args: Any) -> None:
        text = message % args if args else message
        repeats = self._throttle.admit(text)
        if repeats is not None:
            self._target.log(level, "%s%s", text, _held_back(repeats))


def _with_callbacks(config: ClientConfig) -> ClientConfig:
    config.setdefault("logger", _ThrottledLog(_librdkafka_logger, RepeatThrottle()))
    config.setdefault("error_cb", functools.partial(_log_client_error, RepeatThrottle()))
    return config


def _log_client_error(throttle: RepeatThrottle, error: Any) -> None:
    # Broker unreachable, all brokers down…: librdkafka keeps reconnecting by itself, so this
    # is worth a warning, not a crash. Fatal errors are raised by the next call instead.
    message = f"Kafka client: {error}"
    repeats = throttle.admit(message)
    if repeats is None:
        return
    logger.warning("%s%s", message, _held_back(repeats))


def _held_back(repeats: int) -> str:
    return f" ({repeats} similar message(s) held back since it was last logged)" if repeats else ""
