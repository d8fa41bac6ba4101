"""The resync pipeline against a real harbor over HTTP: what is written, counted and deleted."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ocean_harbor.faults import FaultConfig
from ocean_harbor.testing import RunningHarbor
from ocean_runtime.sync import Status


async def test_two_kinds_with_relations_are_synced(tiny: Any) -> None:
    report = await tiny.resync()

    assert report.status == Status.COMPLETED, report.reasons()
    assert tiny.ids("team") == {"t0", "t1"}
    assert tiny.ids("service") == {f"s{i}" for i in range(5)}
    by_id = {e["identifier"]: e for e in tiny.harbor.entities("service")}
    assert by_id["s3"]["relations"]["team"] == "t1"
    assert by_id["s3"]["properties"] == {"tier": "gold", "url": "https://s3.example.com"}
    counts = [(k.kind, k.blueprint, k.upserted, k.failed) for k in report.kinds]
    assert counts == [("team", "team", 2, 0), ("team", "member", 4, 0), ("service", "service", 5, 0)]


async def test_items_to_parse_applies_to_a_list_handler(tiny: Any) -> None:
    await tiny.resync()

    members = {e["identifier"]: e for e in tiny.harbor.entities("member")}
    assert set(members) == {"t0-m0", "t0-m1", "t1-m0", "t1-m1"}
    assert members["t1-m0"]["relations"]["team"] == "t1"
    assert members["t1-m0"]["properties"]["role"] == "dev"


async def test_second_resync_counts_identical_entities_as_unchanged(tiny: Any) -> None:
    await tiny.resync()
    second = await tiny.resync()
    changed = tiny.services()
    changed[2]["tier"] = "silver"
    tiny.set_data(service=changed)
    third = await tiny.resync()

    assert [(k.upserted, k.unchanged) for k in second.kinds] == [(0, 2), (0, 4), (0, 5)]
    assert (third.kinds[2].upserted, third.kinds[2].unchanged) == (1, 4)
    assert {e["identifier"]: e["properties"]["tier"] for e in tiny.harbor.entities("service")}[
        "s2"
    ] == "silver"


async def test_removed_items_are_exactly_the_deleted_entities(tiny: Any) -> None:
    await tiny.resync()
    tiny.set_data(service=[s for s in tiny.services() if s["id"] not in ("s1", "s4")])

    report = await tiny.resync()

    assert report.status == Status.COMPLETED
    assert tiny.ids("service") == {"s0", "s2", "s3"}
    assert tiny.ids("team") == {"t0", "t1"}
    assert (report.reconcile.deleted, report.kinds[2].deleted) == (2, 2)


async def test_a_raising_handler_fails_its_kind_and_blocks_every_deletion(tiny: Any) -> None:
    await tiny.resync()
    tiny.set_data(service=tiny.services(count=3), fail="team")

    report = await tiny.resync()

    assert report.status == Status.FAILED
    team, member, service = report.kinds
    assert team.status == Status.FAILED and member.status == Status.FAILED
    assert "teams raised main.py:" in team.errors[0]
    assert "RuntimeError: the teams API is down" in team.errors[0]
    assert service.status == Status.COMPLETED
    assert report.reconcile.status == Status.SKIPPED
    assert "nothing deleted" in (report.reconcile.reason or "")
    assert tiny.ids("service") == {f"s{i}" for i in range(5)}  # s3, s4 are stale but kept
    assert tiny.ids("team") == {"t0", "t1"}


async def test_a_generator_failing_mid_way_keeps_what_it_yielded_and_deletes_nothing(
    tiny: Any,
) -> None:
    await tiny.resync()
    changed = tiny.services(tier="silver")
    tiny.set_data(service=changed, fail="service")

    report = await tiny.resync()

    service = report.kinds[2]
    assert service.status == Status.FAILED
    assert "services raised main.py:" in service.errors[0]
    assert service.upserted == 2  # the first batch went through
    tiers = {e["identifier"]: e["properties"]["tier"] for e in tiny.harbor.entities("service")}
    assert tiers == {"s0": "silver", "s1": "silver", "s2": "gold", "s3": "gold", "s4": "gold"}
    assert report.reconcile.deleted == 0


async def test_a_selector_error_fails_the_kind_and_deletes_nothing(tiny: Any) -> None:
    await tiny.resync()
    bad_selector = copy.deepcopy(tiny.SERVICE)
    bad_selector["selector"]["query"] = ".name"  # a string, not a boolean
    tiny.set_mapping([tiny.TEAM, tiny.MEMBER, bad_selector])
    tiny.set_data(service=tiny.services(count=2))

    report = await tiny.resync()

    assert report.kinds[2].status == Status.FAILED
    assert "could not be mapped" in report.kinds[2].errors[0]
    assert report.reconcile.status == Status.SKIPPED
    assert tiny.ids("service") == {f"s{i}" for i in range(5)}


async def test_deletion_threshold_skips_reconcile(tiny: Any) -> None:
    tiny.set_mapping([tiny.SERVICE], entityDeletionThreshold=0.5)
    tiny.set_data(service=tiny.services(count=4))
    await tiny.resync()
    tiny.set_data(service=tiny.services(count=1))

    report = await tiny.resync()

    assert report.status == Status.COMPLETED  # skipping deletion is not a failure
    assert report.reconcile.status == Status.SKIPPED
    assert report.reconcile.reason is not None and "would delete 3 of 4" in report.reconcile.reason
    assert tiny.ids("service") == {"s0", "s1", "s2", "s3"}


async def test_entities_written_by_another_client_are_never_touched(tiny: Any) -> None:
    await tiny.resync()
    other = {
        "identifier": "s-manual",
        "title": "Hand made",
        "properties": {"tier": "bronze"},
        "relations": {},
    }
    with tiny.harbor.client(headers={"User-Agent": "port-ocean/other/1.0.0/someone-else/exporter"}) as client:
        client.post(
            "/v1/blueprints/service/entities", params={"upsert": "true"}, json=other
        ).raise_for_status()
    tiny.set_data(service=tiny.services(count=4))

    report = await tiny.resync()

    assert report.reconcile.deleted == 1
    assert tiny.ids("service") == {"s0", "s1", "s2", "s3", "s-manual"}


async def test_port_failing_bulk_upserts_reports_failures_and_deletes_nothing(
    tiny: Any, tmp_path: Any
) -> None:
    await tiny.resync()
    faults = FaultConfig.from_json([{"method": "POST", "path": "/entities/bulk$", "status": 500}])
    tiny.set_data(team=tiny.teams(), service=tiny.services(count=3, tier="silver"))

    with RunningHarbor(tiny.harbor.db_path, faults=faults) as faulty:
        report = await tiny.resync(faulty)

    service = report.kinds[2]
    assert service.status == Status.FAILED
    assert service.failed == 3 and service.upserted == 0
    assert "Port refused 3 entities" in service.errors[0]
    assert report.reconcile.status == Status.SKIPPED
    tiers = {e["identifier"]: e["properties"]["tier"] for e in tiny.harbor.entities("service")}
    assert tiers == {f"s{i}": "gold" for i in range(5)}


async def test_a_jq_syntax_error_fails_only_its_resource_and_deletes_nothing(tiny: Any) -> None:
    await tiny.resync()
    broken = copy.deepcopy(tiny.SERVICE)
    broken["port"]["entity"]["mappings"]["properties"]["url"] = ".url | ]"
    tiny.set_mapping([tiny.TEAM, broken])
    # Fewer services and teams than in the catalog: a reconcile would delete some.
    tiny.set_data(team=tiny.teams(count=1), service=tiny.services(count=2, tier="silver"))

    report = await tiny.resync()

    assert report.status == Status.FAILED
    team, service = report.kinds
    assert team.status == Status.COMPLETED and team.raw == 1
    assert service.status == Status.FAILED and service.raw == 0 and service.upserted == 0
    assert "port-app-config.yml: resources[1].port.entity.mappings.properties.url" in service.errors[0]
    assert "invalid jq expression '.url | ]'" in service.errors[0]
    assert report.reconcile.status == Status.SKIPPED
    assert tiny.ids("team") == {"t0", "t1"}  # t1 is stale, but a kind failed: nothing deleted
    assert tiny.ids("service") == {f"s{i}" for i in range(5)}
    assert {e["properties"]["tier"] for e in tiny.harbor.entities("service")} == {"gold"}  # not upserted


async def test_a_mapping_naming_an_unknown_blueprint_is_refused_before_writing(tiny: Any) -> None:
    from ocean_runtime.errors import UserInputError

    wrong = copy.deepcopy(tiny.SERVICE)
    wrong["port"]["entity"]["mappings"]["blueprint"] = '"servise"'
    tiny.set_mapping([tiny.TEAM, wrong])

    with pytest.raises(UserInputError, match="blueprint 'servise' does not exist") as caught:
        await tiny.resync()

    assert "resources[1].port.entity.mappings.blueprint" in str(caught.value)
    assert tiny.harbor.entities("team") == []
    integration = tiny.harbor.integration("my-tiny-integration")
    assert integration is not None and (integration.get("resyncState") or {}).get("status") != "running"


async def test_event_resource_config_and_custom_selector_reach_the_handler(
    make_tiny: Any, harbor: Any
) -> None:
    main = """
