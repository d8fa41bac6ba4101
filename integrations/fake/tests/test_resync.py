"""The fake integration resynced into a real local Port (the ``harbor`` fixture), over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fake_org import OrgShape, departments, person_id, services

from ocean_runtime.testing import resync

INTEGRATION_DIR = Path(__file__).resolve().parents[1]


def sail_once(harbor: Any, **config: object) -> None:
    """One full resync of the fake integration, with spec configurations set through the env."""
    env = {f"OCEAN__INTEGRATION__CONFIG__{key.upper()}": str(value) for key, value in config.items()}
    resync(
        INTEGRATION_DIR,
        base_url=harbor.url,
        client_id=harbor.client_id,
        client_secret=harbor.client_secret,
        env=env,
    )


def by_id(harbor: Any, blueprint: str) -> dict[str, dict[str, Any]]:
    return {entity["identifier"]: entity for entity in harbor.entities(blueprint)}


def expected_people(shape: OrgShape) -> set[str]:
    return {p["id"] for d in departments(shape) for p in d["people"]}


def test_default_configuration_syncs_the_whole_organisation(harbor: Any) -> None:
    sail_once(harbor)

    shape = OrgShape()  # the spec.yaml defaults: 5 departments x 20 people, 30 services
    depts, people, svcs = (by_id(harbor, bp) for bp in ("fakeDepartment", "fakePerson", "fakeService"))
    assert set(depts) == {d["id"] for d in departments(shape)}
    assert set(people) == expected_people(shape)
    assert set(svcs) == {s["id"] for s in services(shape)}
    assert (len(depts), len(people), len(svcs)) == (5, 100, 30)

    assert all(d["properties"]["headcount"] == 20 for d in depts.values())
    checkout = services(shape)[0]
    assert svcs["checkout"]["properties"] == {
        **{key: checkout[key] for key in ("url", "language", "tier", "status")},
        "deployments": [],
    }


def test_relations_point_at_synced_entities(harbor: Any) -> None:
    sail_once(harbor, department_count=3, people_per_department=4, service_count=7)

    depts, people, svcs = (by_id(harbor, bp) for bp in ("fakeDepartment", "fakePerson", "fakeService"))
    assert (len(depts), len(people), len(svcs)) == (3, 12, 7)
    for identifier, entity in people.items():
        # itemsToParse: the person's department comes from the parent raw department.
        assert entity["relations"]["department"] == identifier.rsplit("-", 1)[0]
    for entity in svcs.values():
        assert entity["relations"]["owningDepartment"] in depts
        assert entity["relations"]["maintainers"]
        assert set(entity["relations"]["maintainers"]) <= set(people)


def test_lowering_people_per_department_deletes_exactly_the_dropped_people(harbor: Any) -> None:
    sail_once(harbor)
    before = {bp: by_id(harbor, bp) for bp in ("fakeDepartment", "fakePerson", "fakeService")}

    sail_once(harbor, people_per_department=5)

    after = {bp: by_id(harbor, bp) for bp in ("fakeDepartment", "fakePerson", "fakeService")}
    dropped = set(before["fakePerson"]) - set(after["fakePerson"])
    assert dropped == {person_id(d, i) for d in range(5) for i in range(5, 20)}
    assert set(after["fakePerson"]) == expected_people(OrgShape(people_per_department=5))
    assert set(after["fakeDepartment"]) == set(before["fakeDepartment"])
    assert set(after["fakeService"]) == set(before["fakeService"])
    # Services were re-synced too: their maintainers are people who still exist.
    for entity in after["fakeService"].values():
        assert set(entity["relations"]["maintainers"]) <= set(after["fakePerson"])
    assert all(d["properties"]["headcount"] == 5 for d in after["fakeDepartment"].values())


def test_number_configuration_drives_failing_services(harbor: Any) -> None:
    # failureRate is a spec.yaml `number`: the reference framework refuses to start with one.
    sail_once(harbor, failure_rate=0.5)

    statuses = {i: e["properties"]["status"] for i, e in by_id(harbor, "fakeService").items()}
    expected = {s["id"]: s["status"] for s in services(OrgShape(failure_rate=0.5))}
    assert statuses == expected
    assert 0 < list(statuses.values()).count("failing") < len(statuses)


@pytest.mark.parametrize(("setting", "value"), [("failure_rate", 1.5), ("people_per_department", -1)])
def test_impossible_sizes_are_refused_before_anything_is_synced(
    harbor: Any, setting: str, value: object
) -> None:
    from ocean_runtime.errors import UserInputError

    with pytest.raises(UserInputError, match=f"OCEAN__INTEGRATION__CONFIG__{setting.upper()}"):
        sail_once(harbor, **{setting: value})
    assert harbor.entities("fakeService") == []
