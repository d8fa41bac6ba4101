"""The UI's HTTP face: GET routes that read one snapshot and render one page.

Handlers are plain (sync) functions: Starlette runs them in its thread pool, where blocking
SQLite reads belong. Every handler goes through ``_respond``, which turns a missing subject into
a friendly 404 page and a database failure into a 503 page; a defect in rendering becomes an
HTML page too (500, traceback in the log), never a bare error response.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ocean_harbor.ui import pages
from ocean_harbor.ui.blueprint_page import blueprint_page, scorecard_page
from ocean_harbor.ui.entity_page import entity_page
from ocean_harbor.ui.paging import requested_page
from ocean_harbor.ui.render import package_dir, render

logger = logging.getLogger("ocean_harbor.ui")

MAX_SEARCH_CHARS = 200

PageBuilder = Callable[[sqlite3.Connection], tuple[str, dict[str, Any]]]


class ReadableStore(Protocol):
    """What the UI needs from the harbor's store: read snapshots (``ocean_harbor.store.Store``)."""

    def read(self) -> AbstractContextManager[sqlite3.Connection]:
        """A connection for SELECTs, rows as ``sqlite3.Row``."""
        ...


def ui_routes(store: ReadableStore) -> list[BaseRoute]:
    """The catalog UI's routes, mounted at ``/`` by ``ocean_harbor.app.create_app``.

    Args:
        store: the harbor's store; every page reads one snapshot through ``store.read()``.

    Returns:
        GET routes for ``/``, ``/search``, ``/blueprints/{id}``,
        ``/blueprints/{id}/entities/{identifier}``, ``/integrations/{id}`` and the stylesheet under
        ``/static``.
    """

    def respond(request: Request, build: PageBuilder) -> Response:
        return _respond(store, request, build)

    def home(request: Request) -> Response:
        base_url = str(request.base_url).rstrip("/")
        return respond(request, lambda conn: pages.home_page(conn, base_url=base_url))

    def search(request: Request) -> Response:
        q = request.query_params.get("q", "").strip()[:MAX_SEARCH_CHARS]
        page = requested_page(request.query_params.get("page"))
        return respond(request, lambda conn: pages.search_page(conn, q=q, page=page))

    def blueprint(request: Request) -> Response:
        identifier = request.path_params["blueprint"]
        params = dict(request.query_params)
        columns = request.query_params.getlist("col")
        page = requested_page(request.query_params.get("page"))
        return respond(
            request,
            lambda conn: blueprint_page(conn, identifier, params=params, columns=columns, page=page),
        )

    def scorecard(request: Request) -> Response:
        blueprint_id, identifier = request.path_params["blueprint"], request.path_params["scorecard"]
        return respond(request, lambda conn: scorecard_page(conn, blueprint_id, identifier))

    def entity(request: Request) -> Response:
        blueprint_id, identifier = request.path_params["blueprint"], request.path_params["identifier"]
        page = requested_page(request.query_params.get("page"))
        return respond(request, lambda conn: entity_page(conn, blueprint_id, identifier, page=page))

    def integration(request: Request) -> Response:
        identifier = request.path_params["integration"]
        runs = requested_page(request.query_params.get("runs"))
        problems = requested_page(request.query_params.get("problems"))
        category = request.query_params.get("category", "").strip()[:MAX_SEARCH_CHARS]
        run = request.query_params.get("run", "")
        return respond(
            request,
            lambda conn: pages.integration_page(
                conn,
                identifier,
                runs_page=runs,
                problems_page=problems,
                category=category,
                run=int(run) if run.isdigit() else None,
            ),
        )

    def blueprints_index(request: Request) -> Response:
        return RedirectResponse("/#blueprints", status_code=302)

    def integrations_index(request: Request) -> Response:
        return RedirectResponse("/#integrations", status_code=302)

    return [
        Route("/", home, methods=["GET"], name="ui:home"),
        Route("/search", search, methods=["GET"], name="ui:search"),
        Route("/blueprints", blueprints_index, methods=["GET"]),
        Route("/blueprints/{blueprint}", blueprint, methods=["GET"], name="ui:blueprint"),
        Route(
            "/blueprints/{blueprint}/scorecards/{scorecard}", scorecard, methods=["GET"], name="ui:scorecard"
        ),
        # ``:path`` because entity identifiers may hold "/" (the server decodes %2F before routing).
        Route(
            "/blueprints/{blueprint}/entities/{identifier:path}", entity, methods=["GET"], name="ui:entity"
        ),
        Route("/integrations", integrations_index, methods=["GET"]),
        Route("/integrations/{integration:path}", integration, methods=["GET"], name="ui:integration"),
        Mount("/static", app=StaticFiles(directory=package_dir("static")), name="static"),
    ]


def _respond(store: ReadableStore, request: Request, build: PageBuilder) -> Response:
    """Renders the page ``build`` describes from one read snapshot, or a friendly error page."""
    try:
        with store.read() as conn:
            template, context = build(conn)
        return HTMLResponse(render(template, context))
    except pages.NotFound as missing:
        return _error_page(404, "Not found", f"There is no {missing.what} in this harbor.", missing.back)
    except sqlite3.Error as error:  # locked past the busy timeout, a damaged file, a missing table
        logger.exception("The UI could not read the catalog for %s", request.url.path)
        return _error_page(503, "Catalog unavailable", f"The harbor could not read its catalog: {error}.")
    except Exception:  # a defect of the UI itself: say so in a page, keep the traceback in the log
        logger.exception("The UI failed to render %s", request.url.path)
        return _error_page(
            500, "This page failed", "The harbor could not render this page; its log has the details."
        )


def _error_page(status: int, title: str, message: str, back: tuple[str, str] | None = None) -> HTMLResponse:
    html = render("error.html", {"status": status, "title": title, "message": message, "back": back})
    return HTMLResponse(html, status_code=status)
