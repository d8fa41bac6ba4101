"""``KafkaListenerSettings``: the KAFKA event listener's keys of ``OCEAN__EVENT_LISTENER__*``.

The same keys and defaults as the reference (``brokers``, ``securityProtocol``,
``authenticationMechanism``, ``kafkaSecurityEnabled``, ``consumerPollTimeout``), plus three of
ours: ``topic`` and ``groupId`` (override the topic and consumer group chosen from the
organization) and ``kafkaConfig`` (extra librdkafka settings, e.g. ``{"session.timeout.ms": 6000}``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ocean_runtime.errors import UserInputError

from .client_config import parse_brokers

if TYPE_CHECKING:
    from ocean_runtime.config import OceanSettings

PORT_BROKERS = ",".join(
    f"b-{n}-public.publicclusterprod.t9rw6w.c1.kafka.eu-west-1.amazonaws.com:9196" for n in (1, 2, 3)
)


class KafkaListenerSettings(BaseModel):
    """How the KAFKA listener reaches Port's brokers (snake_case, as the settings hold them)."""

    model_config = ConfigDict(extra="ignore")

    brokers: str = PORT_BROKERS
    security_protocol: str = "SASL_SSL"
    authentication_mechanism: str = "SCRAM-SHA-512"
    kafka_security_enabled: bool = True
    consumer_poll_timeout: float = Field(default=1.0, gt=0)
    topic: str | None = None
    group_id: str | None = None
    kafka_config: dict[str, Any] = Field(default_factory=dict)

    @field_validator("brokers")
    @classmethod
    def _brokers(cls, value: str) -> str:
        return parse_brokers(value)

    @field_validator("kafka_config", mode="before")
    @classmethod
    def _json_object(cls, value: Any) -> Any:
        # From an environment variable the mapping arrives as JSON text.
        return json.loads(value) if isinstance(value, str) and value.strip().startswith("{") else value

    @classmethod
    def from_settings(cls, settings: OceanSettings) -> KafkaListenerSettings:
        """The KAFKA keys of ``settings.event_listener``.

        Raises:
            UserInputError: a key has a bad value (names the setting and the value).
        """
        extra = settings.event_listener.model_extra or {}
        try:
            return cls.model_validate(extra)
        except (ValidationError, json.JSONDecodeError) as exc:
            raise _user_error(exc) from None


def _user_error(exc: ValidationError | json.JSONDecodeError) -> UserInputError:
    if isinstance(exc, json.JSONDecodeError):
        return UserInputError(
            f"not a JSON object: {exc}",
            location="OCEAN__EVENT_LISTENER__KAFKA_CONFIG",
            fix='write librdkafka settings as a JSON object, e.g. {"session.timeout.ms": 6000}',
        )
    first = exc.errors()[0]
    key = str(first["loc"][0]) if first["loc"] else "?"
    return UserInputError(
        f"got {first.get('input')!r}: {first['msg']}",
        location=f"OCEAN__EVENT_LISTENER__{key.upper()}",
        fix="see the KAFKA event listener settings in the docs",
    )
