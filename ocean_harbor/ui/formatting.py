"""Turning stored catalog values into what a page shows: cells, times, icons, owners, links.

Everything here is pure and defensive: the harbor stores what clients send, so a value may have
any JSON shape and a stored document may be malformed. A page shows such data as best it can;
it never fails because of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import yaml

MAX_CELL_CHARS = 120

# Port's icon names (the common ones) → the inline SVG drawn for them (``templates/_icons.html``).
# SVG rather than emoji: a machine without an emoji font shows emoji as empty boxes.
ICONS = {
    "blueprint": "layers", "team": "team", "user": "user", "microservice": "cube", "service": "cube",
    "package": "cube", "deployment": "cube", "github": "branch", "gitlab": "branch", "git": "branch",
    "repository": "branch", "pullrequest": "branch", "cloud": "cloud", "aws": "cloud", "gcp": "cloud",
    "azure": "cloud", "cluster": "cloud", "kubernetes": "cloud", "database": "database", "alert": "alert",
    "bug": "alert", "incident": "alert", "pagerduty": "alert", "integration": "plug", "api": "plug",
}  # fmt: skip
BADGE_COLORS = ("blue", "green", "purple", "orange", "teal", "pink")


@dataclass(frozen=True)
class Cell:
    """One displayed value: ``kind`` picks the template's rendering (text, url, email, bool, json, null)."""

    kind: str
    text: str
    href: str | None = None
    color: str | None = None


@dataclass(frozen=True)
class Owner:
    """The integration behind a ``$datasource`` like ``port-ocean/fake/0.1.0/my-fake/exporter``."""

    integration: str
    type: str
    version: str
    feature: str | None


def parse_datasource(datasource: str | None) -> Owner | None:
    """The Ocean integration that last wrote an entity, or None for other writers."""
    parts = (datasource or "").split("/")
    if len(parts) < 4 or parts[0] != "port-ocean" or not parts[3]:
        return None
    return Owner(
        integration=parts[3], type=parts[1], version=parts[2], feature=parts[4] if len(parts) > 4 else None
    )


def blueprint_url(blueprint: str) -> str:
    """The blueprint page of ``blueprint``."""
    return f"/blueprints/{quote(str(blueprint), safe='')}"


def entity_url(blueprint: str, identifier: str) -> str:
    """The entity page; the identifier is percent-encoded (it may hold ``/``, ``?``, spaces)."""
    return f"{blueprint_url(blueprint)}/entities/{quote(str(identifier), safe='')}"


def integration_url(identifier: str) -> str:
    """The integration page of ``identifier``."""
    return f"/integrations/{quote(str(identifier), safe='')}"


def icon_for(name: Any) -> str:
    """The SVG drawn for a Port icon name, or "" when there is none (the template draws a letter badge)."""
    return ICONS.get(name.lower(), "") if isinstance(name, str) else ""


def badge_color(name: Any) -> str:
    """A stable colour for an icon badge, so each blueprint keeps its colour across pages."""
    return BADGE_COLORS[sum(str(name).encode()) % len(BADGE_COLORS)]


def compact_json(value: Any) -> str:
    """One-line JSON as shown in tables."""
    return json.dumps(value, separators=(", ", ": "), ensure_ascii=False, default=str)


def pretty_json(value: Any) -> str:
    """Indented JSON for raw-document views."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def pretty_yaml(value: Any) -> str:
    """A document as YAML (how users write a port-app-config), keys in their stored order."""
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


def truncate(text: str, limit: int = MAX_CELL_CHARS) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cell(value: Any, spec: Any = None, *, limit: int | None = MAX_CELL_CHARS) -> Cell:
    """How one property value is shown, guided by its schema ``spec`` (format, enumColors).

    Args:
        value: the stored property value (any JSON).
        spec: the blueprint's schema entry for the property, if any.
        limit: cut long text to this many characters (None keeps it whole).
    """
    spec = spec if isinstance(spec, dict) else {}
    cut = (lambda text: truncate(text, limit)) if limit else (lambda text: text)
    if value is None:
        return Cell("null", "—")
    if isinstance(value, bool):
        return Cell("bool", "true" if value else "false")
    if isinstance(value, dict | list):
        return Cell("json", cut(compact_json(value)))
    text = str(value)
    if isinstance(value, str) and _is_link(value, spec):
        return Cell("url", cut(text), href=text)
    if isinstance(value, str) and spec.get("format") == "email" and "@" in value:
        return Cell("email", cut(text), href=f"mailto:{text}")
    colors = spec.get("enumColors")
    if isinstance(colors, dict) and isinstance(colors.get(text), str):
        return Cell("enum", cut(text), color=colors[text])
    if isinstance(spec.get("enum"), list):
        return Cell("enum", cut(text))
    return Cell("text", cut(text))


def _is_link(value: str, spec: dict[str, Any]) -> bool:
    # Only http(s) becomes a link: a stored "javascript:" URL must never be clickable.
    return value.startswith(("http://", "https://")) and (spec.get("format") == "url" or " " not in value)


def parse_time(text: Any) -> datetime | None:
    """A stored ISO-8601 timestamp as an aware datetime, or None when absent or unparseable."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def when(text: Any) -> str:
    """A timestamp as ``2024-11-20 12:01:54 UTC`` (the raw text when it does not parse)."""
    moment = parse_time(text)
    if moment is None:
        return str(text) if text else "—"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def ago(text: Any, now: datetime | None = None) -> str:
    """How long ago a timestamp was, roughly: ``just now``, ``5 min ago``, ``3 h ago``, ``2 days ago``."""
    moment = parse_time(text)
    if moment is None:
        return ""
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    if seconds < 45:
        return "just now"
    for unit, size in (("days", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            amount = seconds // size
            return f"{amount} {'day' if unit == 'days' and amount == 1 else unit} ago"
    return f"{seconds} s ago"


def duration(start: Any, end: Any) -> str:
    """The time between two timestamps: ``850 ms``, ``12.3 s``, ``4 min 05 s``; "" if either is missing."""
    first, last = parse_time(start), parse_time(end)
    if first is None or last is None:
        return ""
    seconds = (last - first).total_seconds()
    if seconds < 1:
        return f"{max(seconds, 0) * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (stored documents may be malformed)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []
