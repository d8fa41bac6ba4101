"""The KAFKA event listener: Port's topic says "resync", the integration resyncs.

    Port ──► {orgId}.change.log (or {orgId}.integration.resync.requests)
              │  consumer group {orgId}.{type}.{identifier}
              ▼
    a message for this integration ──► trigger.request_and_wait(...) ──► resync ──► commit

Like the reference: the topic is ``{orgId}.change.log``, or
``{orgId}.integration.resync.requests`` when the organization has the feature flag
``OCEAN_KAFKA_INTEGRATION_RESYNC_REQUESTS_TOPIC_ENABLED``; with ``kafkaSecurityEnabled`` the
client authenticates with SASL (``securityProtocol`` / ``authenticationMechanism``, default
SASL_SSL / SCRAM-SHA-512) using ``GET /v1/kafka-credentials``; messages are filtered as in
``change_messages``. Unlike the reference:

- a message's offset is committed only after the resync it asked for *finished* (the reference
  commits before processing even starts, so a crash mid-resync loses the request);
- without security the group is still ``{orgId}.{type}.{identifier}`` (the reference uses
  ``no-security`` for every integration, so two integrations on one broker steal each other's
  messages);
- polling goes on while a resync runs (the group membership stays alive through long resyncs),
  and requests that arrive meanwhile collapse into one follow-up resync.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from confluent_kafka import Message

from ocean_runtime.errors import AbortRunError

from .change_messages import decode, resync_reason
from .client_config import consumer_config
from .consumer import AsyncConsumer
from .listener_settings import KafkaListenerSettings
from .offsets import OffsetTracker, Partition

if TYPE_CHECKING:
    from ocean_runtime.config import OceanSettings
    from ocean_runtime.port import PortClient
    from ocean_runtime.port.kafka_credentials import KafkaCredentials

logger = logging.getLogger("ocean.kafka.listener")

RESYNC_REQUESTS_FLAG = "OCEAN_KAFKA_INTEGRATION_RESYNC_REQUESTS_TOPIC_ENABLED"
COMMIT_INTERVAL_SECONDS = 1.0
MAX_POLL_SECONDS = 1.0
BUSY_POLL_SECONDS = 0.1  # while a resync is awaited: notice its end (and commit) promptly
RETRY_DELAY_SECONDS = 5.0


class ResyncRequester(Protocol):
    """The part of ``ResyncTrigger`` the listener uses."""

    async def request_and_wait(self, reason: str) -> Any:
        """Ask for a resync and return once one that started after the request finished."""


async def run_kafka_listener(settings: OceanSettings, port: PortClient, trigger: ResyncRequester) -> None:
    """Consume Port's topic and resync on the messages meant for this integration, until cancelled.

    Raises:
        UserInputError: a bad ``OCEAN__EVENT_LISTENER__*`` value.
        AbortRunError: Port's organization has no id, or Port gives no Kafka credentials.
        PortAPIError, PortUnreachableError: Port refused or could not be reached.
    """
    options = KafkaListenerSettings.from_settings(settings)
    organization = await port.get_organization()
    credentials = await port.get_kafka_credentials() if options.kafka_security_enabled else None
    plan = plan_listener(settings, options, organization, credentials)
    logger.info("KAFKA listener: topic %s, group %s, brokers %s", plan.topic, plan.group_id, options.brokers)
    listener = KafkaResyncListener(
        plan.config,
        plan.topic,
        settings.integration.identifier,
        trigger,
        poll_timeout=options.consumer_poll_timeout,
    )
    await listener.run()


@dataclass(frozen=True)
class ListenerPlan:
    """What the listener consumes, as which group, with which librdkafka configuration."""

    topic: str
    group_id: str
    config: dict[str, Any] = field(repr=False)


def plan_listener(
    settings: OceanSettings,
    options: KafkaListenerSettings,
    organization: dict[str, Any],
    credentials: KafkaCredentials | None,
) -> ListenerPlan:
    """Topic, group and consumer configuration for this integration (see the module docstring).

    Raises:
        AbortRunError: the organization has no id.
    """
    org_id = organization.get("id")
    if not isinstance(org_id, str) or not org_id:
        raise AbortRunError(
            "Port's organization (GET /v1/organization) has no id; the KAFKA listener needs it"
        )
    integration = settings.integration
    topic = options.topic or change_topic(org_id, organization.get("featureFlags"))
    group_id = options.group_id or f"{org_id}.{integration.type}.{integration.identifier}"
    security: dict[str, Any] = {}
    if credentials is not None:
        security = {
            "security.protocol": options.security_protocol,
            "sasl.mechanism": options.authentication_mechanism,
            "sasl.username": credentials.username,
            "sasl.password": credentials.password,
        }
    config = consumer_config(options.brokers, group_id, {**security, **options.kafka_config})
    return ListenerPlan(topic, group_id, config)


def change_topic(org_id: str, feature_flags: Any) -> str:
    """The topic Port writes this organization's resync requests to (see the module docstring)."""
    flags = feature_flags if isinstance(feature_flags, list) else []
    if RESYNC_REQUESTS_FLAG in flags:
        return f"{org_id}.integration.resync.requests"
    return f"{org_id}.change.log"


