"""The published port-app-config models (``port_ocean.core.handlers.port_app_config.models``).

Integrations subclass these with pydantic v1 idioms (``pydantic.v1.Field(alias=…)``,
``@validator``, ``@root_validator``, ``Literal`` kinds in unions), so they are pydantic v1 models
with the published fields, aliases and defaults — an integration's selector behaves exactly as
on the published framework. Ocean's runtime parses with its own (v2) models; ``adapt`` builds the
bridge: a runtime ``PortAppConfig`` subclass that also parses every config with the
integration's v1 class and keeps the v1 twin of each resource, which is what ``event``
answers inside handlers.

Mirrors port-ocean's ``models.py`` fields; one deliberate difference is inherited from the
runtime: a YAML boolean where a jq expression belongs is an error (the published framework
turns it into the string ``"True"``, which is not jq).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic.v1 import BaseModel, Field, validator

CUSTOM_KIND = "__custom__"


class Rule(BaseModel):
    """One rule of a search query."""

    property: str
    operator: str
    value: str


class IngestSearchQuery(BaseModel):
    """A search query Port resolves to an entity (identifier, team or relation)."""

    combinator: str
    rules: list[Rule | IngestSearchQuery]


class EntityMapping(BaseModel):
    """``port.entity.mappings``: jq expressions per entity field."""

    identifier: str | IngestSearchQuery
    title: str | None
    icon: str | None
    blueprint: str
    team: str | IngestSearchQuery | None
    properties: dict[str, str] = Field(default_factory=dict)
    relations: dict[str, str | IngestSearchQuery] = Field(default_factory=dict)

    @property
    def is_using_search_identifier(self) -> bool:
        """True when the identifier is a search query."""
        return isinstance(self.identifier, dict | IngestSearchQuery)


class MappingsConfig(BaseModel):
    """``port.entity``."""

    mappings: EntityMapping


class PortResourceConfig(BaseModel):
    """``port``: the mapping and ``itemsToParse``."""

    entity: MappingsConfig
    items_to_parse: str | None = Field(alias="itemsToParse")
    items_to_parse_name: str = Field(alias="itemsToParseName", default="item")
    items_to_parse_top_level_transform: bool = Field(alias="itemsToParseTopLevelTransform", default=True)


class Selector(BaseModel):
    """``selector``: integrations subclass it with their own fields."""

    query: str
    export_env_variables: list[str] = Field(alias="exportEnvVariables", default_factory=list)


class ResourceConfig(BaseModel):
    """One entry of ``resources``."""

    probe_permissions: ClassVar[Any] = None

    kind: str
    enable_delete: bool = Field(alias="enableDelete", default=True)
    selector: Selector
    port: PortResourceConfig

    @validator("enable_delete", pre=True)
    def _enable_delete_must_be_bool(cls, value: object) -> object:  # noqa: N805 - pydantic v1 validator
        if not isinstance(value, bool):
            raise ValueError(
                "enableDelete must be a boolean (true or false). Omit the key to keep the default (true)."
            )
        return value


class PortAppConfig(BaseModel):
    """The whole port-app-config; integrations narrow ``resources`` with their own classes."""

    allow_custom_kinds: ClassVar[bool] = False

    enable_merge_entity: bool = Field(alias="enableMergeEntity", default=True)
    delete_dependent_entities: bool = Field(alias="deleteDependentEntities", default=True)
    create_missing_related_entities: bool = Field(alias="createMissingRelatedEntities", default=True)
    entity_deletion_threshold: float = Field(alias="entityDeletionThreshold", default=0.9, ge=0, le=1)
    resources: list[ResourceConfig] = Field(default_factory=list)

    def get_port_request_options(self) -> dict[str, Any]:
        """The query flags of Port's bulk requests this config implies."""
        return {
            "delete_dependent_entities": self.delete_dependent_entities,
            "create_missing_related_entities": self.create_missing_related_entities,
            "merge": self.enable_merge_entity,
            "validation_only": False,
        }

    def to_request(self) -> dict[str, Any]:
        """The config as Port stores it (camelCase keys, only the keys set)."""
        return {
            "deleteDependentEntities": self.delete_dependent_entities,
            "createMissingRelatedEntities": self.create_missing_related_entities,
            "enableMergeEntity": self.enable_merge_entity,
            "entityDeletionThreshold": self.entity_deletion_threshold,
            "resources": [
                resource.dict(by_alias=True, exclude_none=True, exclude_unset=True)
                for resource in self.resources
            ],
        }


IngestSearchQuery.update_forward_refs()
