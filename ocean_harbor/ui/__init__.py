"""The harbor's catalog UI (server-rendered Starlette + Jinja pages)."""

from __future__ import annotations

from typing import Any


def ui_routes(store: Any) -> list[Any]:
    """Returns the UI's routes; mounted by ``ocean_harbor.app.create_app`` (placeholder)."""
    return []
