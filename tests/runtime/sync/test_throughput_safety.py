"""The throughput machinery keeps every safety property: skipped comparisons, 429 backpressure,
the compact produced set."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from ocean_harbor.faults import FaultConfig
from ocean_harbor.testing import RunningHarbor
from ocean_runtime.sync.compare import CompareSchedule
from ocean_runtime.sync.produced import FingerprintSet, ProducedSet
from ocean_runtime.sync.report import Status


def test_schedule_compares_every_batch_while_searches_find_something() -> None:
    schedule = CompareSchedule(max_gap=8)
    decisions = []
    for _ in range(5):
        decisions.append(schedule.should_compare("service"))
        schedule.record("service", found_any=True)
    assert decisions == [True] * 5


def test_schedule_backs_off_while_searches_find_nothing_and_resets_on_a_hit() -> None:
    schedule = CompareSchedule(max_gap=8)
    decisions = []
    for batch in range(40):
        compare = schedule.should_compare("service")
        decisions.append(compare)
        if compare:
            schedule.record("service", found_any=batch >= 30)
    compared = [batch for batch, compare in enumerate(decisions) if compare]
    # 2, 4, 8, 8 … batches apart while nothing is found; every batch again once something is.
    assert compared == [0, 2, 6, 14, 22, *range(30, 40)]
    assert schedule.should_compare("team")  # blueprints are scheduled separately


def test_fingerprint_set_holds_what_was_added_in_8_to_32_bytes_each() -> None:
    identifiers = [f"org/repository-{i}" for i in range(20_000)]
    fingerprints = FingerprintSet()
    for identifier in identifiers:
        fingerprints.add(identifier)
    fingerprints.add(identifiers[0])  # again: still one
    assert len(fingerprints) == 20_000
    assert all(identifier in fingerprints for identifier in identifiers)
    assert not any(f"org/other-{i}" in fingerprints for i in range(20_000))
    assert fingerprints.nbytes <= 32 * 20_000


def test_produced_set_keys_are_per_blueprint_and_relation_targets_are_kept() -> None:
    produced = ProducedSet()
    produced.add_entity(
        {"identifier": "s1", "blueprint": "service", "relations": {"team": "t1", "deps": ["s2", "s3"]}}
    )
    produced.add_entity({"identifier": {"combinator": "and", "rules": []}, "blueprint": "service"}, "s9")
    assert ("service", "s1") in produced and ("service", "s9") in produced
    assert ("team", "s1") not in produced and ("service", "t1") not in produced
    assert len(produced) == 2
    assert "t1" in produced.targets_of("service", "team")
    assert {"s2", "s3"} == {i for i in ("s2", "s3", "s4") if i in produced.targets_of("service", "deps")}
    assert "t1" not in produced.targets_of("service", "owner")


async def test_first_sync_skips_comparisons_yet_the_second_finds_everything_unchanged(tiny: Any) -> None:
    tiny.set_data(service=tiny.services(count=40))
    first = await tiny.resync()
    assert first.ok and first.kinds[2].upserted == 40

    second = await tiny.resync()
    assert (second.kinds[2].upserted, second.kinds[2].unchanged) == (0, 40)

    changed = tiny.services(count=40)
    changed[-1]["tier"] = "silver"
    tiny.set_data(service=changed)
    third = await tiny.resync()
    assert (third.kinds[2].upserted, third.kinds[2].unchanged) == (1, 39)
    assert third.reconcile.deleted == 0


async def test_a_429_holds_every_request_and_loses_nothing(
    tiny: Any, caplog: pytest.LogCaptureFixture
) -> None:
    await tiny.resync()  # blueprints and teams in place
    tiny.set_data(service=tiny.services(count=60))
    faults = FaultConfig.from_json(
        [
            {
                "method": "POST",
                "path": "/blueprints/service/entities/bulk$",
                "status": 429,
                "retryAfter": 1,
                "first": 1,
            }
        ]
    )
    caplog.set_level(logging.INFO, logger="ocean_runtime.port.throttle")

    with RunningHarbor(tiny.harbor.db_path, faults=faults) as throttled:
        report = await tiny.resync(throttled)

    assert report.ok and report.kinds[2].status == Status.COMPLETED
    assert report.kinds[2].upserted + report.kinds[2].unchanged == 60 and report.kinds[2].failed == 0
    assert tiny.ids("service") == {f"s{i}" for i in range(60)}
    messages = [record.getMessage() for record in caplog.records]
    assert any("Port is rate limiting" in message for message in messages)
    # Another request started during the pause and was held before reaching Port.
    assert any("holds" in message and "entities/bulk" in message for message in messages)
