"""load_settings: precedence, folder independence, providers and error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocean_runtime.config import (
    integration_config,
    integration_config_origins,
    load_settings,
    load_spec,
    secrets,
)
from ocean_runtime.errors import UserInputError


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def integration(tmp_path: Path) -> Path:
    folder = tmp_path / "my-integration"
    write(folder, "pyproject.toml", '[project]\nname = "Jira"\nversion = "1.4.2"\n')
    return folder


def test_defaults_come_from_pyproject(integration: Path) -> None:
    settings = load_settings(integration, environ={})

    assert settings.integration.type == "jira"  # lower-cased, as the reference does
    assert settings.integration.version == "1.4.2"
    assert settings.integration.identifier == "my-jira-integration"
    assert settings.port.base_url == "https://api.getport.io"
    assert settings.port.client_id is None
    assert settings.event_listener.type == "POLLING"
    assert settings.event_listener.interval == 60
    assert settings.scheduled_resync_interval is None
    assert settings.initialize_port_resources is True
    assert settings.upsert_entities_batch_max_length == 20
    assert settings.upsert_entities_batch_max_size_in_bytes == 1_048_576
    assert settings.resources_path == ".port/resources"
    assert settings.integration.config == {}
    assert settings.live_events.backend == "local"
    assert settings.live_events.kafka.partitions == 12


def test_poetry_pyproject_is_read(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.poetry]\nname = "PagerDuty"\nversion = "0.9.0"\n')

    settings = load_settings(tmp_path, environ={})

    assert (settings.integration.type, settings.integration.version) == ("pagerduty", "0.9.0")


def test_unknown_type_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserInputError) as caught:
        load_settings(tmp_path, environ={})
    assert "integration type is unknown" in str(caught.value)
    assert "OCEAN__INTEGRATION__TYPE" in str(caught.value)


def test_type_from_environment_without_pyproject(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={"OCEAN__INTEGRATION__TYPE": "custom"})

    assert settings.integration.identifier == "my-custom-integration"
    assert settings.integration.version == "0.0.0"


PRECEDENCE_YAML = """\
scheduledResyncInterval: 10
port:
  clientId: from-yaml
  clientSecret: from-yaml
  baseUrl: http://yaml
eventListener:
  type: KAFKA
  interval: 30
integration:
  identifier: from-yaml
