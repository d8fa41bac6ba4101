"""Kafka, Ocean's distributed engine (confluent-kafka / librdkafka).

- ``listener``: the KAFKA event listener — Port's topic asks for resyncs; an offset is
  committed only after the resync it asked for finished.
- ``live_events``: ``KafkaLiveEventsBackend`` — accepted webhook events on a topic, shared by
  every replica of the integration through one consumer group.

Underneath: ``consumer`` (``AsyncConsumer``: asyncio over a blocking consumer, rebalances
bridged), ``producer`` (``AsyncProducer``: awaitable acknowledgements), ``offsets`` (what may
be committed), ``delivery`` (per-key ordered processing), ``client_config`` (shared
librdkafka settings).
"""

from .listener import KafkaResyncListener, run_kafka_listener
from .listener_settings import KafkaListenerSettings
from .live_events import KafkaLiveEventsBackend

__all__ = ["KafkaListenerSettings", "KafkaLiveEventsBackend", "KafkaResyncListener", "run_kafka_listener"]
