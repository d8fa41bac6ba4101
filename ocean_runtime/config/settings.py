"""``OceanSettings`` and ``load_settings``: the reference's ``OCEAN__*`` settings, read from one folder.

Precedence, highest first: ``overrides`` (code, CLI flags) > the real environment > ``DIR/.env``
> ``DIR/config.yaml`` > defaults (``DIR/pyproject.toml`` for the integration type and version).
Unlike the reference, nothing is read from the current working directory, a ``{{ from env X }}``
whose variable is missing is an error (not silently ignored), and a bad value names the
variable or file that holds it.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ocean_runtime.config import sources
from ocean_runtime.config.integration_config import Origin, validate_integration_config
from ocean_runtime.config.naming import decamelize
from ocean_runtime.config.spec import Spec
from ocean_runtime.errors import UserInputError

EventListenerType = Literal["ONCE", "POLLING", "WEBHOOK", "KAFKA", "WEBHOOKS_ONLY", "ACTIONS_ONLY"]
_SECRET_WORDS = ("token", "secret", "password", "private_key", "api_key", "credential")


class PortSettings(BaseModel):
    """``OCEAN__PORT__*``: how to reach Port (or the harbor)."""

    model_config = ConfigDict(extra="allow")

    client_id: str | None = None
    client_secret: str | None = None
    base_url: str = "https://api.getport.io"
    port_app_config_cache_ttl: int = Field(default=60, ge=0)


class IntegrationSettings(BaseModel):
    """``OCEAN__INTEGRATION__*``: who this integration is and its own configuration."""

    model_config = ConfigDict(extra="allow")

    identifier: str
    type: str
    version: str = "0.0.0"
    config: dict[str, Any] = Field(default_factory=dict)


class EventListenerSettings(BaseModel):
    """``OCEAN__EVENT_LISTENER__*``: what triggers resyncs. Listener-specific keys are kept."""

    model_config = ConfigDict(extra="allow")

    type: EventListenerType = "POLLING"
    interval: int = Field(default=60, ge=1, description="POLLING: seconds between resync-request checks")

    @field_validator("type", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class LiveEventsKafkaSettings(BaseModel):
    """``OCEAN__LIVE_EVENTS__KAFKA__*``: the topic accepted webhook events travel through."""

    model_config = ConfigDict(extra="forbid")

    brokers: str = "127.0.0.1:9092"
    topic: str = "ocean-live-events"
    group_id: str | None = None
    partitions: int = Field(
        default=12,
        ge=1,
        description="partitions of the topic when Ocean creates it (an existing topic is left as it is); "
        "at most this many replicas share the events",
    )
    config: dict[str, Any] = Field(default_factory=dict, description="extra librdkafka settings")


class LiveEventsSettings(BaseModel):
    """``OCEAN__LIVE_EVENTS__*``: where accepted webhook events wait until they are processed.

    ``local`` keeps them in this process (per-key ordered queues); ``kafka`` puts them on a
    topic so several replicas share the work and a crash loses nothing.
    """

    model_config = ConfigDict(extra="forbid")

    backend: Literal["local", "kafka"] = "local"
    kafka: LiveEventsKafkaSettings = Field(default_factory=LiveEventsKafkaSettings)
    max_pending: int = Field(default=10_000, ge=1, description="local: accepted events held at most")
    concurrency: int = Field(default=32, ge=1, description="webhook processors running at once (across keys)")
    journal_path: str | None = Field(
        default=None,
        description="local: the SQLite file accepted events wait in (default DIR/.ocean/live-events.db)",
    )

    @field_validator("backend", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


class ActionsProcessorSettings(BaseModel):
    """``OCEAN__ACTIONS_PROCESSOR__*``: executing Port's self-service action runs (off by default).

    The reference's names and defaults, plus ``max_execution_seconds`` (Ocean's time budget of
    one run). The poll interval may be a fraction of a second (the reference: whole seconds).
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    runs_buffer_high_watermark: int = Field(default=300, ge=1, le=1000)
    visibility_timeout_ms: int = Field(default=60_000, ge=1, le=600_000)
    poll_check_interval_seconds: float = Field(default=10, gt=0)
    workers_count: int = Field(default=3, ge=1)
    max_runs_buffer_util_pct_per_action: int | None = Field(default=30, ge=1, le=100)
    max_execution_seconds: float = Field(default=300, gt=0, description="time budget of one run")


JQ_TIMEOUT_SECONDS = 10.0
JQ_MEMORY_MB = 512


class JqSettings(BaseModel):
    """``OCEAN__JQ__*``: the budget of one jq evaluation of a mapping (see ``mapping.jq_sandbox``)."""

    model_config = ConfigDict(extra="forbid")

    timeout_seconds: float = Field(
        default=JQ_TIMEOUT_SECONDS, gt=0, description="wall time of one call into jq before it is stopped"
    )
    memory_mb: int = Field(default=JQ_MEMORY_MB, ge=16, description="memory jq may use in one call")


