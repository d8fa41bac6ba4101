"""Reconcile's threshold counts against every entity the integration owned before the run.

The stale entities are the owned ones the run neither produced nor wrote; the denominator is
all of them, rewritten or not. Counting only the entities the run did not rewrite turned "75 of
135" into "75 of 75 (100 %)", which the default threshold refused, so the catalog never
converged — and an integration that rewrites everything each run could never delete at all.
"""

from __future__ import annotations

from typing import Any

from ocean_runtime.sync import Status


async def test_a_shrink_converges_in_one_run_at_the_default_threshold(tiny: Any) -> None:
    tiny.set_mapping([tiny.SERVICE])  # default threshold 0.9
    tiny.set_data(service=tiny.services(count=135, tier="gold"))
    assert (await tiny.resync()).status == Status.COMPLETED
    # The 60 that remain changed too: the run rewrites them, the 75 others vanished.
    tiny.set_data(service=tiny.services(count=60, tier="silver"))

    report = await tiny.resync()

    assert report.status == Status.COMPLETED, report.reasons()
    assert report.reconcile.status == Status.COMPLETED, report.reconcile.reason
    assert (report.reconcile.deleted, report.reconcile.owned) == (75, 135)
    assert tiny.ids("service") == {f"s{i}" for i in range(60)}


async def test_an_integration_rewriting_everything_each_run_still_deletes_what_vanished(tiny: Any) -> None:
    tiny.set_mapping([tiny.SERVICE])
    for run, tier in enumerate(["gold", "silver", "bronze"]):
        # Every run changes every service, and the third drops one of them.
        tiny.set_data(service=tiny.services(count=10 if run < 2 else 9, tier=tier))
        report = await tiny.resync()
        assert report.status == Status.COMPLETED, report.reasons()

    assert report.kinds[0].upserted == 9 and report.kinds[0].unchanged == 0
    assert (report.reconcile.deleted, report.reconcile.owned) == (1, 10)
    assert tiny.ids("service") == {f"s{i}" for i in range(9)}


async def test_half_the_catalog_gone_is_under_the_threshold_however_many_were_rewritten(tiny: Any) -> None:
    # The 50,000-stale-of-105,050 break, scaled down 100×: 500 of 1,050 vanish, and of the 550
    # that stay all but 5 change. Counting only what the run did not write said 500 of 505 (99 %).
    tiny.set_mapping([tiny.SERVICE])
    tiny.set_data(service=tiny.services(count=1_050, tier="gold"))
    assert (await tiny.resync()).status == Status.COMPLETED
    kept = tiny.services(count=550, tier="silver")
    for service in kept[:5]:
        service["tier"] = "gold"
    tiny.set_data(service=kept)

    report = await tiny.resync()

    assert report.reconcile.status == Status.COMPLETED, report.reconcile.reason
    assert (report.reconcile.stale, report.reconcile.owned, report.reconcile.deleted) == (500, 1_050, 500)
    assert report.kinds[0].unchanged == 5
    assert len(tiny.ids("service")) == 550


async def test_entities_the_run_creates_do_not_dilute_the_threshold(tiny: Any) -> None:
    tiny.set_mapping([tiny.SERVICE], entityDeletionThreshold=0.4)
    tiny.set_data(service=tiny.services(count=4))
    await tiny.resync()
    # 2 of the 4 vanish while 100 new ones appear: 2 of 4 owned (50 %), not 2 of 104.
    tiny.set_data(service=[*tiny.services(count=2), *tiny.services(count=104)[4:]])

    report = await tiny.resync()

    assert report.reconcile.status == Status.SKIPPED
    assert report.reconcile.reason is not None and "would delete 2 of 4 owned" in report.reconcile.reason
    assert {"s2", "s3"} <= tiny.ids("service")
