"""The fake organisation integration: departments (with their people) and services.

Sizes come from ``.port/spec.yaml`` configurations, e.g.
``OCEAN__INTEGRATION__CONFIG__PEOPLE_PER_DEPARTMENT=5``. The two handlers deliberately use the two
handler shapes Ocean supports: an async generator yielding batches, and a coroutine returning a
list.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fake_org import OrgShape, batched, departments, services

from ocean_runtime import UserInputError, ocean

# Departments arrive in pages of this many, as from a paginated people API.
DEPARTMENT_PAGE_SIZE = 2

# snake_case key in ocean.integration_config -> its name in .port/spec.yaml
_SIZES = {
    "department_count": "departmentCount",
    "people_per_department": "peoplePerDepartment",
    "service_count": "serviceCount",
}


def _config_error(key: str, spec_name: str, value: object, allowed: str) -> UserInputError:
    env_var = f"OCEAN__INTEGRATION__CONFIG__{key.upper()}"
    return UserInputError(
        f"configuration {spec_name!r} = {value!r} is not valid: expected {allowed}",
        location=env_var,
        fix=f"set {env_var} (or integration.config.{spec_name}) to {allowed}",
    )


def org_shape() -> OrgShape:
    """The organisation described by the integration's configuration (validated)."""
    config = ocean.integration_config
    for key, spec_name in _SIZES.items():
        if config[key] < 0:
            raise _config_error(key, spec_name, config[key], "a whole number >= 0")
    if not 0 <= config["failure_rate"] <= 1:
        raise _config_error("failure_rate", "failureRate", config["failure_rate"], "a number between 0 and 1")
    return OrgShape(
        department_count=config["department_count"],
        people_per_department=config["people_per_department"],
        service_count=config["service_count"],
        failure_rate=float(config["failure_rate"]),
        seed=config["seed"],
    )


@ocean.on_start()
async def check_configuration() -> None:
    """Fails fast on impossible sizes, before anything is synced."""
    org_shape()


@ocean.on_resync("department")
async def resync_departments(kind: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Streams departments page by page; each carries its ``people`` list."""
    for page in batched(departments(org_shape()), DEPARTMENT_PAGE_SIZE):
        yield page


@ocean.on_resync("service")
async def resync_services(kind: str) -> list[dict[str, Any]]:
    """Returns every service at once."""
    return services(org_shape())
