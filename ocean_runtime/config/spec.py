"""``.port/spec.yaml``: what an integration declares about itself.

The runtime reads two things from it: ``configurations`` (the integration's own settings,
validated by ``integration_config``) and ``features[].resources[].kind`` (the kinds it can
sync). Everything else (``title``, ``saas``, ``installationDocs``…) is for Port's UI and is kept
in ``Spec.raw``. Unlike the reference, the type ``number`` is supported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ocean_runtime.config.documents import Document, read_document
from ocean_runtime.config.naming import config_env_var, decamelize, format_key_path
from ocean_runtime.errors import UserInputError

SPEC_FILES = (".port/spec.json", ".port/spec.yaml", ".port/spec.yml")
CONFIG_TYPES = ("string", "integer", "number", "boolean", "object", "array", "url")


class Configuration(BaseModel):
    """One item of ``configurations``. Unknown keys (``dependencies``, ``format``…) are kept."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1)
    type: str
    required: bool = False
    default: Any = None
    sensitive: bool = False
    enum: list[Any] | None = None
    description: str | None = None

    @property
    def snake_name(self) -> str:
        """The key in ``ocean.integration_config`` (``jiraHost`` → ``jira_host``)."""
        return decamelize(self.name)

    @property
    def env_var(self) -> str:
        """``OCEAN__INTEGRATION__CONFIG__JIRA_HOST``."""
        return config_env_var(self.name)


class FeatureResource(BaseModel):
    """``features[].resources[]``: a kind the integration can sync."""

    model_config = ConfigDict(extra="allow")

    kind: str
    description: str | None = None


class Feature(BaseModel):
    """``features[]``: an exporter (or gitops) feature and its kinds."""

    model_config = ConfigDict(extra="allow")

    type: str | None = None
    section: str | None = None
    resources: list[FeatureResource] = Field(default_factory=list)


class _SpecBody(BaseModel):
    model_config = ConfigDict(extra="allow")

    features: list[Feature] = Field(default_factory=list)
    configurations: list[Configuration] = Field(default_factory=list)


@dataclass(frozen=True)
class Spec:
    """A parsed spec.

    Attributes:
        file: the spec file relative to the integration folder (``.port/spec.yaml``).
        raw: the whole decoded file.
        configurations: the declared integration settings.
        features: the declared features.
    """

    file: str
    raw: dict[str, Any]
    configurations: list[Configuration] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        """Every kind named in ``features[].resources[]``, in order, without duplicates."""
        seen: dict[str, None] = {}
        for feature in self.features:
            for resource in feature.resources:
                seen.setdefault(resource.kind)
        return list(seen)

    def configuration(self, name: str) -> Configuration | None:
        """The configuration named ``name`` (camelCase or snake_case), if declared."""
        wanted = decamelize(name)
        return next((c for c in self.configurations if c.snake_name == wanted), None)


def find_spec_file(integration_dir: Path) -> Path | None:
    """The spec file the runtime reads: ``spec.json``, then ``spec.yaml``, then ``spec.yml``."""
    for relative in SPEC_FILES:
        candidate = integration_dir / relative
        if candidate.is_file():
            return candidate
    return None


def load_spec(integration_dir: Path) -> Spec | None:
    """Reads the integration's spec, or returns None when it has none.

    Raises:
        UserInputError: syntax error (with line), a top level that is not a mapping, or a
            malformed ``configurations`` / ``features`` entry (with key path and line).
    """
    path = find_spec_file(integration_dir)
    if path is None:
        return None
    document = read_document(path, name=path.relative_to(integration_dir).as_posix())
    return spec_from_document(document)


def spec_from_document(document: Document) -> Spec:
    """Builds a ``Spec`` from a decoded spec file (see ``load_spec`` for the errors)."""
    raw = document.data
    if not isinstance(raw, dict):
        raise UserInputError(
            "the spec must be a mapping (title, features, configurations…)", file=document.name, line=1
        )
    try:
        body = _SpecBody.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        path = tuple(error["loc"])
        raise UserInputError(
            f"{_describe(error)}",
            file=document.name,
            location=format_key_path(path),
            line=document.line_of(path),
        ) from None
    for index, configuration in enumerate(body.configurations):
        if configuration.type not in CONFIG_TYPES:
            path = ("configurations", index, "type")
            raise UserInputError(
                f"configuration '{configuration.name}' has unknown type {configuration.type!r}",
                file=document.name,
                location=format_key_path(path),
                line=document.line_of(path),
                fix=f"use one of {', '.join(CONFIG_TYPES)}",
            )
    return Spec(file=document.name, raw=raw, configurations=body.configurations, features=body.features)


def _describe(error: Any) -> str:
    if error["type"] == "missing":
        return f"required key '{error['loc'][-1]}' is missing"
    return f"{error['msg']}, got {error.get('input')!r}"