from ocean_runtime import event, ocean

@ocean.on_resync()
async def everything(kind):
    selector = event.resource_config.selector
    yield [{"id": f"{kind}-{selector.prefix}", "name": event.resource_config.kind}]
"""
    integration_py = """
from typing import Literal
from pydantic import Field
from ocean_runtime import PortAppConfig, ResourceConfig, Selector

class PrefixSelector(Selector):
    prefix: str = Field(alias="prefix")

class PrefixResource(ResourceConfig):
    kind: Literal["team", "service"]
    selector: PrefixSelector

class PrefixConfig(PortAppConfig):
    resources: list[PrefixResource] = Field(default_factory=list)
"""
    tiny = make_tiny(main=main)
    (tiny.root / "integration.py").write_text(integration_py)
    resources = []
    for kind, prefix in (("team", "a"), ("service", "b")):
        resource = copy.deepcopy(tiny.TEAM)
        resource["kind"] = kind
        resource["selector"] = {"query": "true", "prefix": prefix}
        resource["port"]["entity"]["mappings"]["properties"] = {}
        resources.append(resource)
    tiny.set_mapping(resources)

    report = await tiny.resync()

    assert report.status == Status.COMPLETED, report.reasons()
    assert tiny.ids("team") == {"team-a", "service-b"}


async def test_progress_observer_sees_every_phase(tiny: Any) -> None:
    from ocean_runtime.app import IntegrationRunner, PortTarget, load_integration
    from ocean_runtime.sync import Phase, ProgressEvent

    seen: list[tuple[Phase, str | None]] = []

    class Recorder:
        def on_progress(self, event: ProgressEvent) -> None:
            seen.append((event.phase, event.kind.blueprint if event.kind else None))

    harbor = tiny.harbor
    app = load_integration(tiny.root, environ={})
    async with IntegrationRunner(
        app, PortTarget(harbor.url, "ocean", "ocean"), observer=Recorder()
    ) as runner:
        await runner.prepare()
        await runner.resync()

    phases = [phase for phase, _ in seen]
    assert phases[0] == Phase.STARTED and phases[-1] == Phase.FINISHED
    assert (Phase.KIND_FINISHED, "service") in seen
    assert Phase.RECONCILE in phases and Phase.BATCH in phases


async def test_misconfigured_fields_are_reported_and_reach_ports_problems(tiny: Any) -> None:
    import sqlite3

    wrong = copy.deepcopy(tiny.SERVICE)
    wrong["port"]["entity"]["mappings"]["properties"]["url"] = ".link"  # raw services have no `link`
    tiny.set_mapping([wrong])

    report = await tiny.resync()

    assert report.kinds[0].misconfigured == {"properties.url": ".link"}
    with sqlite3.connect(tiny.harbor.db_path) as conn:
        rows = conn.execute(
            "SELECT kind, category, detail FROM problems WHERE category = 'misconfigured'"
        ).fetchall()
    assert [(kind, category) for kind, category, _ in rows] == [("service", "misconfigured")]
    assert '"properties.url"' in rows[0][2]


async def test_enable_delete_false_keeps_its_stale_entities_and_deletes_the_others(tiny: Any) -> None:
    await tiny.resync()
    team = dict(tiny.TEAM)
    team["enableDelete"] = False
    tiny.set_mapping([team, tiny.MEMBER, tiny.SERVICE])
    # t1 and its members disappear; the services left all belong to t0 (no relation protects t1).
    tiny.set_data(team=tiny.teams()[:1], service=tiny.services(count=4, teams=1))

    report = await tiny.resync()

    assert report.status == Status.COMPLETED
    assert tiny.ids("team") == {"t0", "t1"}  # t1 is stale, but its resource says enableDelete: false
    assert tiny.ids("member") == {"t0-m0", "t0-m1"}
    assert tiny.ids("service") == {"s0", "s1", "s2", "s3"}
    assert (report.reconcile.kept_by_config, report.reconcile.deleted) == (1, 3)
