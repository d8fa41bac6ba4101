"""Small request/response helpers shared by the API modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar
from urllib.parse import unquote_plus

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from ocean_harbor import json_codec
from ocean_harbor.errors import invalid

P = ParamSpec("P")
T = TypeVar("T")


async def in_thread(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Runs blocking database work off the event loop (SQLite may wait for another writer)."""
    return await run_in_threadpool(fn, *args, **kwargs)


class FastJSONResponse(JSONResponse):
    """``JSONResponse`` rendered by orjson (same bytes; see ``json_codec.response_bytes``)."""

    def render(self, content: Any) -> bytes:
        return json_codec.response_bytes(content)


def ok(status: int = 200, **body: Any) -> JSONResponse:
    """A success response ``{"ok": true, ...}``."""
    return FastJSONResponse({"ok": True, **body}, status_code=status)


def flag(request: Request, name: str, default: bool) -> bool:
    """A boolean query parameter (``true``/``false``, any case); anything else is a 422."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise invalid(f"query parameter {name} must be true or false, got {raw!r}.")


def raw_segments(request: Request) -> list[str]:
    """The segments of the raw path, each decoded with ``unquote_plus``.

    Clients ``quote_plus`` identifiers into paths (``/`` → ``%2F``, space → ``+``); Starlette's
    decoded path would already have turned ``%2F`` into a separator and kept ``+``. Segment 0 is
    the empty string before the leading slash: in ``/v1/blueprints/bp/entities/x``, ``x`` is 5.
    """
    raw = request.scope.get("raw_path") or request.url.path.encode()
    return [unquote_plus(part) for part in raw.decode("latin-1").split("?", 1)[0].split("/")]


def user_agent(request: Request) -> str | None:
    """The request's ``User-Agent`` (Port's ``$datasource`` for entities it writes)."""
    return request.headers.get("user-agent")


def base_url(request: Request) -> str:
    """The absolute URL clients reached this server at, without a trailing slash."""
    return str(request.base_url).rstrip("/")
