"""The harbor's catalog UI: server-rendered Starlette + Jinja pages over the harbor's SQLite store.

``ui_routes(store)`` is the seam ``ocean_harbor.app.create_app`` mounts. Layers, top down:
``routes`` (HTTP) → ``pages`` (what a page shows) → ``queries`` (all SQL) and ``formatting``
(how values look); ``render`` holds the Jinja environment, ``paging`` the page arithmetic.
"""

from __future__ import annotations

from ocean_harbor.ui.routes import ui_routes

__all__ = ["ui_routes"]
