"""What mapping a batch of raw items produced."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class ItemError:
    """A raw item that could not be mapped (or, in ``warnings``, was skipped).

    Attributes:
        index: position of the raw item in the list given to ``map_raw``.
        message: what went wrong, e.g. ``selector must give true or false, got "yes" (string)``.
        element: with ``itemsToParse``, the position of the element inside the item's list.
    """

    index: int
    message: str
    element: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``element`` only when set)."""
        data: dict[str, Any] = {"index": self.index, "message": self.message}
        if self.element is not None:
            data["element"] = self.element
        return data


@dataclass
class MappingResult:
    """Entities and diagnostics from one ``ResourceMapper.map_raw`` call.

    Attributes:
        entities: entities to upsert, in input order, with only the mapped keys (as sent to Port).
        filtered: items whose selector was false.
        skipped: items mapped to an empty or null identifier or blueprint (not sent).
        misconfigured: dot path → expression, for every field that came out null (or failed)
            on at least one item, e.g. ``{"properties.url": ".html_url"}``.
        errors: items that could not be evaluated (selector not a boolean, invalid icon, ...).
            A kind with errors must not trigger reconcile deletions.
        warnings: raw items skipped by ``itemsToParse`` (not a list, nothing left to merge).
        raw_count: number of raw items given to ``map_raw`` (before ``itemsToParse``).
        filtered_entities: with ``include_filtered=True``, the entities whose selector was
            false (live events delete them if they exist).
    """

    entities: list[dict[str, Any]] = field(default_factory=list)
    filtered: int = 0
    skipped: int = 0
    misconfigured: dict[str, str] = field(default_factory=dict)
    errors: list[ItemError] = field(default_factory=list)
    warnings: list[ItemError] = field(default_factory=list)
    raw_count: int = 0
    filtered_entities: list[dict[str, Any]] = field(default_factory=list)

    def merge(self, other: MappingResult) -> MappingResult:
        """Combines the results of two consecutive batches into a new result.

        ``other``'s item indices are shifted by ``self.raw_count`` so they keep pointing at
        the right item of the concatenated input.
        """
        shift = self.raw_count
        return MappingResult(
            entities=self.entities + other.entities,
            filtered=self.filtered + other.filtered,
            skipped=self.skipped + other.skipped,
            misconfigured={**self.misconfigured, **other.misconfigured},
            errors=self.errors + [replace(e, index=e.index + shift) for e in other.errors],
            warnings=self.warnings + [replace(w, index=w.index + shift) for w in other.warnings],
            raw_count=self.raw_count + other.raw_count,
            filtered_entities=self.filtered_entities + other.filtered_entities,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the shape ``ocean map --format json`` prints)."""
        return {
            "entities": self.entities,
            "filtered": self.filtered,
            "skipped": self.skipped,
            "misconfigured": self.misconfigured,
            "errors": [error.to_dict() for error in self.errors],
            "warnings": [warning.to_dict() for warning in self.warnings],
        }
