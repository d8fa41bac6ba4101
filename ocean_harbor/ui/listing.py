"""A blueprint's entity table as the user arranged it: search, property filters, sort and columns.

All of it lives in the URL (``?q=…&f.status=failing&sort=p.tier&dir=desc&col=url&col=tier``), so
a view can be bookmarked and shared, and paging keeps it. Filters become Port search rules
compiled by the harbor's own rule compiler (``ocean_harbor.rules``), so a filter here means what
the same rule means to the API: ``=`` for enums, numbers and booleans, ``contains`` for text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from ocean_harbor.errors import HarborError
from ocean_harbor.rules import json_path_literal
from ocean_harbor.ui.queries import entity_rows, rule_compiler

MAX_FILTER_CHARS = 200
DEFAULT_COLUMNS = 4
META_SORTS = {"identifier": "e.identifier", "title": "e.title", "updated": "e.updated_at"}


@dataclass(frozen=True)
class Listing:
    """What the user asked the entity table to show.

    Attributes:
        q: text the identifier or title contains.
        filters: property → the value asked for (as typed).
        sort: ``identifier``, ``title``, ``updated`` or ``p.<property>``.
        descending: sort direction.
        columns: the properties shown as columns, in order (None: the default choice).
    """

    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "identifier"
    descending: bool = False
    columns: tuple[str, ...] | None = None

    @classmethod
    def from_query(
        cls, params: Mapping[str, str], column_values: list[str], properties: Mapping[str, Any]
    ) -> Listing:
        """Reads the URL's parameters, keeping only filters and columns of known properties."""
        filters = {
            key[2:]: value.strip()[:MAX_FILTER_CHARS]
            for key, value in params.items()
            if key.startswith("f.") and key[2:] in properties and value.strip()
        }
        sort = params.get("sort", "identifier")
        if sort not in META_SORTS and not (sort.startswith("p.") and sort[2:] in properties):
            sort = "identifier"
        columns = None
        if column_values:  # an empty ``col=`` marks an explicit (possibly empty) choice
            columns = tuple(dict.fromkeys(c for c in column_values if c in properties))
        return cls(
            q=params.get("q", "").strip()[:MAX_FILTER_CHARS],
            filters=filters,
            sort=sort,
            descending=params.get("dir") == "desc",
            columns=columns,
        )

    def shown_columns(self, properties: Mapping[str, Any]) -> list[str]:
        """The property columns: the user's choice, else scalars first in schema order."""
        if self.columns is not None:
            return list(self.columns)
        scalar = [name for name, spec in properties.items() if _type(spec) not in ("object", "array")]
        rest = [name for name in properties if name not in scalar]
        return (scalar + rest)[:DEFAULT_COLUMNS]

    def params(self, **changes: Any) -> dict[str, Any]:
        """The URL parameters of this listing (with ``changes``), empty ones left out."""
        values: dict[str, Any] = {
            "q": self.q,
            "sort": "" if self.sort == "identifier" else self.sort,
            "dir": "desc" if self.descending else "",
            **{f"f.{name}": value for name, value in self.filters.items()},
        }
        values.update(changes)
        query: dict[str, Any] = {key: value for key, value in values.items() if value}
        if self.columns is not None:
            query["col"] = list(self.columns) or [""]
        return query

    def link(self, anchor: str = "#entities", **changes: Any) -> str:
        """A query string for this listing with ``changes`` (e.g. another sort or page)."""
        return "?" + urlencode(self.params(**changes), doseq=True) + anchor

    def sort_link(self, key: str) -> str:
        """The link a column header carries: sort by it, or flip the direction if it is the sort."""
        flip = self.sort == key and not self.descending
        return self.link(sort="" if key == "identifier" and not flip else key, dir="desc" if flip else "")

    @property
    def active(self) -> bool:
        """The user narrowed or rearranged the table."""
        return bool(
            self.q or self.filters or self.sort != "identifier" or self.descending or self.columns is not None
        )


@dataclass(frozen=True)
class FilterField:
    """One property's filter control: ``kind`` is select (enum/boolean) or text (string/number)."""

    name: str
    title: str
    kind: str
    options: tuple[str, ...] = ()
    hint: str = ""


