"""The fake organisation's shape, read from the integration's configuration (``.port/spec.yaml``)."""

from __future__ import annotations

from fake_org import OrgShape

from ocean_runtime import UserInputError, ocean

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
