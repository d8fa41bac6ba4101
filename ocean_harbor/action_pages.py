"""The UI of self-service actions: the forms on an entity page, running one, and the run pages.

- ``entity_actions(conn, blueprint, identifier)``: what the entity page's "Actions" section shows
  — every DAY-2 / DELETE action of the blueprint with a form built from its ``userInputs``
  (``action_inputs.input_fields``), and the entity's latest runs.
- ``POST /blueprints/{bp}/entities/{id}/actions/{action}``: the form's target. A valid form
  creates the run (as the API does, ``source: UI``) and redirects to its page; an invalid one
  shows the form again with a message under each input at fault (400).
- ``GET /runs/{id}``: status, phase, logs, links and inputs of a run; while it is in progress a
  small script (``static/run-live.js``) refreshes ``GET /runs/{id}/live`` every second.
- ``GET /runs``: the latest runs.

Forms carry a token only pages of this harbor process know, so another site cannot make a
visitor's browser run actions (the harbor has no login to protect it otherwise).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import sqlite3
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ocean_harbor import action_runs
from ocean_harbor.action_inputs import checked_inputs, from_form, input_fields
from ocean_harbor.api_actions import ENTITY_OPERATIONS, create_run, get_action
from ocean_harbor.errors import HarborError
from ocean_harbor.http_utils import in_thread
from ocean_harbor.store import Store, loads
from ocean_harbor.ui.formatting import entity_url, pretty_json
from ocean_harbor.ui.render import render

logger = logging.getLogger("ocean_harbor.ui")

RECENT_RUNS_ON_ENTITY = 10
RUNS_LISTED = 100
_FORM_KEY = secrets.token_bytes(32)


def form_token(action: str, blueprint: str, identifier: str) -> str:
    """The token a form for ``action`` on this entity must send back."""
    message = f"{action}\0{blueprint}\0{identifier}".encode()
    return hmac.new(_FORM_KEY, message, hashlib.sha256).hexdigest()


def run_url(run_id: str) -> str:
    """The page of one run."""
    return f"/runs/{run_id}"


def action_form_url(blueprint: str, identifier: str, action: str) -> str:
    """Where the form of ``action`` on this entity posts to."""
    return f"{entity_url(blueprint, identifier)}/actions/{action}"


def entity_actions(conn: sqlite3.Connection, blueprint: str, identifier: str) -> dict[str, Any]:
    """The "Actions" section of an entity page: forms and the entity's latest runs."""
    forms = [
        _form(action, blueprint, identifier, {}, {})
        for action in _documents(conn)
        if _runs_on_entities_of(action, blueprint)
    ]
    runs = action_runs.find_runs(conn, entity=(blueprint, identifier), limit=RECENT_RUNS_ON_ENTITY)
    return {"forms": forms, "runs": [_run_row(run) for run in runs]}