class KafkaResyncListener:
    """Consumes one topic; resyncs for the matching messages; commits what is finished.

    Args:
        config: the consumer's librdkafka configuration (``group.id`` included).
        topic: the topic to consume.
        integration_identifier: messages for this integration trigger resyncs.
        trigger: where resyncs are requested (and awaited).
        poll_timeout: seconds one poll waits for a message (capped at 1 s so commits stay prompt).
    """

    def __init__(
        self,
        config: dict[str, Any],
        topic: str,
        integration_identifier: str,
        trigger: ResyncRequester,
        *,
        poll_timeout: float = MAX_POLL_SECONDS,
    ) -> None:
        self._consumer = AsyncConsumer(config, [topic], self, name="resync-listener")
        self._identifier = integration_identifier
        self._trigger = trigger
        self._poll_timeout = min(poll_timeout, MAX_POLL_SECONDS)
        self._offsets = OffsetTracker()
        self._waiting: list[tuple[Partition, int, str]] = []  # matching messages not yet covered
        self._covered: list[tuple[Partition, int, str]] = []  # covered by the resync awaited now
        self._resync: asyncio.Task[Any] | None = None
        self._retry_at = 0.0
        self._last_commit = 0.0

    async def run(self) -> None:
        """Poll, resync, commit — until cancelled; then commit what is finished and leave the group."""
        await self._consumer.start()
        try:
            while True:
                timeout = self._poll_timeout if self._resync is None else BUSY_POLL_SECONDS
                message = await self._consumer.poll(min(timeout, self._poll_timeout))
                if message is not None:
                    self._receive(message)
                resync_finished = self._reap_resync()
                self._start_resync()
                await self._commit(force=resync_finished)
        finally:
            if self._resync is not None:
                self._resync.cancel()  # stops our wait only; the resync worker owns the resync
            await self._consumer.close()

    # -- messages -------------------------------------------------------------------------

    def _receive(self, message: Message) -> None:
        topic, number, offset = message.topic() or "", message.partition() or 0, message.offset() or 0
        partition = (topic, number)
        self._offsets.received(partition, offset)
        body = decode(message.value())
        reason = resync_reason(body, topic, self._identifier) if body is not None else None
        if reason is None:
            self._offsets.done(partition, offset)
            return
        logger.info("Kafka message %s[%d]@%d: %s", topic, number, offset, reason)
        self._waiting.append((partition, offset, reason))

    def _start_resync(self) -> None:
        if self._resync is not None or not self._waiting or time.monotonic() < self._retry_at:
            return
        self._covered, self._waiting = self._waiting, []
        reasons = list(dict.fromkeys(reason for _, _, reason in self._covered))
        self._resync = asyncio.create_task(
            self._trigger.request_and_wait(", ".join(reasons)), name="kafka-requested-resync"
        )

    def _reap_resync(self) -> bool:
        """Release the messages of a finished resync; True when one finished."""
        task = self._resync
        if task is None or not task.done():
            return False
        self._resync = None
        error = None if task.cancelled() else task.exception()
        if task.cancelled() or error is not None:
            # The resync could not be awaited (the worker stopped): keep the messages, try again.
            logger.warning(
                "The resync asked for on Kafka did not run (%s); asking again", error or "cancelled"
            )
            self._waiting[:0] = self._covered
            self._retry_at = time.monotonic() + RETRY_DELAY_SECONDS
        else:
            status = getattr(getattr(task.result(), "status", None), "value", "finished")
            logger.info("The resync asked for on Kafka is over (%s); committing its messages", status)
            for partition, offset, _ in self._covered:
                self._offsets.done(partition, offset)
        self._covered = []
        return True

    async def _commit(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_commit < COMMIT_INTERVAL_SECONDS:
            return
        offsets = self._offsets.committable()
        if offsets and await self._consumer.commit(offsets):
            self._offsets.committed(offsets)
        self._last_commit = now

    # -- rebalances (RebalanceListener) ---------------------------------------------------

    async def partitions_assigned(self, partitions: list[Partition]) -> None:
        logger.info("KAFKA listener got partitions %s", _names(partitions))
        self._offsets.assign(partitions)

    async def partitions_revoked(self, partitions: list[Partition]) -> dict[Partition, int]:
        logger.info("KAFKA listener gives up partitions %s", _names(partitions))
        offsets = self._offsets.committable(partitions)
        self._forget(partitions)
        return offsets

    async def partitions_lost(self, partitions: list[Partition]) -> None:
        logger.warning(
            "KAFKA listener lost partitions %s; their messages will be delivered again", _names(partitions)
        )
        self._forget(partitions)

    def _forget(self, partitions: list[Partition]) -> None:
        # Their unfinished messages go back to the group (the next owner gets them again).
        gone = set(partitions)
        self._waiting = [entry for entry in self._waiting if entry[0] not in gone]
        self._offsets.forget(partitions)


def _names(partitions: list[Partition]) -> str:
    return ", ".join(f"{topic}[{number}]" for topic, number in partitions) or "none"