def filter_fields(properties: Mapping[str, Any]) -> list[FilterField]:
    """A filter control per scalar property, in schema order."""
    fields = []
    for name, spec in properties.items():
        spec = spec if isinstance(spec, dict) else {}
        title = spec["title"] if isinstance(spec.get("title"), str) else name
        kind = _type(spec)
        if isinstance(spec.get("enum"), list):
            options = tuple(str(option) for option in spec["enum"] if option is not None)
            fields.append(FilterField(name, title, "select", options, "is"))
        elif kind == "boolean":
            fields.append(FilterField(name, title, "select", ("true", "false"), "is"))
        elif kind in ("number", "integer"):
            fields.append(FilterField(name, title, "text", (), "equals"))
        elif kind == "string":
            fields.append(FilterField(name, title, "text", (), "contains"))
    return fields


class BadFilter(Exception):
    """A filter value the property cannot hold (``tier = "abc"`` for a number)."""


def _rules(listing: Listing, properties: Mapping[str, Any]) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for name, raw in listing.filters.items():
        spec = properties.get(name)
        spec = spec if isinstance(spec, dict) else {}
        kind = _type(spec)
        value: Any = raw
        if kind == "boolean" and not isinstance(spec.get("enum"), list):
            if raw not in ("true", "false"):
                raise BadFilter(f"{name} is true or false, not “{raw}”")
            value = raw == "true"
        elif kind in ("number", "integer"):
            try:
                value = int(raw) if kind == "integer" or raw.lstrip("-").isdigit() else float(raw)
            except ValueError:
                raise BadFilter(f"{name} is a number, not “{raw}”") from None
        operator = "contains" if kind == "string" and not isinstance(spec.get("enum"), list) else "="
        rules.append({"property": name, "operator": operator, "value": value})
    return rules


def _where(
    conn: sqlite3.Connection, blueprint: str, listing: Listing, properties: Mapping[str, Any]
) -> tuple[str, list[Any]]:
    clauses, params = ["e.blueprint = ?"], [blueprint]
    if listing.q:
        escaped = listing.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append("(e.identifier LIKE ? ESCAPE '\\' OR e.title LIKE ? ESCAPE '\\')")
        params += [f"%{escaped}%", f"%{escaped}%"]
    rules = _rules(listing, properties)
    if rules:
        try:
            sql, rule_params = rule_compiler(conn).compile({"combinator": "and", "rules": rules}, "filter")
        except HarborError as error:
            raise BadFilter(str(error)) from None
        clauses.append(f"({sql})")
        params += rule_params
    return " AND ".join(clauses), params


def count(conn: sqlite3.Connection, blueprint: str, listing: Listing, properties: Mapping[str, Any]) -> int:
    """How many entities the listing matches."""
    where, params = _where(conn, blueprint, listing, properties)
    return int(conn.execute(f"SELECT COUNT(*) FROM entities e WHERE {where}", params).fetchone()[0])


def page(
    conn: sqlite3.Connection,
    blueprint: str,
    listing: Listing,
    properties: Mapping[str, Any],
    *,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """One page of the listing's entities, in its order (ties broken by identifier)."""
    where, params = _where(conn, blueprint, listing, properties)
    direction = "DESC" if listing.descending else "ASC"
    if listing.sort.startswith("p."):
        expr = f"json_extract(e.properties, {json_path_literal(listing.sort[2:])})"
        order = f"{expr} IS NULL, {expr} {direction}, e.identifier"  # entities without a value last
    elif listing.sort == "title":
        order = f"e.title IS NULL, e.title {direction}, e.identifier"
    elif listing.sort == "updated":
        order = f"e.updated_at {direction}, e.identifier"
    else:  # identifier: the primary key's own order, no sort step
        order = f"e.identifier {direction}"
    return entity_rows(conn, where, params, order=order, limit=limit, offset=offset)


def _type(spec: Any) -> str:
    kind = spec.get("type") if isinstance(spec, dict) else None
    return kind if isinstance(kind, str) else ""