class OceanSettings(BaseSettings):
    """Every setting of a running integration (attributes are snake_case).

    Build it with ``load_settings``; constructing it directly reads nothing but the arguments.
    """

    model_config = SettingsConfigDict(
        env_prefix="OCEAN__", env_nested_delimiter="__", case_sensitive=False, extra="ignore"
    )

    port: PortSettings = Field(default_factory=PortSettings)
    integration: IntegrationSettings
    event_listener: EventListenerSettings = Field(default_factory=EventListenerSettings)
    live_events: LiveEventsSettings = Field(default_factory=LiveEventsSettings)
    jq: JqSettings = Field(default_factory=JqSettings)
    actions_processor: ActionsProcessorSettings = Field(default_factory=ActionsProcessorSettings)
    initialize_port_resources: bool = True
    scheduled_resync_interval: int | None = Field(default=None, ge=1, description="minutes")
    resources_path: str = ".port/resources"
    send_raw_data_examples: bool = True
    upsert_entities_batch_max_length: int = Field(default=20, ge=1)
    upsert_entities_batch_max_size_in_bytes: int = Field(default=1_048_576, ge=1)
    base_url: str | None = None
    path_prefix: str | None = None
    client_timeout: float = Field(default=60, gt=0)
    event_workers_count: int = Field(default=1, ge=1)
    max_event_processing_seconds: float = Field(default=90.0, gt=0)
    max_wait_seconds_before_shutdown: float = Field(default=5.0, ge=0)
    max_request_body_bytes: int = Field(
        default=25 * 1024 * 1024, ge=1, description="largest request body the integration's server reads"
    )
    allow_environment_variables_jq_access: bool = True
    log_format: Literal["auto", "rich", "plain", "json"] = Field(
        default="auto", description="rich on a terminal, plain lines elsewhere, or json for a log collector"
    )

    _config_origins: dict[str, Origin] = PrivateAttr(default_factory=dict)

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # load_settings gathers and merges the sources itself, so it can tell the user which
        # variable or file holds a bad value; the model only validates the merged result.
        return (init_settings,)


