"""The port-app-config ("resource mapping") models: the same YAML the reference reads.

Every leaf of a mapping is a jq expression kept as a string; nothing is evaluated here (see
``engine``). The models are meant to be subclassed: an integration adds its own ``Selector``
fields and narrows ``PortAppConfig.resources`` in its ``integration.py``::

    class RepoSelector(Selector):
        include_archived: bool = Field(False, alias="includeArchived")

    class RepoResource(ResourceConfig):
        kind: Literal["repository"]
        selector: RepoSelector

    class GithubConfig(PortAppConfig):
        resources: list[RepoResource | ResourceConfig] = Field(default_factory=list)

Unknown keys are tolerated (the reference ignores them too); ``find_unknown_keys`` in
``loading`` lists them so ``ocean validate`` can report typos.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag


def _expression_from_yaml(value: Any) -> Any:
    """Keeps YAML scalars usable as jq: numbers become their text; booleans are refused.

    YAML reads an unquoted ``true`` as a boolean; pydantic v1 (the reference) then turns it into
    the string ``"True"``, which is not jq. We say so instead of failing later.
    """
    if isinstance(value, bool):
        word = "true" if value else "false"
        raise ValueError(
            f"YAML read {word} as a boolean, but this must be a jq expression string — "
            f"write '{word}' (quoted) for the jq literal"
        )
    if isinstance(value, int | float):
        return str(value)
    return value


JqExpression = Annotated[str, BeforeValidator(_expression_from_yaml)]
"""A jq expression as written in the config (numbers are accepted and turned into text)."""


# Tags of the two "string or object" unions below. They show up in pydantic's error locations;
# ``loading`` strips them so errors name YAML keys only.
EXPRESSION_TAG = "<jq expression>"
SEARCH_QUERY_TAG = "<search query>"
SEARCH_RULE_TAG = "<search rule>"
UNION_TAGS = frozenset({EXPRESSION_TAG, SEARCH_QUERY_TAG, SEARCH_RULE_TAG})


def _expression_or_query(value: Any) -> str:
    # Dispatching on the shape gives one clear error instead of one per union member.
    if isinstance(value, dict | SearchQuery):
        return SEARCH_QUERY_TAG
    return EXPRESSION_TAG


def _rule_or_query(value: Any) -> str:
    if isinstance(value, SearchQuery) or (
        isinstance(value, dict) and ("combinator" in value or "rules" in value)
    ):
        return SEARCH_QUERY_TAG
    return SEARCH_RULE_TAG


class _ConfigModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class SearchRule(_ConfigModel):
    """One rule of a search query; every value is a jq expression (``'"$identifier"'``)."""

    property: JqExpression
    operator: JqExpression
    value: JqExpression


class SearchQuery(_ConfigModel):
    """A search query that Port resolves to an entity (search identifier / relation / team).

    ``combinator`` and every rule field are jq expressions too, so they are written as jq
    string literals: ``combinator: '"and"'``.
    """

    combinator: JqExpression
    rules: list[
        Annotated[
            Annotated[SearchRule, Tag(SEARCH_RULE_TAG)] | Annotated[SearchQuery, Tag(SEARCH_QUERY_TAG)],
            Discriminator(_rule_or_query),
        ]
    ]


ExpressionOrQuery = Annotated[
    Annotated[JqExpression, Tag(EXPRESSION_TAG)] | Annotated[SearchQuery, Tag(SEARCH_QUERY_TAG)],
    Discriminator(_expression_or_query),
]
"""A jq expression, or a search query object that Port resolves to an entity."""


class EntityMapping(_ConfigModel):
    """How one raw item becomes an entity. Only the keys written in the YAML are mapped."""

    identifier: ExpressionOrQuery
    blueprint: JqExpression
    title: JqExpression | None = None
    icon: JqExpression | None = None
    team: ExpressionOrQuery | None = None
    properties: dict[str, JqExpression] = Field(default_factory=dict)
    relations: dict[str, ExpressionOrQuery] = Field(default_factory=dict)


class MappingsConfig(_ConfigModel):
    """``port.entity``: holds the single ``mappings`` object."""

    mappings: EntityMapping


class PortResourceConfig(_ConfigModel):
    """``port``: the entity mapping and the optional ``itemsToParse`` expansion."""

    entity: MappingsConfig
    items_to_parse: JqExpression | None = Field(default=None, alias="itemsToParse")
    items_to_parse_name: str = Field(default="item", alias="itemsToParseName")
    items_to_parse_top_level_transform: bool = Field(default=True, alias="itemsToParseTopLevelTransform")


class Selector(_ConfigModel):
    """``selector``: which raw items of the kind are synced.

    Integrations subclass it to add their own fields (read by their resync handlers through
    ``event.resource_config.selector``). Keys no class declares are kept, so they survive
    ``to_request()`` and reach Port unchanged.
    """

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    query: JqExpression
    export_env_variables: list[str] = Field(default_factory=list, alias="exportEnvVariables")


class ResourceConfig(_ConfigModel):
    """One entry of ``resources``: a kind, its selector and its mapping."""

    kind: str
    selector: Selector
    port: PortResourceConfig
    # Newer reference releases let a resource opt out of reconcile deletions.
    enable_delete: bool = Field(default=True, alias="enableDelete", strict=True)


class PortAppConfig(_ConfigModel):
    """The whole port-app-config. Defaults are the reference's code defaults (not its docs)."""

    enable_merge_entity: bool = Field(default=True, alias="enableMergeEntity")
    delete_dependent_entities: bool = Field(default=True, alias="deleteDependentEntities")
    create_missing_related_entities: bool = Field(default=True, alias="createMissingRelatedEntities")
    entity_deletion_threshold: float = Field(default=0.9, ge=0, le=1, alias="entityDeletionThreshold")
    resources: list[ResourceConfig] = Field(default_factory=list)

    def to_request(self) -> dict[str, Any]:
        """The config as Port stores it in the integration's ``config`` (camelCase keys).

        Resources keep only the keys that were set, as the reference sends them.
        """
        return {
            "deleteDependentEntities": self.delete_dependent_entities,
            "createMissingRelatedEntities": self.create_missing_related_entities,
            "enableMergeEntity": self.enable_merge_entity,
            "entityDeletionThreshold": self.entity_deletion_threshold,
            "resources": [
                resource.model_dump(by_alias=True, exclude_none=True, exclude_unset=True)
                for resource in self.resources
            ],
        }