"""

PRECEDENCE_DOTENV = """\
OCEAN__PORT__CLIENT_ID=from-dotenv
OCEAN__PORT__CLIENT_SECRET=from-dotenv
OCEAN__EVENT_LISTENER__TYPE=WEBHOOK
"""


@pytest.mark.parametrize(
    ("environ", "overrides", "expected"),
    [
        ({}, None, {"id": "from-dotenv", "secret": "from-dotenv", "base": "http://yaml", "type": "WEBHOOK"}),
        (
            {"OCEAN__PORT__CLIENT_ID": "from-env", "OCEAN__EVENT_LISTENER__TYPE": "polling"},
            None,
            {"id": "from-env", "secret": "from-dotenv", "base": "http://yaml", "type": "POLLING"},
        ),
        (
            {"OCEAN__PORT__CLIENT_ID": "from-env", "OCEAN__EVENT_LISTENER__TYPE": "POLLING"},
            {"port": {"client_id": "from-override"}, "event_listener": {"type": "ONCE"}},
            {"id": "from-override", "secret": "from-dotenv", "base": "http://yaml", "type": "ONCE"},
        ),
    ],
)
def test_precedence_overrides_env_dotenv_yaml_defaults(
    integration: Path, environ: dict[str, str], overrides: dict | None, expected: dict[str, str]
) -> None:
    write(integration, "config.yaml", PRECEDENCE_YAML)
    write(integration, ".env", PRECEDENCE_DOTENV)

    settings = load_settings(integration, environ=environ, overrides=overrides)

    assert settings.port.client_id == expected["id"]
    assert settings.port.client_secret == expected["secret"]
    assert settings.port.base_url == expected["base"]
    assert settings.event_listener.type == expected["type"]
    # Nested keys only one layer sets survive the merge; a nested override never loses to YAML
    # (the reference lets config.yaml beat `sail --once`).
    assert settings.event_listener.interval == 30
    assert settings.scheduled_resync_interval == 10
    assert settings.integration.identifier == "from-yaml"


def test_nothing_is_read_from_the_working_directory(
    integration: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere, "config.yaml", "port:\n  clientId: from-cwd\n")
    write(elsewhere, ".env", "OCEAN__PORT__CLIENT_SECRET=from-cwd\n")
    write(elsewhere, "pyproject.toml", '[project]\nname = "wrong"\nversion = "9.9.9"\n')
    write(integration, "config.yaml", "port:\n  clientId: from-integration\n  clientSecret: s3cret-here\n")
    monkeypatch.chdir(elsewhere)

    settings = load_settings(integration, environ={})

    assert settings.port.client_id == "from-integration"
    assert settings.port.client_secret == "s3cret-here"
    assert settings.integration.type == "jira"


def test_environment_names_are_case_insensitive(integration: Path) -> None:
    settings = load_settings(
        integration,
        environ={
            "ocean__port__client_id": "lower",
            "OCEAN__port__CLIENT_SECRET": "s",
            "Ocean__Integration__Config__Jira_Host": "https://x",
        },
    )

    assert settings.port.client_id == "lower"
    assert settings.integration.config == {"jira_host": "https://x"}


def test_whole_sub_model_as_json(integration: Path) -> None:
    settings = load_settings(
        integration, environ={"OCEAN__EVENT_LISTENER": '{"type": "KAFKA", "brokers": "b:9092"}'}
    )

    assert settings.event_listener.type == "KAFKA"
    assert settings.event_listener.model_extra == {"brokers": "b:9092"}


def test_integration_config_from_every_source_with_snake_case_keys(integration: Path) -> None:
    write(
        integration,
        "config.yaml",
        "integration:\n  config:\n    jiraHost: https://yaml\n"
        "    tokenMapping:\n      someToken: ['group/**']\n",
    )
    write(integration, ".env", "OCEAN__INTEGRATION__CONFIG__ATLASSIAN_USER_EMAIL=dotenv@example.com\n")

    settings = load_settings(
        integration,
        environ={
            "OCEAN__INTEGRATION__CONFIG__JIRA_HOST": "https://env",
            "OCEAN__INTEGRATION__CONFIG__OBJ": '{"a": 1}',
        },
    )

    assert settings.integration.config == {
        "jira_host": "https://env",
        # values below a configuration name keep their spelling: they are data, not settings
        "token_mapping": {"someToken": ["group/**"]},
        "atlassian_user_email": "dotenv@example.com",
        "obj": '{"a": 1}',  # raw string; parsed when validated against the spec
    }
    origins = integration_config_origins(settings)
    assert origins["jira_host"].location == "OCEAN__INTEGRATION__CONFIG__JIRA_HOST"
    assert (origins["token_mapping"].file, origins["token_mapping"].line) == ("config.yaml", 4)
    assert origins["token_mapping"].location == "integration.config.tokenMapping"
    assert (origins["atlassian_user_email"].file, origins["atlassian_user_email"].line) == (".env", 1)


SECRET_FROM_ENV = 'port:\n  clientId: x\n  clientSecret: "{{ from env MY_PORT_SECRET }}"\n'


def test_env_provider_reads_the_given_environment(integration: Path) -> None:
    write(integration, "config.yaml", SECRET_FROM_ENV)

    settings = load_settings(integration, environ={"MY_PORT_SECRET": "s3cr3t"})

    assert settings.port.client_secret == "s3cr3t"


def test_env_provider_falls_back_to_dotenv_variables(integration: Path) -> None:
    write(integration, "config.yaml", SECRET_FROM_ENV)
    write(integration, ".env", "MY_PORT_SECRET=from-dotenv-file\n")

    assert load_settings(integration, environ={}).port.client_secret == "from-dotenv-file"


def test_missing_provider_variable_names_file_key_and_variable(integration: Path) -> None:
    write(
        integration, "config.yaml", 'port:\n  clientId: x\n  clientSecret: "{{ from env MY_PORT_SECRET }}"\n'
    )

    with pytest.raises(UserInputError) as caught:
        load_settings(integration, environ={})

    error = caught.value
    assert (error.file, error.location, error.line) == ("config.yaml", "port.clientSecret", 3)
    assert "MY_PORT_SECRET is not set" in error.message


def test_provider_is_not_needed_when_a_higher_source_wins(integration: Path) -> None:
    write(integration, "config.yaml", SECRET_FROM_ENV)

    settings = load_settings(integration, environ={"OCEAN__PORT__CLIENT_SECRET": "direct"})

    assert settings.port.client_secret == "direct"


def test_unknown_provider_is_an_error(integration: Path) -> None:
    write(integration, "config.yaml", 'port:\n  clientSecret: "{{ from vault secret/port }}"\n')

    with pytest.raises(UserInputError, match="unknown value provider 'vault'") as caught:
        load_settings(integration, environ={})
    assert caught.value.line == 2


@pytest.mark.parametrize(
    ("environ", "location", "expected"),
    [
        (
            {"OCEAN__SCHEDULED_RESYNC_INTERVAL": "abc"},
            "OCEAN__SCHEDULED_RESYNC_INTERVAL",
            'got "abc", expected a whole number',
        ),
        (
            {"OCEAN__EVENT_LISTENER__TYPE": "sometimes"},
            "OCEAN__EVENT_LISTENER__TYPE",
            "expected one of 'ONCE'",
        ),
        (
            {"ocean__initialize_port_resources": "maybe"},
            "ocean__initialize_port_resources",
            "expected true or false",
        ),
        ({"OCEAN__UPSERT_ENTITIES_BATCH_MAX_LENGTH": "0"}, "OCEAN__UPSERT_ENTITIES_BATCH_MAX_LENGTH", "≥ 1"),
        ({"OCEAN__LIVE_EVENTS__KAFKA__PARTITIONS": "0"}, "OCEAN__LIVE_EVENTS__KAFKA__PARTITIONS", "≥ 1"),
    ],
)
def test_bad_environment_value_names_the_variable(
    integration: Path, environ: dict[str, str], location: str, expected: str
) -> None:
    with pytest.raises(UserInputError) as caught:
        load_settings(integration, environ=environ)

    assert caught.value.location == location
    assert caught.value.file is None
    assert expected in caught.value.message


def test_bad_yaml_value_names_file_camel_case_key_and_line(integration: Path) -> None:
    write(integration, "config.yaml", "port:\n  clientId: x\neventListener:\n  interval: soon\n")

    with pytest.raises(UserInputError) as caught:
        load_settings(integration, environ={})

    error = caught.value
    assert (error.file, error.location, error.line) == ("config.yaml", "eventListener.interval", 4)
    assert 'got "soon"' in error.message


def test_bad_dotenv_value_names_the_line(integration: Path) -> None:
    write(integration, ".env", "# settings\nOCEAN__SCHEDULED_RESYNC_INTERVAL=often\n")

    with pytest.raises(UserInputError) as caught:
        load_settings(integration, environ={})

    error = caught.value
    assert (error.file, error.location, error.line) == (".env", "OCEAN__SCHEDULED_RESYNC_INTERVAL", 2)


def test_invalid_json_sub_model_in_environment(integration: Path) -> None:
    with pytest.raises(UserInputError, match="OCEAN__EVENT_LISTENER is not valid JSON"):
        load_settings(integration, environ={"OCEAN__EVENT_LISTENER": "{not json"})


def test_invalid_json_deeper_in_a_sub_model_names_that_variable(integration: Path) -> None:
    environ = {"OCEAN__LIVE_EVENTS__BACKEND": "kafka", "OCEAN__LIVE_EVENTS__KAFKA__CONFIG": "{bad"}
    with pytest.raises(UserInputError, match="OCEAN__LIVE_EVENTS__KAFKA__CONFIG is not valid JSON"):
        load_settings(integration, environ=environ)


def test_config_yaml_syntax_error_has_a_line(integration: Path) -> None:
    write(integration, "config.yaml", "port:\n  clientId: [unclosed\n")

    with pytest.raises(UserInputError) as caught:
        load_settings(integration, environ={})
    assert caught.value.file == "config.yaml"
    assert caught.value.line is not None
    assert "invalid YAML" in caught.value.message


def test_config_yaml_must_be_a_mapping(integration: Path) -> None:
    write(integration, "config.yaml", "- a\n- b\n")

    with pytest.raises(UserInputError, match="must be a mapping"):
        load_settings(integration, environ={})


def test_integration_config_validated_against_spec_names_the_origin(integration: Path) -> None:
    write(
        integration,
        ".port/spec.yaml",
        "configurations:\n  - {name: pageSize, type: integer, required: true}\n",
    )
    write(integration, "config.yaml", "integration:\n  config:\n    pageSize: lots\n")
    settings = load_settings(integration, environ={})

    with pytest.raises(UserInputError) as caught:
        integration_config(settings, load_spec(integration))

    error = caught.value
    assert (error.file, error.location, error.line) == ("config.yaml", "integration.config.pageSize", 3)
    assert "'pageSize' = \"lots\"" in error.message
    assert "whole number" in error.message


def test_secrets_lists_credentials_and_sensitive_values(integration: Path) -> None:
    write(
        integration,
        ".port/spec.yaml",
        "configurations:\n"
        "  - {name: apiKeyValue, type: string, sensitive: true}\n"
        "  - {name: mapping, type: object, sensitive: true}\n"
        "  - {name: host, type: string}\n"
        "  - {name: githubToken, type: string}\n",
    )
    settings = load_settings(
        integration,
        environ={
            "OCEAN__PORT__CLIENT_ID": "client-id-1",
            "OCEAN__PORT__CLIENT_SECRET": "client-secret-1",
            "OCEAN__INTEGRATION__CONFIG__API_KEY_VALUE": "key-123",
            "OCEAN__INTEGRATION__CONFIG__MAPPING": '{"tok-456": ["group/**"]}',
            "OCEAN__INTEGRATION__CONFIG__HOST": "https://public.example.com",
            "OCEAN__INTEGRATION__CONFIG__GITHUB_TOKEN": "ghp_abc",
        },
    )

    found = secrets(settings, load_spec(integration))

    assert {"client-id-1", "client-secret-1", "key-123", "ghp_abc"} <= set(found)
    assert '{"tok-456": ["group/**"]}' in found  # the raw JSON string as given
    assert "tok-456" in found  # and the token inside it
    assert "https://public.example.com" not in found


@pytest.mark.parametrize(
    ("environ", "dotenv", "message"),
    [
        (
            {"OCEAN__PORT__CLIENT_ID": "id", "OCEAN__PORT__CLIENT_SECRE": "s3cret"},
            "",
            "OCEAN__PORT__CLIENT_ID is set (in the environment) but OCEAN__PORT__CLIENT_SECRET is not "
            "(OCEAN__PORT__CLIENT_SECRE is set: a misspelling?)",
        ),
        (
            {"OCEAN__PORT__CLIENT_SECRET": "s3cret"},
            "",
            "OCEAN__PORT__CLIENT_SECRET is set (in the environment) but OCEAN__PORT__CLIENT_ID is not",
        ),
        (
            {},
            "OCEAN__PORT__CLIENT_ID=id\nOCEAN__PORT__CLIENT_SECRET=\n",
            "OCEAN__PORT__CLIENT_ID is set (in .env) but OCEAN__PORT__CLIENT_SECRET is not",
        ),
    ],
)
def test_port_credentials_set_by_half_are_refused(
    integration: Path, environ: dict[str, str], dotenv: str, message: str
) -> None:
    # Half a pair would silently sail into a throwaway local Port: in a container, a no-op deployment.
    if dotenv:
        write(integration, ".env", dotenv)

    with pytest.raises(UserInputError) as caught:
        load_settings(integration, environ=environ)

    assert message in str(caught.value)
    assert "set both to sail to Port, or neither to sail into the local harbor" in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_log_format_is_a_setting(integration: Path) -> None:
    assert load_settings(integration, environ={}).log_format == "auto"
    assert load_settings(integration, environ={"OCEAN__LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(UserInputError, match='OCEAN__LOG_FORMAT: got "xml", expected one of'):
        load_settings(integration, environ={"OCEAN__LOG_FORMAT": "xml"})
