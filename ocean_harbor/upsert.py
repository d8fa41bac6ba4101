"""Writing entities: search-identifier resolution, merge, validation, related entities, links.

One ``Upserter`` handles the entities of one request (single or bulk) inside one write
transaction: ``prefetch`` the request, ``upsert`` each entity, ``finish`` to write. Each entity
either succeeds or fails on its own with Port's per-entity error (``statusCode``, ``error``,
``message``); all checks run before anything of that entity is queued, so a refused entity leaves
no trace. ``validation_only`` runs everything but ``finish``, so its answers are exactly those of
a real write.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from ocean_harbor.blueprint_schema import ENTITY_IDENTIFIER
from ocean_harbor.catalog import BlueprintSet, matching_identifiers
from ocean_harbor.entity_batch import EntityBatch
from ocean_harbor.errors import HarborError
from ocean_harbor.links import relation_values
from ocean_harbor.rules import RuleCompiler

TEAM_BLUEPRINT = "_team"


@dataclass(frozen=True)
class UpsertOptions:
    """The query flags of an upsert request."""

    upsert: bool = True
    merge: bool = False
    create_missing_related_entities: bool = False
    validation_only: bool = False


@dataclass
class Outcome:
    """The result for one entity of the request."""

    index: int
    identifier: str
    ok: bool
    created: bool = False
    entity: dict[str, Any] | None = None
    status: int = 200
    error: str = ""
    message: str = ""

    def success_item(self) -> dict[str, Any]:
        """The ``entities[]`` item of a bulk response."""
        return {"identifier": self.identifier, "index": self.index, "created": self.created}

    def error_item(self) -> dict[str, Any]:
        """The ``errors[]`` item of a bulk response."""
        return {
            "identifier": self.identifier,
            "index": self.index,
            "statusCode": self.status,
            "error": self.error,
            "message": self.message,
        }


class Refused(Exception):
    """One entity cannot be written; becomes a per-entity error."""

    def __init__(self, status: int, error: str, message: str, identifier: str | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.identifier = status, error, message, identifier


class Upserter:
    """Upserts entities of one blueprint.

    Args:
        conn: a connection inside a write transaction.
        blueprint: the target blueprint's identifier (it must be in ``blueprints``).
        blueprints: every blueprint (relation targets, search names, validators).
        options: the request's flags.
        datasource: the writer's ``User-Agent`` (Port's ``$datasource``).
        now: the timestamp stamped as ``updatedAt``.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        blueprint: str,
        blueprints: BlueprintSet,
        options: UpsertOptions,
        datasource: str | None,
        now: str,
    ) -> None:
        self.conn, self.name = conn, blueprint
        self.blueprint: dict[str, Any] = blueprints.documents[blueprint]
        self.blueprints = blueprints.documents
        self.options, self.datasource, self.now = options, datasource, now
        self.validator = blueprints.validator(blueprint)
        self.compiler = RuleCompiler(relation_only=blueprints.relation_only)
        self.batch = EntityBatch(conn, datasource, now)

    def prefetch(self, bodies: list[Any]) -> None:
        """Loads, in bulk, the entities the request names and the targets of their relations."""
        self.batch.prefetch(self.name, [b["identifier"] for b in bodies if _plain_identifier(b)])
        targets: dict[str, list[str]] = {}
        relation_defs = self.blueprint.get("relations", {})
        for body in bodies:
            relations = body.get("relations") if isinstance(body, dict) else None
            for name, value in relations.items() if isinstance(relations, dict) else ():
                if name in relation_defs:
                    targets.setdefault(relation_defs[name]["target"], []).extend(relation_values(value))
        for target, identifiers in targets.items():
            self.batch.prefetch_existence(target, identifiers)

    def finish(self) -> None:
        """Writes the accepted entities (skip it for ``validation_only``)."""
        self.batch.flush()

    def upsert(self, index: int, body: Any) -> Outcome:
        """Validates one entity and queues its write; a bad entity becomes a failed ``Outcome``."""
        raw_identifier = body.get("identifier") if isinstance(body, dict) else None
        fallback = raw_identifier if isinstance(raw_identifier, str) else "unknown"
        try:
            return self._upsert(index, body)
        except Refused as refused:
            status, error, message, identifier = (
                refused.status,
                refused.error,
                refused.message,
                refused.identifier,
            )
        except HarborError as harbor_error:  # e.g. a bad rule in a search identifier: this entity's fault
            status, error, message, identifier = (
                harbor_error.status,
                harbor_error.error,
                harbor_error.message,
                None,
            )
        return Outcome(index, identifier or fallback, False, status=status, error=error, message=message)

    def _upsert(self, index: int, body: Any) -> Outcome:
        if not isinstance(body, dict):
            raise Refused(
                422, "invalid_request", f"entities[{index}] must be an object, got {json.dumps(body)[:60]}"
            )
        if body.get("blueprint") not in (None, self.name):
            raise Refused(
                422,
                "invalid_request",
                f"The entity's blueprint '{body['blueprint']}' differs from '{self.name}' in the URL",
            )
        identifier = self._identifier(body.get("identifier"))
        existing = self.batch.get(self.name, identifier)
        if existing is not None and not self.options.upsert:
            raise Refused(
                409, "conflict", f"Entity '{identifier}' already exists in '{self.name}' (upsert=false)"
            )
        entity = self._candidate(body, identifier, existing)
        errors = self.validator.property_errors(entity["properties"]) + self.validator.relation_errors(
            entity["relations"]
        )
        if errors:
            raise Refused(
                422,
                "schema_mismatch",
                f"Entity '{identifier}' does not match blueprint '{self.name}': " + "; ".join(errors),
                identifier,
            )
        for target, target_id in self._missing_targets(entity["relations"], identifier):
            self.batch.put_placeholder(target, target_id)
        stored = self.batch.put(entity, self.blueprint["relations"])
        return Outcome(index, identifier, True, created=existing is None, entity=stored)

    def _identifier(self, value: Any) -> str:
        if isinstance(value, dict):
            found = matching_identifiers(
                self.conn, self.name, value, where="identifier", compiler=self.compiler, limit=2
            )
            if len(found) != 1:
                problem = "no entity" if not found else "more than one entity"
                raise Refused(
                    404 if not found else 422,
                    "not_found" if not found else "invalid_request",
                    f"The search identifier matched {problem} of '{self.name}'",
                    "unknown",
                )
            return found[0]
        if not isinstance(value, str) or not ENTITY_IDENTIFIER.match(value):
            raise Refused(
                422,
                "invalid_request",
                f"identifier must be a string matching {ENTITY_IDENTIFIER.pattern}, got {json.dumps(value)}",
            )
        return value

    def _candidate(
        self, body: dict[str, Any], identifier: str, existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        properties = body.get("properties") if body.get("properties") is not None else {}
        relations = body.get("relations") if body.get("relations") is not None else {}
        if not isinstance(properties, dict) or not isinstance(relations, dict):
            raise Refused(422, "invalid_request", "properties and relations must be objects", identifier)
        relations = {name: self._relation(name, value, identifier) for name, value in relations.items()}
        merge = self.options.merge and existing is not None
        base = (
            existing
            if merge and existing
            else {"properties": {}, "relations": {}, "title": None, "icon": None, "team": []}
        )
        entity = {
            "identifier": identifier,
            "blueprint": self.name,
            "title": body["title"] if "title" in body else base["title"],
            "icon": body["icon"] if "icon" in body else base["icon"],
            "team": self._team(body["team"], identifier) if "team" in body else base["team"],
            "properties": {**base["properties"], **properties},
            "relations": {**base["relations"], **relations},
        }
        for key in ("title", "icon"):
            if entity[key] is not None and not isinstance(entity[key], str):
                raise Refused(422, "invalid_request", f"{key} must be a string or null", identifier)
        return entity

    def _relation(self, name: str, value: Any, identifier: str) -> Any:
        relation = self.blueprint.get("relations", {}).get(name)
        if not isinstance(value, dict) or relation is None:
            return value
        found = matching_identifiers(
            self.conn, relation["target"], value, where=f"relations.{name}", compiler=self.compiler
        )
        if relation["many"]:
            return found
        if len(found) != 1:
            raise Refused(
                404 if not found else 422,
                "not_found" if not found else "invalid_request",
                f"relations.{name}: the search query matched {len(found)} entities of "
                f"'{relation['target']}' (need exactly one)",
                identifier,
            )
        return found[0]

    def _team(self, value: Any, identifier: str) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        if isinstance(value, dict):
            if TEAM_BLUEPRINT not in self.blueprints:
                raise Refused(
                    404, "not_found", "team is a search query but there is no _team blueprint", identifier
                )
            return matching_identifiers(
                self.conn, TEAM_BLUEPRINT, value, where="team", compiler=self.compiler
            )
        raise Refused(
            422, "invalid_request", "team must be a string, an array of strings or a query", identifier
        )

    def _missing_targets(self, relations: dict[str, Any], identifier: str) -> list[tuple[str, str]]:
        """Related entities that do not exist; refused unless create_missing_related_entities."""
        missing = []
        for name, value in relations.items():
            target = self.blueprint["relations"][name]["target"]
            for target_id in relation_values(value):
                if target == self.name and target_id == identifier:
                    continue
                if not self.batch.exists(target, target_id):
                    missing.append((target, target_id))
        if missing and not self.options.create_missing_related_entities:
            listed = ", ".join(f"{bp}/{i}" for bp, i in missing)
            raise Refused(
                404,
                "not_found",
                f"Entity '{identifier}' relates to entities that do not exist: {listed} "
                "(create them first or set create_missing_related_entities=true)",
                identifier,
            )
        for target, target_id in missing:
            if target not in self.blueprints:
                raise Refused(
                    404, "not_found", f"Relation target blueprint '{target}' does not exist", identifier
                )
            if not ENTITY_IDENTIFIER.match(target_id):
                raise Refused(
                    422,
                    "invalid_request",
                    f"Related identifier {json.dumps(target_id)} is not valid",
                    identifier,
                )
        return missing


def _plain_identifier(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("identifier"), str)