def _documents(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT body FROM documents WHERE collection = 'actions' ORDER BY identifier")
    return [loads(row["body"]) for row in rows]


def _runs_on_entities_of(action: dict[str, Any], blueprint: str) -> bool:
    trigger = action.get("trigger")
    return (
        isinstance(trigger, dict)
        and trigger.get("blueprintIdentifier") == blueprint
        and trigger.get("operation") in ENTITY_OPERATIONS
    )


def _form(
    action: dict[str, Any], blueprint: str, identifier: str, values: dict[str, Any], problems: dict[str, str]
) -> dict[str, Any]:
    name = str(action.get("identifier"))
    fields = [
        {"field": field, "value": values.get(field.name, field.default), "problem": problems.get(field.name)}
        for field in input_fields(action)
    ]
    method = action.get("invocationMethod") if isinstance(action.get("invocationMethod"), dict) else {}
    return {
        "identifier": name,
        "title": action.get("title") or name,
        "description": action.get("description") or "",
        "icon": action.get("icon"),
        "operation": (action.get("trigger") or {}).get("operation"),
        "runnable": isinstance(method, dict) and method.get("type") == "INTEGRATION_ACTION",
        "installation": method.get("installationId") if isinstance(method, dict) else None,
        "fields": fields,
        "url": action_form_url(blueprint, identifier, name),
        "token": form_token(name, blueprint, identifier),
        "problem": problems.get(""),
    }


def _run_row(run: dict[str, Any]) -> dict[str, Any]:
    return {**run, "url": run_url(str(run["id"]))}


def run_page_context(conn: sqlite3.Connection, run_id: str) -> dict[str, Any]:
    """What the run page (and its live fragment) shows."""
    run = action_runs.run_document(conn, run_id)
    entity = run.get("entity") or {}
    blueprint = run.get("blueprint") or {}
    return {
        "run": run,
        "final": run["status"] in action_runs.FINAL_STATUSES,
        "phase": _phase_text(run),
        "logs": action_runs.run_logs(conn, run_id),
        "entity_link": entity_url(blueprint["identifier"], entity["identifier"])
        if entity.get("identifier") and blueprint.get("identifier")
        else None,
        "properties_json": pretty_json(run.get("properties") or {}),
        "payload_json": pretty_json(run.get("payload") or {}),
        "raw_json": pretty_json(run),
    }


def _phase_text(run: dict[str, Any]) -> str:
    deliveries = run.get("deliveryCount") or 0
    attempt = f" (delivery {deliveries})" if deliveries > 1 else ""
    installation = (run.get("payload") or {}).get("installationId") or "the integration"
    return {
        "pending": f"waiting for {installation} to pick it up",
        "claimed": f"picked up by {installation}{attempt}",
        "running": f"running in {installation}{attempt}",
        "done": "finished",
    }.get(str(run.get("phase")), str(run.get("phase")))


def action_ui_routes(store: Store) -> list[BaseRoute]:
    """The UI routes of actions (mounted next to the catalog UI's)."""

    async def run_from_form(request: Request) -> Response:
        blueprint, identifier = request.path_params["blueprint"], request.path_params["identifier"]
        action_id = request.path_params["action"]
        form = {key: str(value) for key, value in (await request.form()).items()}
        if not hmac.compare_digest(form.get("_token", ""), form_token(action_id, blueprint, identifier)):
            return _page(
                403, "error.html", _error("Form expired", "Reload the entity page and submit again.")
            )
        return await in_thread(_submit, store, blueprint, identifier, action_id, form)

    async def run_page(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        return await in_thread(_read_page, store, "run.html", lambda conn: run_page_context(conn, run_id))

    async def run_live(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        return await in_thread(
            _read_page, store, "_run_live.html", lambda conn: run_page_context(conn, run_id)
        )

    async def runs_page(request: Request) -> Response:
        def context(conn: sqlite3.Connection) -> dict[str, Any]:
            return {"runs": [_run_row(run) for run in action_runs.find_runs(conn, limit=RUNS_LISTED)]}

        return await in_thread(_read_page, store, "runs.html", context)

    return [
        Route(
            "/blueprints/{blueprint}/entities/{identifier:path}/actions/{action}",
            run_from_form,
            methods=["POST"],
            name="ui:run-action",
        ),
        Route("/runs", runs_page, methods=["GET"], name="ui:runs"),
        Route("/runs/{run_id}", run_page, methods=["GET"], name="ui:run"),
        Route("/runs/{run_id}/live", run_live, methods=["GET"], name="ui:run-live"),
    ]


def _submit(store: Store, blueprint: str, identifier: str, action_id: str, form: dict[str, str]) -> Response:
    try:
        with store.read() as conn:
            action = get_action(conn, action_id)
            properties, problems = from_form(action, form)
            if not problems:
                _, problems = checked_inputs(conn, action, properties)
    except HarborError as exc:
        return _page(exc.status, "error.html", _error("Cannot run this action", exc.message))
    if problems:
        return _form_page(store, action, blueprint, identifier, form, problems)
    try:
        run = create_run(store, action_id, {"entity": identifier, "properties": properties}, source="UI")
    except HarborError as exc:
        return _form_page(store, action, blueprint, identifier, form, {"": exc.message}, status=exc.status)
    return RedirectResponse(run_url(str(run["id"])), status_code=303)


def _form_page(
    store: Store,
    action: dict[str, Any],
    blueprint: str,
    identifier: str,
    values: dict[str, Any],
    problems: dict[str, str],
    status: int = 400,
) -> Response:
    with store.read() as conn:
        entity = conn.execute(
            "SELECT title FROM entities WHERE blueprint = ? AND identifier = ?", (blueprint, identifier)
        ).fetchone()
    context = {
        "form": _form(action, blueprint, identifier, values, problems),
        "blueprint": blueprint,
        "identifier": identifier,
        "entity_title": (entity["title"] if entity else None) or identifier,
        "entity_link": entity_url(blueprint, identifier),
    }
    return _page(status, "action_form.html", context)


def _read_page(
    store: Store, template: str, build: Callable[[sqlite3.Connection], dict[str, Any]]
) -> Response:
    try:
        with store.read() as conn:
            context = build(conn)
    except HarborError as exc:
        return _page(exc.status, "error.html", _error("Not found", exc.message, ("/runs", "the runs")))
    return _page(200, template, context)


def _error(title: str, message: str, back: tuple[str, str] | None = None) -> dict[str, Any]:
    return {"title": title, "message": message, "back": back, "status": 0}


def _page(status: int, template: str, context: dict[str, Any]) -> HTMLResponse:
    if template == "error.html":
        context = {**context, "status": status}
    return HTMLResponse(render(template, context), status_code=status)
