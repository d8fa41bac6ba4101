"""How the KAFKA listener picks its topic, group and security, from settings and Port's answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from ocean_runtime.config import OceanSettings, load_settings
from ocean_runtime.errors import AbortRunError, UserInputError
from ocean_runtime.kafka.listener import plan_listener
from ocean_runtime.kafka.listener_settings import PORT_BROKERS, KafkaListenerSettings
from ocean_runtime.port import PortClient
from ocean_runtime.port.kafka_credentials import KafkaCredentials

ORG = {"id": "org_1", "featureFlags": []}


def settings(tmp_path: Path, **env: str) -> OceanSettings:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "jira"\nversion = "1.0.0"\n')
    environ = {"OCEAN__INTEGRATION__IDENTIFIER": "my-jira", "OCEAN__EVENT_LISTENER__TYPE": "KAFKA"}
    environ.update({f"OCEAN__EVENT_LISTENER__{key.upper()}": value for key, value in env.items()})
    return load_settings(tmp_path, environ=environ)


def test_defaults_are_the_references(tmp_path: Path) -> None:
    options = KafkaListenerSettings.from_settings(settings(tmp_path))
    assert options.brokers == PORT_BROKERS
    assert (options.security_protocol, options.authentication_mechanism) == ("SASL_SSL", "SCRAM-SHA-512")
    assert options.kafka_security_enabled is True
    assert options.consumer_poll_timeout == 1


def test_secure_plan_uses_the_org_topic_group_and_port_credentials(tmp_path: Path) -> None:
    current = settings(tmp_path)
    credentials = KafkaCredentials("user-1", "pa55word")

    plan = plan_listener(current, KafkaListenerSettings.from_settings(current), ORG, credentials)

    assert plan.topic == "org_1.change.log"
    assert plan.group_id == "org_1.jira.my-jira"
    assert plan.config["group.id"] == "org_1.jira.my-jira"
    assert plan.config["enable.auto.commit"] is False
    assert plan.config["bootstrap.servers"] == PORT_BROKERS
    expected = {"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512",
                "sasl.username": "user-1", "sasl.password": "pa55word"}  # fmt: skip
    assert {key: plan.config[key] for key in expected} == expected
    assert "pa55word" not in repr(plan) and "pa55word" not in repr(credentials)


def test_the_resync_requests_flag_switches_the_topic(tmp_path: Path) -> None:
    current = settings(tmp_path, kafka_security_enabled="false")
    org = {"id": "org_1", "featureFlags": ["OTHER", "OCEAN_KAFKA_INTEGRATION_RESYNC_REQUESTS_TOPIC_ENABLED"]}

    plan = plan_listener(current, KafkaListenerSettings.from_settings(current), org, None)

    assert plan.topic == "org_1.integration.resync.requests"


def test_without_security_each_integration_keeps_its_own_group(tmp_path: Path) -> None:
    # The reference uses group "no-security" for every integration: they would steal each other's messages.
    current = settings(tmp_path, kafka_security_enabled="false", brokers='["k1:9092", "k2:9092"]')

    plan = plan_listener(current, KafkaListenerSettings.from_settings(current), ORG, None)

    assert plan.group_id == "org_1.jira.my-jira"
    assert plan.config["bootstrap.servers"] == "k1:9092,k2:9092"
    assert not any(key.startswith(("sasl.", "security.")) for key in plan.config)


def test_topic_group_and_librdkafka_overrides(tmp_path: Path) -> None:
    current = settings(
        tmp_path,
        kafka_security_enabled="false",
        topic="tests.change.log",
        group_id="g-1",
        kafka_config=json.dumps({"session.timeout.ms": 6000}),
    )

    plan = plan_listener(current, KafkaListenerSettings.from_settings(current), ORG, None)

    assert (plan.topic, plan.group_id, plan.config["session.timeout.ms"]) == ("tests.change.log", "g-1", 6000)


def test_an_organization_without_id_is_an_error(tmp_path: Path) -> None:
    current = settings(tmp_path)
    with pytest.raises(AbortRunError, match="no id"):
        plan_listener(current, KafkaListenerSettings.from_settings(current), {"featureFlags": []}, None)


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("consumer_poll_timeout", "soon", "OCEAN__EVENT_LISTENER__CONSUMER_POLL_TIMEOUT"),
        ("kafka_security_enabled", "maybe", "OCEAN__EVENT_LISTENER__KAFKA_SECURITY_ENABLED"),
        ("kafka_config", "{not json", "OCEAN__EVENT_LISTENER__KAFKA_CONFIG"),
    ],
)
def test_bad_values_name_the_setting(tmp_path: Path, key: str, value: str, named: str) -> None:
    with pytest.raises(UserInputError) as caught:
        KafkaListenerSettings.from_settings(settings(tmp_path, **{key: value}))
    assert named in str(caught.value)


def port_answering(handler: Callable[[httpx.Request], httpx.Response]) -> PortClient:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/auth/access_token":
            return httpx.Response(200, json={"accessToken": "t", "expiresIn": 3600, "tokenType": "Bearer"})
        return handler(request)

    return PortClient(
        "https://port.example",
        "id",
        "secret",
        integration_identifier="my-jira",
        integration_type="jira",
        integration_version="1.0.0",
        transport=httpx.MockTransport(answer),
    )


async def test_kafka_credentials_come_from_port() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path} {request.headers['authorization']}")
        return httpx.Response(200, json={"ok": True, "credentials": {"username": "u", "password": "p"}})

    async with port_answering(handler) as port:
        credentials = await port.get_kafka_credentials()

    assert credentials == KafkaCredentials("u", "p")
    assert seen == ["GET /v1/kafka-credentials Bearer t"]


async def test_missing_kafka_credentials_say_what_to_do() -> None:
    async with port_answering(lambda request: httpx.Response(200, json={"ok": True})) as port:
        with pytest.raises(AbortRunError, match="no Kafka credentials.*POLLING"):
            await port.get_kafka_credentials()