def load_settings(
    integration_dir: Path,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> OceanSettings:
    """Reads the settings of the integration in ``integration_dir``.

    Args:
        integration_dir: the integration folder (holding ``.env``, ``config.yaml``, ``pyproject.toml``).
        overrides: nested snake_case values that beat every other source, e.g.
            ``{"event_listener": {"type": "ONCE"}}``.
        environ: the environment to read ``OCEAN__*`` from (default ``os.environ``).

    Raises:
        UserInputError: a value has the wrong type (naming the variable or file, the value and
            what is expected), a file has a syntax error, a ``{{ from env X }}`` variable is
            unset, or the integration type is unknown.
    """
    environ = os.environ if environ is None else environ
    layers = [  # highest precedence first
        sources.overrides_layer(overrides),
        sources.environment_layer(OceanSettings, environ),
        sources.dotenv_layer(OceanSettings, integration_dir),
        sources.config_yaml_layer(integration_dir),
    ]
    merged: dict[str, Any] = sources.pyproject_defaults(integration_dir)
    for layer in reversed(layers):
        merged = _merge(merged, layer.values, ())
    merged = _resolve_references(merged, environ, integration_dir)
    _fill_integration_defaults(merged, integration_dir)
    try:
        settings = OceanSettings(**merged)
    except ValidationError as exc:
        raise _settings_error(exc, layers) from None
    _check_port_credentials(settings, layers, [*environ, *sources.dotenv_values_of(integration_dir)])
    settings._config_origins = {
        key: _origin(layers, (*sources.CONFIG_PATH, key)) for key in settings.integration.config
    }
    return settings


def _check_port_credentials(settings: OceanSettings, layers: list[sources.Layer], names: list[str]) -> None:
    """Refuses Port credentials set by half: that would silently sail into a throwaway local Port.

    ``names`` are the variable names visible to the user (environment and ``.env``), searched
    for a misspelling of the missing one.
    """
    given = {field: bool(getattr(settings.port, field)) for field in ("client_id", "client_secret")}
    if given["client_id"] == given["client_secret"]:
        return
    present, missing = (
        ("client_id", "client_secret") if given["client_id"] else ("client_secret", "client_id")
    )
    origin = _origin(layers, ("port", present))
    where = f"in {origin.file}" if origin.file else "in the environment"
    missing_var = f"OCEAN__PORT__{missing.upper()}"
    message = f"{origin.location} is set ({where}) but {missing_var} is not"
    known = {missing_var, f"OCEAN__PORT__{present.upper()}"}
    candidates = [name.upper() for name in names if name.upper() not in known]
    typo = difflib.get_close_matches(missing_var, candidates, 1, 0.8)
    if typo:
        message += f" ({typo[0]} is set: a misspelling?)"
    raise UserInputError(
        message,
        fix="set both to sail to Port, or neither to sail into the local harbor",
    )


def integration_config(settings: OceanSettings, spec: Spec | None) -> dict[str, Any]:
    """``settings.integration.config`` validated against the spec (see ``validate_integration_config``).

    Errors name the variable or config.yaml key that holds a bad value.
    """
    return validate_integration_config(
        spec, settings.integration.config, source="integration config", origins=settings._config_origins
    )


def integration_config_origins(settings: OceanSettings) -> dict[str, Origin]:
    """Where each ``integration.config`` value was written (snake_case key → origin)."""
    return dict(settings._config_origins)


def secrets(settings: OceanSettings, spec: Spec | None = None) -> list[str]:
    """Values that logs must mask: Port credentials and sensitive integration configuration.

    A configuration is sensitive when the spec marks it ``sensitive: true`` or, as a safety net,
    when its name looks like a secret (``token``, ``password``…).
    """
    found = [settings.port.client_id, settings.port.client_secret]
    sensitive = {c.snake_name for c in spec.configurations if c.sensitive} if spec else set()
    for key, value in settings.integration.config.items():
        if key in sensitive or any(word in key for word in _SECRET_WORDS):
            found.extend(_string_leaves(value))
    unique = dict.fromkeys(text for text in found if isinstance(text, str) and len(text) >= 4)
    return sorted(unique, key=len, reverse=True)  # longest first, so a secret's prefix never masks half of it


def _merge(base: dict[str, Any], top: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    result = dict(base)
    for key, value in top.items():
        below = result.get(key)
        # Integration configuration values are atomic: an object from .env replaces one from config.yaml.
        if isinstance(value, Mapping) and isinstance(below, Mapping) and path != sources.CONFIG_PATH:
            result[key] = _merge(dict(below), value, (*path, key))
        else:
            result[key] = value
    return result


def _resolve_references(value: Any, environ: Mapping[str, str], integration_dir: Path) -> Any:
    if isinstance(value, sources.EnvReference):
        found = environ.get(value.variable)
        if found is None:
            found = sources.dotenv_values_of(integration_dir).get(value.variable)
        if found is None:
            raise UserInputError(
                f"environment variable {value.variable} is not set "
                f"(referenced by {{{{ from env {value.variable} }}}})",
                file=value.origin.file,
                location=value.origin.location,
                line=value.origin.line,
                fix=f"export {value.variable}=… or put it in .env",
            )
        return found
    if isinstance(value, dict):
        return {key: _resolve_references(item, environ, integration_dir) for key, item in value.items()}
    return value


def _fill_integration_defaults(merged: dict[str, Any], integration_dir: Path) -> None:
    integration = merged.setdefault("integration", {})
    if not isinstance(integration, dict):
        return  # not a mapping: validation reports it
    if not integration.get("type"):
        raise UserInputError(
            "the integration type is unknown",
            file=str(integration_dir / "pyproject.toml"),
            fix="add a [project] name to pyproject.toml or set OCEAN__INTEGRATION__TYPE",
        )
    integration["type"] = str(integration["type"])
    integration.setdefault("identifier", f"my-{integration['type']}-integration".lower())


def _origin(layers: list[sources.Layer], path: tuple[str, ...]) -> Origin:
    layer = sources.layer_holding(layers, path)
    return layer.origin_of(path) if layer else Origin(None, ".".join(path))


def _settings_error(exc: ValidationError, layers: list[sources.Layer]) -> UserInputError:
    errors = exc.errors()
    first = errors[0]
    path = tuple(str(part) for part in first["loc"])
    origin = _origin(layers, path)
    message = f"got {_short(first.get('input'))}, expected {_expected(first)}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more invalid setting{'s' if len(errors) > 2 else ''})"
    return UserInputError(message, file=origin.file, location=origin.location, line=origin.line)


def _expected(error: Any) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "int_parsing" or kind == "int_type" or kind == "int_from_float":
        return "a whole number"
    if kind in ("float_parsing", "float_type"):
        return "a number"
    if kind in ("bool_parsing", "bool_type"):
        return "true or false"
    if kind == "literal_error":
        return f"one of {context.get('expected', '')}"
    if kind in ("greater_than_equal", "greater_than"):
        bound = context.get("ge", context.get("gt"))
        return f"a number {'≥' if kind == 'greater_than_equal' else '>'} {bound}"
    if kind in ("string_type", "dict_type", "model_type", "missing"):
        return {"string_type": "a string", "missing": "a value"}.get(kind, "a mapping of settings")
    return str(error["msg"]).lower()


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _string_leaves(value: Any) -> list[str]:
    if isinstance(value, str):
        # An object given as a JSON string hides its secrets inside: mask those too.
        try:
            decoded = json.loads(value) if value[:1] in ("{", "[") else None
        except json.JSONDecodeError:
            decoded = None
        return [value, *_string_leaves(decoded)]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (str(key), *_string_leaves(item))]
    if isinstance(value, list):
        return [text for item in value for text in _string_leaves(item)]
    return []


__all__ = [
    "ActionsProcessorSettings",
    "EventListenerSettings",
    "IntegrationSettings",
    "LiveEventsKafkaSettings",
    "LiveEventsSettings",
    "OceanSettings",
    "PortSettings",
    "decamelize",
    "integration_config",
    "integration_config_origins",
    "load_settings",
    "secrets",
]
