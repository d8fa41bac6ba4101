"""``KafkaLiveEventsBackend``: accepted webhook events travel through a Kafka topic.

    route ─► submit ─► topic (key = group_key) ─► consumer group: every replica ─► KeyedDelivery ─► process
                       acks=all: the 202 is sent                each partition owned     offsets committed
                       only once the broker has it              by one replica            once processed

``OCEAN__LIVE_EVENTS__BACKEND=kafka`` turns it on. All replicas of an integration produce to
and consume from one topic in one consumer group, so

- each event is processed by one replica, events of a key in the order they were accepted
  (a key always lands on the same partition, and a partition has one owner at a time);
- a replica that crashes loses nothing: its partitions move to the others, which start from
  the last committed offset — an offset is committed only after ``process`` returned for it
  and every earlier event of its partition. Events may therefore be processed twice;
  ``process`` is idempotent.

Several integrations may share a broker and even a topic: each message carries its
integration in a header and other integrations' messages are skipped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from confluent_kafka import KafkaException, Message

from ocean_runtime.errors import AbortRunError
from ocean_runtime.webhooks.backend import BackendUnavailableError, ProcessEvents, Ready
from ocean_runtime.webhooks.event import WebhookEvent

from .client_config import admin_config, consumer_config, parse_brokers, producer_config
from .consumer import AsyncConsumer
from .delivery import KeyedDelivery
from .offsets import Partition
from .producer import AsyncProducer, ensure_topic, topic_partitions

if TYPE_CHECKING:
    from ocean_runtime.config import OceanSettings

logger = logging.getLogger("ocean.kafka.live_events")

INTEGRATION_HEADER = "ocean-integration"
DEFAULT_PARTITIONS = 12  # when the topic does not exist yet: room for up to 12 busy replicas
POLL_SECONDS = 0.2
COMMIT_INTERVAL_SECONDS = 0.5
REVOKE_GRACE_SECONDS = 10.0
UNAVAILABLE_RETRY_AFTER_SECONDS = 5.0


class KafkaLiveEventsBackend:
    """A ``LiveEventsBackend`` on a Kafka topic (see the module docstring).

    Args:
        brokers: ``bootstrap.servers``.
        topic: the topic events travel through (created with ``partitions`` when missing).
        group_id: the consumer group every replica of this integration joins.
        integration: ``type.identifier`` written in each message's header; messages of other
            integrations on the same topic are skipped.
        config: extra librdkafka settings for the consumer and the producer (security…).
        partitions: partitions of the topic if it has to be created.
        concurrency: most events processed at once in this replica.
        max_held: most fetched-but-unfinished events; fetching pauses beyond.
    """

    def __init__(
        self,
        *,
        brokers: str,
        topic: str,
        group_id: str,
        integration: str,
        config: Mapping[str, Any] | None = None,
        partitions: int = DEFAULT_PARTITIONS,
        concurrency: int = 32,
        max_held: int = 1_000,
    ) -> None:
        self.topic = topic
        self.group_id = group_id
        self._brokers = brokers
        self._integration = integration
        self._config = dict(config or {})
        self._partitions = partitions
        self._concurrency = concurrency
        self._max_held = max_held
        self._producer = AsyncProducer(producer_config(brokers, self._config), name="live-events-out")
        self._consumer = AsyncConsumer(
            consumer_config(brokers, group_id, self._config), [topic], self, name="live-events-in"
        )
        self._delivery: KeyedDelivery | None = None
        self._fetching: asyncio.Task[None] | None = None
        self._accepting = False
        self._draining = False
        self._paused: set[Partition] = set()
        self._revoke_grace = REVOKE_GRACE_SECONDS
        self._last_commit = 0.0

    @classmethod
    def from_settings(cls, settings: OceanSettings) -> KafkaLiveEventsBackend:
        """The backend ``OCEAN__LIVE_EVENTS__KAFKA__*`` describes; the group defaults to
        ``{type}.{identifier}.live-events``."""
        kafka = settings.live_events.kafka
        integration = f"{settings.integration.type}.{settings.integration.identifier}"
        return cls(
            brokers=parse_brokers(kafka.brokers),
            topic=kafka.topic,
            group_id=kafka.group_id or f"{integration}.live-events",
            integration=integration,
            config=kafka.config,
            partitions=kafka.partitions,
            concurrency=settings.live_events.concurrency,
            max_held=settings.live_events.max_pending,
        )

    @property
    def assignment(self) -> list[Partition]:
        """The partitions this replica owns now."""
        return self._delivery.offsets.partitions if self._delivery is not None else []

    # -- LiveEventsBackend ----------------------------------------------------------------

    async def start(self, process: ProcessEvents, *, ready: Ready | None = None) -> None:
        """Make sure the topic exists, then start producing and consuming.

        Raises:
            AbortRunError: the brokers cannot be reached or refuse to create the topic.
        """
        try:
            created = await asyncio.to_thread(
                ensure_topic,
                admin_config(self._brokers, self._config),
                self.topic,
                partitions=self._partitions,
            )
        except KafkaException as exc:
            raise AbortRunError(
                f"cannot prepare the live-events topic {self.topic!r} on Kafka at {self._brokers}: {exc}. "
                "Check OCEAN__LIVE_EVENTS__KAFKA__BROKERS and that the brokers are up"
            ) from exc
        if created:
            logger.info("Created the live-events topic %s (%d partitions)", self.topic, self._partitions)
        else:
            await self._note_existing_partitions()
        # One event per run: an offset is committed once its own event is done (so ``ready``,
        # which gathers the events arriving meanwhile into a run, has nothing to gather).
        self._delivery = KeyedDelivery(lambda event: process([event]), concurrency=self._concurrency)
        await self._producer.start()
        await self._consumer.start()
        self._accepting = True
        self._fetching = asyncio.create_task(self._fetch(), name="live-events-fetch")
        logger.info("Live events go through Kafka topic %s, consumer group %s", self.topic, self.group_id)

    async def _note_existing_partitions(self) -> None:
        """Say so when the topic was created with another partition count than configured."""
        try:
            existing = await asyncio.to_thread(
                topic_partitions, admin_config(self._brokers, self._config), self.topic
            )
        except KafkaException:
            return  # only a hint: consuming will report a broker that is really gone
        if existing is not None and existing != self._partitions:
            logger.info(
                "The live-events topic %s exists with %d partitions "
                "(OCEAN__LIVE_EVENTS__KAFKA__PARTITIONS=%d applies only when Ocean creates it): "
                "at most %d replicas share the events",
                self.topic,
                existing,
                self._partitions,
                existing,
            )

    async def submit(self, event: WebhookEvent) -> None:
        """Put ``event`` on the topic; returns once the broker acknowledged it.

        Raises:
            BackendUnavailableError: not started, shutting down, or Kafka did not take it.
        """
        if not self._accepting:
            raise BackendUnavailableError(
                "not accepting events (starting or shutting down)",
                retry_after=UNAVAILABLE_RETRY_AFTER_SECONDS,
            )
        try:
            await self._producer.send(
                self.topic,
                event.to_json(),
                key=event.group_key.encode(),
                headers=[(INTEGRATION_HEADER, self._integration.encode())],
            )
        except (KafkaException, BufferError) as exc:
            raise BackendUnavailableError(
                f"Kafka did not take the event: {exc}", retry_after=UNAVAILABLE_RETRY_AFTER_SECONDS
            ) from exc

    def depth(self) -> int:
        """Events being sent, plus events fetched by this replica and not processed yet."""
        held = self._delivery.held if self._delivery is not None else 0
        return held + self._producer.pending()

    async def stop(self, deadline: float) -> None:
        """Refuse new events, finish the fetched ones until ``deadline``, commit, leave the group.

        Events not finished by then stay uncommitted: another replica (or the next start)
        processes them.
        """
        self._accepting = False
        self._draining = True
        await self._producer.close(deadline)
        if self._delivery is not None:
            await self._delivery.wait_idle(deadline - time.monotonic())
        self._revoke_grace = max(deadline - time.monotonic(), 0.0)
        if self._fetching is not None:
            self._fetching.cancel()
            await asyncio.gather(self._fetching, return_exceptions=True)
        await self._consumer.close()  # revokes: commits what is finished

    # -- fetching -------------------------------------------------------------------------

    async def _fetch(self) -> None:
        while True:
            await self._apply_backpressure()
            try:
                message = await self._consumer.poll(POLL_SECONDS)
            except KafkaException as exc:
                logger.error("The live-events consumer failed and stops fetching: %s", exc)
                return
            if message is not None:
                self._dispatch(message)
            await self._commit_finished()

    def _dispatch(self, message: Message) -> None:
        assert self._delivery is not None
        partition = (message.topic() or self.topic, message.partition() or 0)
        offset = message.offset() or 0
        headers = dict(message.headers() or [])
        owner = headers.get(INTEGRATION_HEADER)
        if owner is not None and owner != self._integration.encode():
            self._delivery.skip(partition, offset)
            return
        try:
            event = WebhookEvent.from_json(message.value() or b"")
        except ValueError as exc:
            logger.error("Skipping message %s[%d]@%d: %s", partition[0], partition[1], offset, exc)
            self._delivery.skip(partition, offset)
            return
        self._delivery.add(partition, offset, event)

    async def _apply_backpressure(self) -> None:
        """Pause fetching while too many events wait (or while draining); resume at half."""
        assert self._delivery is not None
        owned = set(self._delivery.offsets.partitions)
        self._paused &= owned
        if self._draining or self._delivery.held >= self._max_held:
            newly = owned - self._paused
            if newly:
                await self._consumer.pause(newly)
                self._paused |= newly
        elif self._paused and self._delivery.held <= self._max_held // 2:
            await self._consumer.resume(self._paused)
            self._paused = set()

    async def _commit_finished(self) -> None:
        assert self._delivery is not None
        now = time.monotonic()
        if now - self._last_commit < COMMIT_INTERVAL_SECONDS:
            return
        self._last_commit = now
        offsets = self._delivery.offsets.committable()
        if offsets and await self._consumer.commit(offsets):
            self._delivery.offsets.committed(offsets)

    # -- rebalances (RebalanceListener) ---------------------------------------------------

    async def partitions_assigned(self, partitions: list[Partition]) -> None:
        assert self._delivery is not None
        logger.info("Live events: this replica now owns %s", _names(partitions))
        self._delivery.offsets.assign(partitions)

    async def partitions_revoked(self, partitions: list[Partition]) -> dict[Partition, int]:
        assert self._delivery is not None
        logger.info("Live events: handing over %s", _names(partitions))
        await self._delivery.release(partitions, grace=self._revoke_grace)
        offsets = self._delivery.offsets.committable(partitions)
        self._delivery.offsets.forget(partitions)
        return offsets

    async def partitions_lost(self, partitions: list[Partition]) -> None:
        assert self._delivery is not None
        logger.warning(
            "Live events: lost %s; their unfinished events go to another replica", _names(partitions)
        )
        await self._delivery.release(partitions, grace=0.0)
        self._delivery.offsets.forget(partitions)


def _names(partitions: list[Partition]) -> str:
    return ", ".join(f"{topic}[{number}]" for topic, number in partitions) or "none"
