"""Settings, ``spec.yaml`` and integration configuration: everything an integration is told.

- ``load_settings(dir)``: the ``OCEAN__*`` settings from overrides, the environment, ``.env``
  and ``config.yaml``.
- ``load_spec(dir)``: ``.port/spec.yaml`` (kinds and configuration declarations).
- ``validate_integration_config(spec, values)``: typed, snake_case integration configuration.
"""

from ocean_runtime.config.documents import Document, parse_json, parse_yaml, read_document
from ocean_runtime.config.integration_config import (
    ConfigProblem,
    Origin,
    check_integration_config,
    coerce_config_value,
    validate_integration_config,
)
from ocean_runtime.config.naming import camelize, config_env_var, decamelize
from ocean_runtime.config.settings import (
    EventListenerSettings,
    IntegrationSettings,
    OceanSettings,
    PortSettings,
    integration_config,
    integration_config_origins,
    load_settings,
    secrets,
)
from ocean_runtime.config.spec import (
    CONFIG_TYPES,
    Configuration,
    Feature,
    FeatureResource,
    Spec,
    find_spec_file,
    load_spec,
    spec_from_document,
)

__all__ = [
    "CONFIG_TYPES",
    "ConfigProblem",
    "Configuration",
    "Document",
    "EventListenerSettings",
    "Feature",
    "FeatureResource",
    "IntegrationSettings",
    "OceanSettings",
    "Origin",
    "PortSettings",
    "Spec",
    "camelize",
    "check_integration_config",
    "coerce_config_value",
    "config_env_var",
    "decamelize",
    "find_spec_file",
    "integration_config",
    "integration_config_origins",
    "load_settings",
    "load_spec",
    "parse_json",
    "parse_yaml",
    "read_document",
    "secrets",
    "spec_from_document",
    "validate_integration_config",
]
