"""The fake organisation generator: deterministic, sized by its shape, and shrink-stable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fake_org import (
    OrgShape,
    batched,
    department_id,
    departments,
    maintainers,
    person_id,
    service_id,
    services,
)

HERE = Path(__file__).resolve().parents[1]


def people_ids(shape: OrgShape) -> set[str]:
    return {p["id"] for d in departments(shape) for p in d["people"]}


def test_same_shape_gives_identical_data() -> None:
    shape = OrgShape()
    assert list(departments(shape)) == list(departments(shape))
    assert services(shape) == services(shape)


def test_data_is_identical_in_another_process() -> None:
    # Guards against anything seeded by hash(), which is randomised per process.
    code = (
        "import json, fake_org; s = fake_org.OrgShape(); "
        "print(json.dumps([list(fake_org.departments(s)), fake_org.services(s)]))"
    )
    argv = [sys.executable, "-c", code]
    runs = [subprocess.run(argv, cwd=HERE, capture_output=True, text=True, check=True).stdout for _ in "ab"]
    assert runs[0] == runs[1]
    assert '"payments-000"' in runs[0]


@pytest.mark.parametrize(("d_count", "people", "s_count"), [(5, 20, 30), (1, 0, 3), (13, 2, 65), (0, 4, 2)])
def test_sizes_follow_the_shape(d_count: int, people: int, s_count: int) -> None:
    shape = OrgShape(department_count=d_count, people_per_department=people, service_count=s_count)
    depts = list(departments(shape))
    assert len(depts) == d_count
    assert all(len(d["people"]) == people for d in depts)
    assert len(services(shape)) == s_count


def test_identifiers_are_unique_even_past_the_name_pools() -> None:
    shape = OrgShape(department_count=30, people_per_department=3, service_count=100)
    depts = list(departments(shape))
    assert len({d["id"] for d in depts}) == 30
    assert len(people_ids(shape)) == 90
    assert len({s["id"] for s in services(shape)}) == 100
    assert department_id(12) == "platform-2"
    assert service_id(30) == "checkout-2"


def test_shrinking_people_removes_exactly_the_people_beyond_it() -> None:
    big, small = OrgShape(people_per_department=20), OrgShape(people_per_department=5)
    dropped = people_ids(big) - people_ids(small)
    assert people_ids(small) <= people_ids(big)
    assert dropped == {person_id(d, i) for d in range(5) for i in range(5, 20)}
    # Everyone who survives is the very same record.
    survivors = {p["id"]: p for d in departments(small) for p in d["people"]}
    for d in departments(big):
        for p in d["people"]:
            if p["id"] in survivors:
                assert survivors[p["id"]] == p


def test_shrinking_departments_removes_them_with_their_people() -> None:
    big, small = OrgShape(department_count=5), OrgShape(department_count=3)
    assert [d["id"] for d in departments(big)][:3] == [d["id"] for d in departments(small)]
    assert people_ids(big) - people_ids(small) == {person_id(d, i) for d in (3, 4) for i in range(20)}


def test_relations_point_at_existing_records() -> None:
    shape = OrgShape(department_count=4, people_per_department=6, service_count=17)
    dept_ids = {d["id"] for d in departments(shape)}
    people = people_ids(shape)
    for svc in services(shape):
        assert svc["owningDepartment"] in dept_ids
        assert 1 <= len(svc["maintainers"]) <= 3
        assert set(svc["maintainers"]) <= people
        assert all(m.startswith(svc["owningDepartment"] + "-") for m in svc["maintainers"])


def test_maintainers_who_still_exist_are_kept_when_people_shrink() -> None:
    for s in range(30):
        before = maintainers(OrgShape(people_per_department=20), s)
        after = maintainers(OrgShape(people_per_department=8), s)
        survivors = [m for m in before if int(m.rsplit("-", 1)[1]) < 8]
        assert set(survivors) <= set(after)
        assert len(after) == 3


def test_no_departments_means_unowned_services() -> None:
    svc = services(OrgShape(department_count=0, service_count=2))
    assert [s["owningDepartment"] for s in svc] == [None, None]
    assert [s["maintainers"] for s in svc] == [[], []]


@pytest.mark.parametrize(("rate", "failing"), [(0.0, 0), (1.0, 30)])
def test_failure_rate_bounds(rate: float, failing: int) -> None:
    statuses = [s["status"] for s in services(OrgShape(failure_rate=rate))]
    assert statuses.count("failing") == failing


def test_failure_rate_changes_only_statuses() -> None:
    calm, stormy = services(OrgShape()), services(OrgShape(failure_rate=0.5))
    assert 0 < [s["status"] for s in stormy].count("failing") < 30
    for a, b in zip(calm, stormy, strict=True):
        assert {**a, "status": None} == {**b, "status": None}


def test_seed_changes_names_but_not_identifiers() -> None:
    one, two = OrgShape(seed=1), OrgShape(seed=2)
    assert people_ids(one) == people_ids(two)
    names = lambda shape: [p["name"] for d in departments(shape) for p in d["people"]]  # noqa: E731
    assert names(one) != names(two)


def test_batched_pages_everything_once() -> None:
    pages = list(batched(({"n": n} for n in range(7)), 3))
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [item["n"] for page in pages for item in page] == list(range(7))
