"""An entity's neighbourhood as a picture: what points at it, it, and what it points at.

The layout is computed here and drawn as inline SVG by ``templates/_graph.html`` (no script, no
library): a wide layout (three columns, edges from each neighbour to the entity) and a narrow one
(three stacked bands) for phones; CSS shows the one that fits. Each side shows at most
``MAX_PER_SIDE`` neighbours and says how many more there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ocean_harbor.ui.formatting import entity_url, truncate

MAX_PER_SIDE = 8
NODE_HEIGHT = 46
GAP = 12
LABEL_CHARS = 30


@dataclass(frozen=True)
class Node:
    """A box: where it is, what it says, where it links (None for a missing target)."""

    x: int
    y: int
    width: int
    title: str
    subtitle: str
    href: str | None
    role: str  # center | incoming | outgoing | missing

    @property
    def height(self) -> int:
        return NODE_HEIGHT


@dataclass(frozen=True)
class Edge:
    """A line from a neighbour (x1, y1) to the entity (x2, y2), named by its relation beside the
    neighbour's end (where lines do not crowd)."""

    x1: int
    y1: int
    x2: int
    y2: int
    label: str

    @property
    def label_x(self) -> int:
        return self.x1 + (8 if self.x2 > self.x1 else -8)

    @property
    def anchor(self) -> str:
        return "start" if self.x2 > self.x1 else "end"


@dataclass(frozen=True)
class Layout:
    """One drawing: its size, boxes, lines, and the "and N more" notes."""

    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge]
    notes: list[tuple[int, int, str]]  # x, y, text


@dataclass(frozen=True)
class Neighbour:
    """An entity next to the one shown, through ``relation``."""

    blueprint: str
    identifier: str
    title: str | None
    relation: str
    exists: bool = True


def neighbours_out(relations_out: list[dict[str, Any]]) -> tuple[list[Neighbour], int]:
    """The entities this one points at (from the page's relations), at most ``MAX_PER_SIDE``."""
    found = [
        Neighbour(
            relation["target"] or "?",
            value["identifier"],
            value.get("title"),
            relation["name"],
            value["exists"],
        )
        for relation in relations_out
        for value in relation["values"]
    ]
    hidden = sum(relation["hidden"] for relation in relations_out)
    return found[:MAX_PER_SIDE], hidden + max(len(found) - MAX_PER_SIDE, 0)


def neighbours_in(incoming: list[dict[str, Any]], total: int) -> tuple[list[Neighbour], int]:
    """The entities pointing at this one (the first page of them), at most ``MAX_PER_SIDE``."""
    shown = [
        Neighbour(link["blueprint"], link["identifier"], link["title"], link["relation"]) for link in incoming
    ]
    return shown[:MAX_PER_SIDE], total - len(shown[:MAX_PER_SIDE])


def _label(neighbour: Neighbour) -> str:
    return truncate(neighbour.title or neighbour.identifier, LABEL_CHARS)


def _node(n: Neighbour, x: int, y: int, width: int, role: str, via: bool = False) -> Node:
    subtitle = f"{n.blueprint} · {n.identifier}" if n.title else n.blueprint
    if via and n.relation:
        subtitle = f"{n.relation} · {subtitle}"
    subtitle = truncate(subtitle, LABEL_CHARS + 8)
    if not n.exists:
        return Node(x, y, width, _label(n), "missing in " + n.blueprint, None, "missing")
    href = None if role == "center" else entity_url(n.blueprint, n.identifier)  # the page itself
    return Node(x, y, width, _label(n), subtitle, href, role)


def wide(
    center: Neighbour, incoming: tuple[list[Neighbour], int], outgoing: tuple[list[Neighbour], int]
) -> Layout:
    """Three columns: incoming on the left, the entity in the middle, outgoing on the right."""
    column, width, center_x = 230, 900, 335
    rows = max(len(incoming[0]), len(outgoing[0]), 1)
    height = rows * (NODE_HEIGHT + GAP) + GAP + 24
    middle = (height - 24) // 2 - NODE_HEIGHT // 2
    nodes = [_node(center, center_x, middle, column, "center")]
    edges, notes = [], []
    for side, (items, more), x in (("incoming", incoming, 10), ("outgoing", outgoing, width - column - 10)):
        top = (height - 24 - len(items) * (NODE_HEIGHT + GAP)) // 2 + GAP // 2
        for i, neighbour in enumerate(items):
            y = top + i * (NODE_HEIGHT + GAP)
            nodes.append(_node(neighbour, x, y, column, side))
            start = x + column if side == "incoming" else x
            end = center_x if side == "incoming" else center_x + column
            edges.append(
                Edge(start, y + NODE_HEIGHT // 2, end, middle + NODE_HEIGHT // 2, neighbour.relation)
            )
        if more:
            notes.append((x, height - 8, f"and {more:,} more"))
    return Layout(width, height, nodes, edges, notes)


def narrow(
    center: Neighbour, incoming: tuple[list[Neighbour], int], outgoing: tuple[list[Neighbour], int]
) -> Layout:
    """Three bands for a phone: what points at it, the entity, what it points at (each neighbour
    names its relation, as there is no room for lines)."""
    width, x, column = 340, 10, 320
    nodes: list[Node] = []
    notes: list[tuple[int, int, str]] = []
    y = 22
    for side, (items, more), heading in (
        ("incoming", incoming, "points at it"),
        ("center", ([center], 0), ""),
        ("outgoing", outgoing, "it points at"),
    ):
        if side != "center":
            notes.append((x, y - 6, heading if items else f"{heading}: nothing"))
        for neighbour in items:
            nodes.append(_node(neighbour, x, y, column, side, via=side != "center"))
            y += NODE_HEIGHT + 6
        if more:
            notes.append((x, y + 8, f"and {more:,} more"))
            y += 14
        y += 28
    return Layout(width, y, nodes, [], notes)
