"""``GET /v1/kafka-credentials``: the SASL user the KAFKA listener reads Port's topics with."""

from __future__ import annotations

from dataclasses import dataclass, field

from ocean_runtime.errors import AbortRunError

from .session import PortSession

KAFKA_CREDENTIALS_PATH = "/v1/kafka-credentials"


@dataclass(frozen=True)
class KafkaCredentials:
    """A SASL username and password for Port's brokers (the password is never printed)."""

    username: str
    password: str = field(repr=False)


async def get_kafka_credentials(session: PortSession) -> KafkaCredentials:
    """This organization's Kafka credentials.

    Raises:
        AbortRunError: Port's answer holds no ``credentials.username`` / ``credentials.password``
            (the organization has no Kafka access: use another event listener).
        PortAPIError: Port refused the request.
    """
    body = await session.request("GET", KAFKA_CREDENTIALS_PATH)
    credentials = body.get("credentials") if isinstance(body, dict) else None
    username = credentials.get("username") if isinstance(credentials, dict) else None
    password = credentials.get("password") if isinstance(credentials, dict) else None
    if not isinstance(username, str) or not isinstance(password, str) or not username:
        raise AbortRunError(
            f"Port returned no Kafka credentials ({KAFKA_CREDENTIALS_PATH}); the KAFKA event listener "
            "cannot connect. Use OCEAN__EVENT_LISTENER__TYPE=POLLING, or ask Port to enable Kafka "
            "for the organization"
        )
    return KafkaCredentials(username, password)
