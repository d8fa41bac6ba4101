"""Checks of the integration configuration values found in config.yaml, .env or the environment.

``ocean validate`` must work without secrets, so nothing is required to be set: values that are
given are validated against the spec (errors), and a required configuration without a value is
a warning (an error with ``--strict``). A folder that no source configures at all is configured
where it is deployed: nothing is reported, except under ``--strict``, where every required
configuration needs a value (a CI job holding the real configuration insists on it) and the
error says that no source configured the folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ocean_runtime.config.documents import read_document
from ocean_runtime.config.integration_config import Origin, check_integration_config
from ocean_runtime.config.settings import OceanSettings, integration_config_origins, load_settings
from ocean_runtime.config.spec import Spec
from ocean_runtime.errors import UserInputError
from ocean_runtime.validation.findings import Finding, Severity, from_user_error

ENVIRONMENT = "(environment)"


def check_config_values(
    integration_dir: Path, spec: Spec | None, *, environ: Mapping[str, str], strict: bool
) -> list[Finding]:
    """Findings for the integration configuration values visible from ``integration_dir``."""
    try:
        # The type is irrelevant here; a placeholder keeps a bare `.port/` folder loadable.
        settings = load_settings(
            integration_dir, environ=environ, overrides={"integration": {"type": "validate"}}
        )
    except UserInputError as exc:
        return [from_user_error(exc, file=ENVIRONMENT)]
    given = settings.integration.config
    if spec is None:
        return []
    origins = integration_config_origins(settings)
    _, problems = check_integration_config(spec, given)
    findings = []
    for problem in problems:
        configuration = problem.configuration
        if problem.kind == "missing":
            if not given and not strict:
                continue  # nothing configures this folder: it is configured where it is deployed
            index = spec.configurations.index(configuration)
            message = _missing_message(
                configuration.name, configuration.env_var, given=bool(given), strict=strict
            )
            severity: Severity = "error" if strict else "warning"
            line = _spec_line(integration_dir, spec, ("configurations", index))
            findings.append(Finding(severity, spec.file, f"configurations[{index}]", line, message))
        else:
            origin = origins.get(configuration.snake_name) or Origin(None, configuration.env_var)
            shown = "" if configuration.sensitive else f" = {_shown(given, configuration.snake_name)}"
            message = f"configuration '{configuration.name}'{shown} is not valid: {problem.message}"
            findings.append(_at_origin(origin, message, "error"))
    findings.extend(_undeclared(settings, spec, origins))
    return findings


def _missing_message(name: str, env_var: str, *, given: bool, strict: bool) -> str:
    """Says which configuration lacks a value, why that counts here, and where to set it."""
    where = f"set {env_var} or integration.config.{name} in config.yaml"
    if given:
        return f"required configuration '{name}' has no value ({where})"
    return (
        f"required configuration '{name}' has no value — --strict, and no config.yaml, .env or "
        f"OCEAN__INTEGRATION__CONFIG__* variable configures this folder ({where})"
    )


def _undeclared(settings: OceanSettings, spec: Spec, origins: Mapping[str, Origin]) -> list[Finding]:
    declared = {configuration.snake_name for configuration in spec.configurations}
    findings = []
    for key in settings.integration.config:
        if key not in declared:
            origin = origins.get(key) or Origin(None, key)
            message = (
                f"'{key}' is not declared in {spec.file} configurations (passed to the integration as is)"
            )
            findings.append(_at_origin(origin, message, "warning"))
    return findings


def _at_origin(origin: Origin, message: str, severity: Severity) -> Finding:
    return Finding(severity, origin.file or ENVIRONMENT, origin.location, origin.line, message)


def _spec_line(integration_dir: Path, spec: Spec, path: tuple[str, int]) -> int | None:
    try:
        return read_document(integration_dir / spec.file, name=spec.file).line_of(path)
    except UserInputError:
        return None


def _shown(values: Mapping[str, object], key: str) -> str:
    text = repr(values.get(key))
    return text if len(text) <= 60 else text[:57] + "..."
