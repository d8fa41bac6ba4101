"""Port's search rules language, compiled to one SQL condition over ``entities e``.

A query is ``{"combinator": "and" | "or", "rules": [...]}``; a rule is either a nested query or
``{"property": P, "operator": OP, "value": V}``. ``P`` is a meta property (``$identifier``,
``$blueprint``, ``$title``, ``$icon``, ``$team``, ``$datasource``, ``$createdAt``, ``$updatedAt``),
a property identifier, or — with ``{"relation": R, ...}``, or a ``property`` that is only ever a
relation name — a relation. ``relatedTo`` (``{"operator": "relatedTo", "blueprint", "value",
"direction": "upstream" | "downstream"}``) follows relations transitively: upstream = entities the
given one points at, downstream = entities pointing at it; without a direction, both.

Everything becomes SQL (``json_extract`` / ``json_each``) so the search stays one indexed query
at 100k entities. An empty ``and`` matches everything, an empty ``or`` matches nothing.

Queries are bounded, so no input can reach SQLite's own limits (a 500 and a dropped connection):
at most ``MAX_DEPTH`` levels of nesting and ``MAX_RULES`` rules, long ``and``/``or`` lists are
joined as a balanced tree (SQLite refuses an expression 1,000 deep), names are printable text,
and a number beyond 64-bit integers is compared as the double JSON makes of it. Anything else
is a 422 naming the rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ocean_harbor.errors import invalid
from ocean_harbor.rule_operators import SCALAR_OPERATORS, Sql, checked_name, scalar
from ocean_harbor.store import format_time, parse_time

META_COLUMNS = {
    "$identifier": "e.identifier",
    "$blueprint": "e.blueprint",
    "$title": "e.title",
    "$icon": "e.icon",
    "$datasource": "e.datasource",
    "$createdAt": "e.created_at",
    "$updatedAt": "e.updated_at",
}
DATE_COLUMNS = {"$createdAt", "$updatedAt"}
NEGATED = {
    "!=": "=",
    "notIn": "in",
    "doesNotContains": "contains",
    "doesNotBeginsWith": "beginsWith",
    "doesNotEndsWith": "endsWith",
    "notBetween": "between",
    "isEmpty": "isNotEmpty",
}
PRESET_DAYS = {
    "lastWeek": 7,
    "last2Weeks": 14,
    "lastMonth": 30,
    "last3Months": 90,
    "last6Months": 180,
    "last12Months": 365,
}


MAX_DEPTH = 32  # nested queries; SQLite's parser gives up near 100 levels of parentheses
MAX_RULES = 10_000
BALANCED_FROM = 8  # more rules than this in one and/or are joined as a balanced tree


@dataclass(frozen=True)
class Field:
    """Where a rule's values live: one SQL expression, or a set of values (``values_sql``)."""

    expr: str = ""
    values_sql: str = ""  # "SELECT v FROM ..." for multi-valued fields (team, relations)
    json_type: str = ""  # SQL giving the JSON type, for properties
    is_date: bool = False


def json_path_literal(name: str) -> str:
    """The SQLite JSON path of a top-level key, as a quoted SQL literal.

    Inlined rather than bound so an expression can appear several times in one condition
    without interleaving its parameters with the rule's values.
    """
    path = '$."' + name.replace('"', '\\"') + '"'
    return "'" + path.replace("'", "''") + "'"


