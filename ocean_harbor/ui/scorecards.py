"""Scorecards, evaluated: which rules an entity passes, the level it reaches, and per blueprint how
many entities pass each rule and sit at each level.

A scorecard (``POST /v1/blueprints/{bp}/scorecards``, stored as a document) has ``levels``
(``[{"title", "color"}]``, lowest first; Port's Basic → Bronze → Silver → Gold when absent) and
``rules`` (``{"identifier", "title", "level", "query": {"combinator", "conditions": [...]}}``).
As in Port, an entity reaches a level when it passes every rule of that level and of every level
below; the first level needs no rule. Conditions are Port search rules, compiled by the
harbor's rule compiler (``ocean_harbor.rules``) into SQL, so a rule means here what it means to
the search API. A rule that does not compile is shown with the reason, never silently passed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from ocean_harbor.errors import HarborError, invalid
from ocean_harbor.ui.formatting import as_dict, as_list
from ocean_harbor.ui.queries import load_json, rule_compiler

DEFAULT_LEVELS = (("Basic", "paleBlue"), ("Bronze", "bronze"), ("Silver", "silver"), ("Gold", "gold"))


@dataclass
class Rule:
    """One rule: its SQL condition over ``entities e`` (or why it has none)."""

    identifier: str
    title: str
    level: str
    sql: str = ""
    params: list[Any] = field(default_factory=list)
    error: str = ""


@dataclass
class Scorecard:
    """A scorecard of one blueprint, with its rules compiled."""

    identifier: str
    title: str
    levels: list[tuple[str, str]]
    rules: list[Rule]

    @property
    def colors(self) -> dict[str, str]:
        """Level title → its colour."""
        return dict(self.levels)

    def level_of(self, passed: dict[str, bool]) -> str:
        """The highest level whose rules, and every lower level's rules, all pass."""
        reached = self.levels[0][0]
        for title, _ in self.levels:
            rules = [rule for rule in self.rules if rule.level == title]
            if not all(passed.get(rule.identifier, False) for rule in rules):
                break
            reached = title
        return reached


def scorecards(conn: sqlite3.Connection, blueprint: str) -> list[Scorecard]:
    """The blueprint's scorecards, in identifier order, their rules compiled."""
    compiler = rule_compiler(conn)
    result = []
    for row in conn.execute(
        "SELECT identifier, body FROM documents WHERE collection = 'scorecards' AND blueprint = ?"
        " ORDER BY identifier",
        (blueprint,),
    ):
        body = as_dict(load_json(row["body"], {}))
        rules = [
            _rule(compiler, as_dict(raw), f"rules[{index}]")
            for index, raw in enumerate(as_list(body.get("rules")))
        ]
        result.append(
            Scorecard(
                identifier=row["identifier"],
                title=str(body.get("title") or row["identifier"]),
                levels=_levels(body.get("levels")),
                rules=rules,
            )
        )
    return result


def _levels(raw: Any) -> list[tuple[str, str]]:
    levels = [
        (str(level["title"]), str(level.get("color") or ""))
        for level in (raw if isinstance(raw, list) else [])
        if isinstance(level, dict) and level.get("title")
    ]
    return levels or list(DEFAULT_LEVELS)


def _rule(compiler: Any, raw: dict[str, Any], where: str) -> Rule:
    identifier = str(raw.get("identifier") or where)
    rule = Rule(
        identifier=identifier, title=str(raw.get("title") or identifier), level=str(raw.get("level") or "")
    )
    query = as_dict(raw.get("query"))
    conditions = query.get("conditions", query.get("rules"))
    try:
        if not isinstance(conditions, list):
            raise invalid(f"{where}.query.conditions must be a list of conditions.")
        rule.sql, rule.params = compiler.compile(
            {"combinator": query.get("combinator", "and"), "rules": conditions}, f"{where}.query"
        )
    except HarborError as error:
        rule.error = error.message
    return rule


def entity_results(
    conn: sqlite3.Connection, card: Scorecard, blueprint: str, identifier: str
) -> dict[str, bool]:
    """Whether the entity passes each (compilable) rule of ``card``."""
    rules = [rule for rule in card.rules if not rule.error]
    if not rules:
        return {}
    columns = ", ".join(f"COALESCE(({rule.sql}), 0)" for rule in rules)
    params = [param for rule in rules for param in rule.params]
    row = conn.execute(
        f"SELECT {columns} FROM entities e WHERE e.blueprint = ? AND e.identifier = ?",
        [*params, blueprint, identifier],
    ).fetchone()
    return {rule.identifier: bool(row[i]) for i, rule in enumerate(rules)} if row else {}


def blueprint_summary(conn: sqlite3.Connection, card: Scorecard, blueprint: str) -> dict[str, Any]:
    """Entities passing each rule and entities at each level, over the whole blueprint.

    One scan: each rule is evaluated once per entity into a materialized row of 0/1 (SQLite
    would otherwise inline and re-evaluate it in every sum), then summed per rule and, per level,
    over the entities passing every rule up to it ("at least this level"); the level counts are
    the differences.
    """
    rules = [rule for rule in card.rules if not rule.error]
    columns = ", ".join(f"COALESCE(({rule.sql}), 0) AS r{i}" for i, rule in enumerate(rules)) or "1 AS r"
    params = [param for rule in rules for param in rule.params]
    index = {rule.identifier: i for i, rule in enumerate(rules)}
    sums = ["COUNT(*)"] + [f"SUM(r{i})" for i in range(len(rules))]
    needed: list[str] = []
    for title, _ in card.levels[1:]:
        level_rules = [rule for rule in card.rules if rule.level == title]
        if any(rule.error for rule in level_rules):
            needed.append("0")  # a level with a rule that cannot be evaluated is reached by nobody
        else:
            needed += [f"r{index[rule.identifier]}" for rule in level_rules]
        sums.append(f"SUM({' AND '.join(needed) or '1'})")
    row = conn.execute(
        f"WITH r AS MATERIALIZED (SELECT {columns} FROM entities e WHERE e.blueprint = ?)"
        f" SELECT {', '.join(sums)} FROM r",
        [*params, blueprint],
    ).fetchone()
    total = int(row[0])
    passed = {rule.identifier: int(row[1 + i] or 0) for i, rule in enumerate(rules)}
    at_least = [total] + [int(value or 0) for value in row[1 + len(rules) :]]
    titles = [title for title, _ in card.levels]
    levels = {
        title: at_least[i] - (at_least[i + 1] if i + 1 < len(at_least) else 0)
        for i, title in enumerate(titles)
    }
    return {"total": total, "passed": passed, "levels": levels}
