"""Every error Ocean raises, grouped by how the caller recovers — siblings, never nested.

- ``UserInputError``: the user must fix a file, a setting or a flag. The CLI prints its
  message (one line naming the file, the key, the value and the fix) and exits 1 — never a
  traceback.
- ``AbortRunError``: the run cannot go on (Port unreachable, credentials refused). Nothing
  further is written; in particular no reconcile deletions happen. Live events: the event is
  delivered again later.
- ``RequestRefusedError``: one request was refused for good (``PortAPIError``,
  ``ThirdPartyAPIError``): retrying it will not help, and the run need not stop — what the
  request was for fails (an entity, a kind, an event) and the rest goes on.
- ``RetryableError``: the same request may succeed later (429, 5xx, network errors); the
  transports and the webhook processors retry these.
- ``SkipRecordError``: one record is bad; it is reported and the others go on.

The groups do not inherit from each other, so ``except AbortRunError`` never catches a refused
request by accident (and the order of ``except`` clauses does not matter).
"""

from __future__ import annotations

from typing import Any


class OceanError(Exception):
    """Base class of every error raised on purpose by Ocean."""


class UserInputError(OceanError):
    """Bad input the user must fix: names where it is, what is wrong and how to fix it.

    Args:
        message: what is wrong, e.g. ``jq error at '.foo.': syntax error``.
        file: the file at fault, e.g. ``.port/resources/port-app-config.yml``.
        location: the key path inside the file, e.g. ``resources[2].port.entity.mappings.identifier``.
        line: 1-based line number when known.
        fix: a short hint telling how to fix it.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        location: str | None = None,
        line: int | None = None,
        fix: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.location = location
        self.line = line
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "")
        if self.location:
            where = f"{where}: {self.location}" if where else self.location
        text = f"{where}: {self.message}" if where else self.message
        if self.fix:
            text += f" — {self.fix}"
        return text


class AbortRunError(OceanError):
    """The run must stop; nothing further is written to the catalog."""


class RetryableError(OceanError):
    """The operation may succeed if tried again later."""


class SkipRecordError(OceanError):
    """One record cannot be processed; it is reported and skipped."""


class RequestRefusedError(OceanError):
    """A request was refused for good; what it was for fails, the run goes on."""


class PortAPIError(RequestRefusedError):
    """Port (or the local harbor) refused a request with a non-retryable status.

    Not an ``AbortRunError``: a refused write fails its entity, a refused read fails what
    needed it (a kind, an event; reconcile deletes nothing) — the caller decides.

    Args:
        method: HTTP method of the refused request.
        path: request path, e.g. ``/v1/blueprints/service``.
        status: HTTP status code.
        body: decoded JSON body of the answer (Port's ``{"ok": false, "error": ..., "message": ...}``).
    """

    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.body = body
        detail = body.get("message") or body.get("error") if isinstance(body, dict) else body
        super().__init__(f"Port answered {status} to {method} {path}: {detail}")


class PortAuthError(AbortRunError):
    """Port refused the client id / secret."""


class PortUnreachableError(AbortRunError):
    """Port could not be reached after every retry."""


class ThirdPartyAPIError(RequestRefusedError):
    """A 3rd-party API refused a request (after the retry transport gave up); its kind fails.

    Args:
        method: HTTP method.
        url: the full URL (without credentials).
        status: HTTP status code.
        detail: the answer's message, or the start of its body.
    """

    def __init__(self, method: str, url: str, status: int, detail: str) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.detail = detail
        super().__init__(f"{method} {url} answered {status}: {detail}")


class PaginationError(OceanError):
    """Paging through an API went wrong: a page repeated (a loop), or items were not where expected."""