class RuleCompiler:
    """Compiles search queries.

    Args:
        relation_only: names that are relations in some blueprint and properties in none; a
            ``property`` rule on such a name is a relation rule (Port accepts both spellings).
        now: the current time, for date presets.
    """

    def __init__(self, relation_only: frozenset[str] = frozenset(), now: datetime | None = None) -> None:
        self.relation_only = relation_only
        self.now = now or datetime.now(UTC)

    def compile(self, query: Any, where: str = "body") -> Sql:
        """Returns ``(sql, params)`` for ``query``; raises HarborError 422 naming the bad rule."""
        self._rules = 0
        return self._compile(query, where, 0)

    def _compile(self, query: Any, where: str, depth: int) -> Sql:
        if not isinstance(query, dict):
            raise invalid(f'{where} must be a query object {{"combinator": "and", "rules": [...]}}.')
        if "combinator" not in query and "rules" not in query:
            self._rules += 1
            if self._rules > MAX_RULES:
                raise invalid(f"The query has more than {MAX_RULES} rules; split it into several searches.")
            return self._rule(query, where)
        if depth >= MAX_DEPTH:
            raise invalid(f"{where} nests queries more than {MAX_DEPTH} levels deep.")
        combinator = query.get("combinator", "and")
        if combinator not in ("and", "or"):
            raise invalid(f"{where}.combinator must be 'and' or 'or', got {_shown(combinator)}.")
        rules = query.get("rules")
        if not isinstance(rules, list):
            raise invalid(f"{where}.rules must be an array of rules.")
        if not rules:
            return ("1", []) if combinator == "and" else ("0", [])
        compiled = [self._compile(rule, f"{where}.rules[{i}]", depth + 1) for i, rule in enumerate(rules)]
        return _joined(compiled, f" {combinator.upper()} ")

    def _rule(self, rule: dict[str, Any], where: str) -> Sql:
        operator = rule.get("operator")
        if not isinstance(operator, str):
            raise invalid(f"{where}.operator is required (e.g. '=', 'in', 'contains').")
        if operator == "relatedTo":
            return self._related_to(rule, where)
        field = self._field(rule, where)
        value = rule.get("value")
        if field.is_date:
            value = self._date_value(value, operator, where)
        if operator in NEGATED:
            sql, params = self._positive(field, NEGATED[operator], value, where)
            if field.values_sql or operator == "isEmpty":
                return f"NOT ({sql})", params
            return f"NOT COALESCE(({sql}), 0)", params
        if operator not in SCALAR_OPERATORS and operator not in ("isNotEmpty", "containsAny"):
            raise invalid(f"{where}.operator {_shown(operator)} is not a supported operator.")
        return self._positive(field, operator, value, where)

    def _field(self, rule: dict[str, Any], where: str) -> Field:
        relation = rule.get("relation")
        prop = rule.get("property")
        if relation is None and isinstance(prop, str) and prop in self.relation_only:
            relation = prop
        if isinstance(relation, str):
            path = json_path_literal(checked_name(relation, f"{where}.relation"))
            return Field(
                values_sql=f"SELECT j.value AS v FROM json_each(e.relations, {path}) j"
                " WHERE j.value IS NOT NULL"
            )
        if not isinstance(prop, str) or not prop:
            raise invalid(
                f"{where}.property is required (a property identifier or $identifier, $blueprint, ...)."
            )
        if prop == "$team":
            return Field(values_sql="SELECT j.value AS v FROM json_each(e.team) j")
        if prop in META_COLUMNS:
            return Field(expr=META_COLUMNS[prop], is_date=prop in DATE_COLUMNS)
        if prop.startswith("$"):
            raise invalid(f"{where}.property {_shown(prop)} is not a known meta property.")
        path = json_path_literal(checked_name(prop, f"{where}.property"))
        return Field(expr=f"json_extract(e.properties, {path})", json_type=f"json_type(e.properties, {path})")

    def _positive(self, field: Field, operator: str, value: Any, where: str) -> Sql:
        if field.values_sql:
            if operator == "isNotEmpty":
                return f"EXISTS ({field.values_sql})", []
            op = "in" if operator == "containsAny" else operator
            cond, params = scalar(op, "v", value, where)
            return f"EXISTS (SELECT 1 FROM ({field.values_sql}) WHERE {cond})", params
        if operator in ("isNotEmpty", "containsAny") or (operator == "contains" and field.json_type):
            return self._json_aware(field, operator, value, where)
        return scalar(operator, field.expr, value, where)

    def _json_aware(self, field: Field, operator: str, value: Any, where: str) -> Sql:
        expr, jtype = field.expr, field.json_type
        if operator == "isNotEmpty":
            if not jtype:
                return f"({expr} IS NOT NULL AND {expr} != '')", []
            return (
                f"(COALESCE({jtype}, 'null') != 'null' AND NOT ({jtype} = 'text' AND {expr} = '') "
                f"AND NOT ({jtype} IN ('array', 'object') AND {expr} IN ('[]', '{{}}')))"
            ), []
        each = f"SELECT j.value AS v FROM json_each({expr}) j"
        if operator == "containsAny":
            cond, params = scalar("in", "v", value, where)
            return f"({jtype} = 'array' AND EXISTS (SELECT 1 FROM ({each}) WHERE {cond}))", params
        cond, params = scalar("=", "v", value, where)
        text_cond, text_params = scalar("contains", expr, value, where)
        return (
            f"(CASE WHEN {jtype} = 'array' THEN EXISTS (SELECT 1 FROM ({each}) WHERE {cond}) "
            f"ELSE {text_cond} END)"
        ), params + text_params

    def _date_value(self, value: Any, operator: str, where: str) -> Any:
        if operator in ("between", "notBetween"):
            return self._date_range(value, where)
        if isinstance(value, list):
            return [self._date_value(v, operator, where) for v in value]
        if value is None or operator in ("isEmpty", "isNotEmpty"):
            return value
        try:
            return format_time(parse_time(str(value)))
        except ValueError:
            raise invalid(f"{where}.value must be an ISO-8601 date-time, got {json.dumps(value)}.") from None

    def _date_range(self, value: Any, where: str) -> dict[str, str]:
        if isinstance(value, dict) and "preset" in value:
            return self._preset(value["preset"], where)
        if not isinstance(value, dict) or "from" not in value or "to" not in value:
            raise invalid(f'{where}.value must be {{"from": ISO, "to": ISO}} or {{"preset": "lastWeek"}}.')
        try:
            return {
                "from": format_time(parse_time(str(value["from"]))),
                "to": format_time(parse_time(str(value["to"]))),
            }
        except ValueError:
            raise invalid(f"{where}.value.from/to must be ISO-8601 date-times.") from None

    def _preset(self, preset: Any, where: str) -> dict[str, str]:
        day = self.now.replace(hour=0, minute=0, second=0, microsecond=0)
        ranges = {
            "today": (day, day + timedelta(days=1)),
            "yesterday": (day - timedelta(days=1), day),
            "tomorrow": (day + timedelta(days=1), day + timedelta(days=2)),
        }
        ranges.update(
            {name: (self.now - timedelta(days=days), self.now) for name, days in PRESET_DAYS.items()}
        )
        if preset not in ranges:
            raise invalid(
                f"{where}.value.preset must be one of {', '.join(ranges)}, got {json.dumps(preset)}."
            )
        start, end = ranges[preset]
        return {"from": format_time(start), "to": format_time(end)}

    def _related_to(self, rule: dict[str, Any], where: str) -> Sql:
        blueprint, value = rule.get("blueprint"), rule.get("value")
        identifiers = value if isinstance(value, list) else [value]
        if (
            not isinstance(blueprint, str)
            or not identifiers
            or not all(isinstance(v, str) for v in identifiers)
        ):
            raise invalid(
                f"{where}: relatedTo needs 'blueprint' and 'value' (an identifier or a list of them)."
            )
        direction = rule.get("direction")
        if direction not in (None, "upstream", "downstream"):
            raise invalid(
                f"{where}.direction must be 'upstream' or 'downstream', got {json.dumps(direction)}."
            )
        marks = ",".join("?" * len(identifiers))
        parts, params = [], []
        if direction in (None, "upstream"):
            parts.append(_walk("target_blueprint, target_identifier", "blueprint, identifier", marks))
            params += [blueprint, *identifiers]
        if direction in (None, "downstream"):
            parts.append(_walk("blueprint, identifier", "target_blueprint, target_identifier", marks))
            params += [blueprint, *identifiers]
        return " OR ".join(parts), params


