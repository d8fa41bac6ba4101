"""A synthetic, deterministic organisation: departments, their people, and services.

Everything here is a pure function of an :class:`OrgShape`. Each record depends only on the seed
and its own position (department ``d``, person ``i``, service ``s``), never on how many other
records there are, so:

* two runs with the same shape produce identical data, in any process;
* shrinking a size removes exactly the records beyond it — person ``i`` of department ``d``
  exists iff ``d < department_count`` and ``i < people_per_department`` — and every record that
  survives keeps its identifier and attributes (a service keeps every maintainer who still
  exists; a dropped maintainer is replaced by the next person in that service's ranking).

That is what lets the fake integration demonstrate reconciliation: lower a size, sail again,
and exactly the dropped entities are deleted.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


def _pool(words: str) -> tuple[str, ...]:
    return tuple(words.split())


# Name pools; the n-th record takes the n-th name (suffixed once a pool is used up).
DEPARTMENT_NAMES = _pool(
    "Platform Payments Search Growth Identity Data Mobile Infrastructure Security Billing Support Marketing"
)
SERVICE_NAMES = _pool(
    "checkout catalog auth gateway ledger notifications search-indexer recommendations profile"
    " inventory shipping pricing reporting webhooks scheduler media audit-log feature-flags"
    " billing-api invoice-renderer session-store rate-limiter email-sender sms-sender geo-lookup"
    " tax-engine fraud-detector cart reviews loyalty"
)
FIRST_NAMES = _pool(
    "Ada Alan Barbara Claude Dennis Donald Edsger Frances Grace Guido Hedy Ivan Jean John Ken"
    " Leslie Linus Margaret Niklaus Radia Rob Shafi Sophie Tim Vint Whitfield Yukihiro Zhores"
    " Anita Bjarne"
)
LAST_NAMES = _pool(
    "Lovelace Turing Liskov Shannon Ritchie Knuth Dijkstra Allen Hopper Hoare Lamarr Sutherland"
    " Sammet McCarthy Thompson Lamport Torvalds Hamilton Wirth Perlman Pike Goldwasser Wilson"
    " Berners-Lee Cerf Diffie Matsumoto Alferov Borg Stroustrup"
)
ROLES = ("engineer", "engineer", "engineer", "sre", "designer", "product", "manager")
LANGUAGES = ("python", "go", "typescript", "java", "rust", "kotlin")
TIERS = ("tier-1", "tier-2", "tier-3")
MAINTAINERS_PER_SERVICE = 3
FIRST_HIRE_DATE = date(2012, 1, 2)


@dataclass(frozen=True)
class OrgShape:
    """How big the organisation is, and which variant of it (``seed``) to generate.

    Attributes:
        department_count: number of departments (``dept`` index ``0..department_count-1``).
        people_per_department: people in every department.
        service_count: number of services, owned round-robin by the departments.
        failure_rate: fraction of services (0..1) reported with status ``failing``.
        seed: changes names and attributes, never identifiers.
    """

    department_count: int = 5
    people_per_department: int = 20
    service_count: int = 30
    failure_rate: float = 0.0
    seed: int = 1


def _rng(shape: OrgShape, *parts: object) -> random.Random:
    # A string seed is hashed with SHA-512 by `random`, so it is stable across processes
    # (unlike hash()), and each record gets its own stream independent of all the others.
    return random.Random(":".join(str(p) for p in (shape.seed, *parts)))


def _numbered(names: tuple[str, ...], index: int) -> str:
    """The ``index``-th name of a pool, suffixed ``-2``, ``-3``… once the pool is used up."""
    base = names[index % len(names)]
    cycle = index // len(names)
    return base if cycle == 0 else f"{base}-{cycle + 1}"


def department_id(d: int) -> str:
    """Identifier of department ``d`` (e.g. ``payments``)."""
    return _numbered(DEPARTMENT_NAMES, d).lower()


def person_id(d: int, i: int) -> str:
    """Identifier of person ``i`` of department ``d`` (e.g. ``payments-007``)."""
    return f"{department_id(d)}-{i:03d}"


def service_id(s: int) -> str:
    """Identifier of service ``s`` (e.g. ``checkout``)."""
    return _numbered(SERVICE_NAMES, s)


def person(shape: OrgShape, d: int, i: int) -> dict[str, Any]:
    """The raw record of person ``i`` in department ``d``, as a people API would return it."""
    rng = _rng(shape, "person", d, i)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    handle = f"{first}.{last}".lower().replace("-", "")
    return {
        "id": person_id(d, i),
        "name": f"{first} {last}",
        "email": f"{handle}.{d}.{i}@fake-org.example",
        "role": "manager" if i == 0 else rng.choice(ROLES),
        "hiredAt": f"{FIRST_HIRE_DATE + timedelta(days=rng.randrange(4000))}T09:00:00Z",
    }


def department(shape: OrgShape, d: int) -> dict[str, Any]:
    """The raw record of department ``d``, with its people nested under ``people``."""
    return {
        "id": department_id(d),
        "name": _numbered(DEPARTMENT_NAMES, d),
        "costCenter": f"CC-{1000 + d}",
        "people": [person(shape, d, i) for i in range(shape.people_per_department)],
    }


def departments(shape: OrgShape) -> Iterator[dict[str, Any]]:
    """Every department of the organisation, in index order."""
    for d in range(shape.department_count):
        yield department(shape, d)


def owning_department(shape: OrgShape, s: int) -> int | None:
    """Index of the department that owns service ``s`` (round-robin), or None with no departments."""
    return s % shape.department_count if shape.department_count > 0 else None


def maintainers(shape: OrgShape, s: int) -> list[str]:
    """Up to three people of the owning department who maintain service ``s``.

    Each person gets a fixed per-service score and the highest scores win, so lowering
    ``people_per_department`` keeps every maintainer who still exists.
    """
    d = owning_department(shape, s)
    if d is None:
        return []
    people = range(shape.people_per_department)
    ranked = sorted(people, key=lambda i: _rng(shape, "maintainer", s, i).random(), reverse=True)
    return [person_id(d, i) for i in sorted(ranked[:MAINTAINERS_PER_SERVICE])]


def service(shape: OrgShape, s: int) -> dict[str, Any]:
    """The raw record of service ``s``."""
    rng = _rng(shape, "service", s)
    identifier = service_id(s)
    d = owning_department(shape, s)
    # The failure score is drawn from its own stream, so changing failure_rate flips statuses
    # without reshuffling any other attribute.
    failing = _rng(shape, "failure", s).random() < shape.failure_rate
    return {
        "id": identifier,
        "name": identifier.replace("-", " ").title(),
        "url": f"https://{identifier}.fake-org.example",
        "language": rng.choice(LANGUAGES),
        "tier": rng.choice(TIERS),
        "status": "failing" if failing else "healthy",
        "owningDepartment": department_id(d) if d is not None else None,
        "maintainers": maintainers(shape, s),
    }


def services(shape: OrgShape) -> list[dict[str, Any]]:
    """Every service of the organisation, in index order."""
    return [service(shape, s) for s in range(shape.service_count)]


def batched(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Groups ``items`` into lists of at most ``size``, the way a paginated API returns them."""
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
