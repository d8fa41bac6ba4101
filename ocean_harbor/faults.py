"""Fault injection: make chosen endpoints throttle, fail or slow down, to test clients' retries.

Off by default. A ``FaultConfig`` is a list of rules, written as JSON::

    {"seed": 7, "rules": [
      {"method": "POST", "path": "/entities/bulk$", "status": 429, "retryAfter": 1, "every": 3},
      {"path": "^/v1/entities/search", "status": 503, "first": 2},
      {"method": "GET", "path": "^/v1/blueprints/", "delay": 0.5, "rate": 0.2}
    ]}

(a bare list of rules works too). Each rule:

- ``path`` (required): a regular expression searched in the request path;
- ``method``: ``GET``, ``POST``, ... or ``*`` (default);
- ``status``: the error status to answer instead of serving the request (429, 500, 502, 503,
  504, ...) with a Port-shaped JSON body; omit it for a slow-but-successful response;
- ``retryAfter``: seconds sent in a ``Retry-After`` header (429/503);
- ``delay``: seconds to wait before answering (alone: a slow response);
- when it fires, counting the requests matching the rule from 1: ``every: N`` fires on every Nth
  (N, 2N, ...), ``first: N`` on the first N only, ``rate: 0.25`` on a random quarter (drawn from
  ``random.Random(seed)``, so a run is repeatable); with none of them, always.

The first rule that fires decides. Load a config with ``FaultConfig.from_json(obj)``,
``FaultConfig.load(text_or_path)`` (inline JSON, or a path to a JSON file), or
``FaultConfig.from_env()`` which reads ``OCEAN_HARBOR_FAULTS`` the same way; ``ocean harbor
--faults`` takes the same value.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from ocean_harbor.errors import STATUS_CODES, error_response

ENV_VAR = "OCEAN_HARBOR_FAULTS"


class FaultConfigError(ValueError):
    """A fault configuration that cannot be used; the message names the rule and key."""


@dataclass
class FaultRule:
    """One fault (see the module docstring for the meaning of each field)."""

    path: str
    method: str = "*"
    status: int | None = None
    retry_after: float | None = None
    delay: float = 0.0
    every: int | None = None
    first: int | None = None
    rate: float | None = None
    seen: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        self._pattern = re.compile(self.path)

    def matches(self, method: str, path: str) -> bool:
        """True when this rule applies to the request."""
        return self.method in ("*", method) and self._pattern.search(path) is not None

    def fires(self, rng: random.Random) -> bool:
        """Counts one matching request and says whether the fault happens to it."""
        self.seen += 1
        if self.every is not None:
            return self.seen % self.every == 0
        if self.first is not None:
            return self.seen <= self.first
        if self.rate is not None:
            return rng.random() < self.rate
        return True


_KEYS = {
    "path": "path",
    "method": "method",
    "status": "status",
    "retryAfter": "retry_after",
    "retry_after": "retry_after",
    "delay": "delay",
    "every": "every",
    "first": "first",
    "rate": "rate",
}


def _rule(raw: Any, where: str) -> FaultRule:
    if not isinstance(raw, dict):
        raise FaultConfigError(
            f'{where} must be an object like {{"path": "/entities/bulk$", "status": 429}}.'
        )
    unknown = sorted(set(raw) - set(_KEYS))
    if unknown:
        raise FaultConfigError(
            f"{where} has unknown key(s) {', '.join(unknown)}; allowed: {', '.join(_KEYS)}."
        )
    kwargs = {_KEYS[key]: value for key, value in raw.items()}
    if not isinstance(kwargs.get("path"), str):
        raise FaultConfigError(
            f"{where}.path is required: a regular expression matched against the request path."
        )
    kwargs["method"] = str(kwargs.get("method", "*")).upper()
    for name, kind in (
        ("status", int),
        ("every", int),
        ("first", int),
        ("retry_after", (int, float)),
        ("delay", (int, float)),
        ("rate", (int, float)),
    ):
        value = kwargs.get(name)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool) or value < 0):
            raise FaultConfigError(f"{where}.{name} must be a non-negative number, got {json.dumps(value)}.")
    if kwargs.get("every") == 0:
        raise FaultConfigError(f"{where}.every must be at least 1.")
    try:
        return FaultRule(**kwargs)
    except re.error as exc:
        raise FaultConfigError(f"{where}.path is not a valid regular expression: {exc}.") from None


@dataclass
class FaultConfig:
    """The faults a harbor injects."""

    rules: list[FaultRule] = field(default_factory=list)
    seed: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    @classmethod
    def from_json(cls, data: Any, source: str = "faults") -> FaultConfig:
        """Builds a config from parsed JSON (a list of rules, or ``{"seed", "rules"}``)."""
        if isinstance(data, list):
            data = {"rules": data}
        if not isinstance(data, dict) or not isinstance(data.get("rules", []), list):
            raise FaultConfigError(f'{source} must be a list of rules or {{"seed": N, "rules": [...]}}.')
        seed = data.get("seed", 0)
        if not isinstance(seed, int):
            raise FaultConfigError(f"{source}.seed must be an integer, got {json.dumps(seed)}.")
        rules = [_rule(raw, f"{source}.rules[{i}]") for i, raw in enumerate(data.get("rules", []))]
        return cls(rules=rules, seed=seed)

    @classmethod
    def load(cls, value: str) -> FaultConfig:
        """Reads inline JSON (starting with ``{`` or ``[``) or the JSON file ``value`` names."""
        text, source = value, "faults"
        if not value.lstrip().startswith(("{", "[")):
            path = Path(value)
            if not path.is_file():
                raise FaultConfigError(
                    f"Fault config file {value} does not exist (give inline JSON or a file path)."
                )
            text, source = path.read_text(encoding="utf-8"), str(path)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FaultConfigError(f"{source} is not valid JSON: {exc}.") from None
        return cls.from_json(data, source)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FaultConfig | None:
        """The config in ``OCEAN_HARBOR_FAULTS``, or None when it is unset or empty."""
        value = (os.environ if environ is None else environ).get(ENV_VAR, "").strip()
        return cls.load(value) if value else None

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The rule that fires for this request, if any (every matching rule counts it)."""
        chosen = None
        for rule in self.rules:
            if rule.matches(method, path) and rule.fires(self.rng) and chosen is None:
                chosen = rule
        return chosen


class FaultMiddleware:
    """Applies a ``FaultConfig`` before the request reaches the routes."""

    def __init__(self, app: ASGIApp, config: FaultConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = (
            self.config.pick(scope.get("method", ""), scope.get("path", ""))
            if scope["type"] == "http"
            else None
        )
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.delay:
            await asyncio.sleep(rule.delay)
        if rule.status is None:
            await self.app(scope, receive, send)
            return
        headers = {"Retry-After": f"{rule.retry_after:g}"} if rule.retry_after is not None else None
        code = STATUS_CODES.get(rule.status, "injected_fault")
        response = error_response(
            rule.status, code, f"Injected fault ({rule.status}) for {scope['path']}", headers
        )
        await response(scope, receive, send)