def _joined(parts: list[Sql], separator: str) -> Sql:
    """``parts`` joined by AND/OR as a balanced tree, so 10,000 rules nest ~11 deep, not 10,000."""
    if len(parts) <= BALANCED_FROM:
        return separator.join(f"({sql})" for sql, _ in parts), [p for _, params in parts for p in params]
    middle = len(parts) // 2
    left, left_params = _joined(parts[:middle], separator)
    right, right_params = _joined(parts[middle:], separator)
    return f"({left}){separator}({right})", left_params + right_params


def _shown(value: Any) -> str:
    """A value as an error message quotes it: JSON, cut short."""
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _walk(step_to: str, step_from: str, marks: str) -> str:
    """SQL: ``e`` is reachable from the given entities by following links ``step_from → step_to``."""
    to_bp, to_id = (c.strip() for c in step_to.split(","))
    from_bp, from_id = (c.strip() for c in step_from.split(","))
    return (
        f"(e.blueprint, e.identifier) IN (WITH RECURSIVE walk(bp, id) AS ("
        f"SELECT {to_bp}, {to_id} FROM entity_links WHERE {from_bp} = ? AND {from_id} IN ({marks}) "
        f"UNION SELECT l.{to_bp}, l.{to_id} FROM entity_links l JOIN walk ON l.{from_bp} = walk.bp "
        f"AND l.{from_id} = walk.id) SELECT bp, id FROM walk)"
    )
