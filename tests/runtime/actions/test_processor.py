"""The actions processor executing real runs from a real harbor (the ``workshop`` integration)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

WORKSHOP = Path(__file__).resolve().parent / "workshop"


async def test_a_run_succeeds_with_its_logs_link_and_catalog_change(start_workshop: Any) -> None:
    workshop = await start_workshop()
    run_id = await workshop.run("paint", entity="w1", color="red", coats=2)

    run = await workshop.finished(run_id)

    assert run["status"] == "SUCCESS", run
    assert run["link"] == ["https://workshop.example/widgets/w1"]
    assert run["deliveryCount"] == 1
    assert await workshop.logs(run_id) == ["Painting w1 red (2 coats)"]
    widget = workshop.widget("w1")
    assert widget["properties"] == {"color": "red", "coats": 2}  # register_raw: the catalog shows it
    assert workshop.processor.outcomes["success"] == 1
    transport = httpx.ASGITransport(app=workshop.service.asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://ocean") as client:
        metrics = (await client.get("/metrics")).text
    assert 'ocean_action_runs_total{action="paint",outcome="success"} 1.0' in metrics
    assert "ocean_action_runs_waiting 0.0" in metrics


async def test_unregister_raw_deletes_what_an_action_removed(start_workshop: Any) -> None:
    workshop = await start_workshop()
    run = await workshop.finished(await workshop.run("scrap", entity="w2"))
    assert run["status"] == "SUCCESS", run
    assert [entity["identifier"] for entity in workshop.harbor.entities("widget")] == ["w1"]


async def test_inputs_the_spec_refuses_fail_the_run_with_the_reason(start_workshop: Any) -> None:
    workshop = await start_workshop()
    run_id = await workshop.run("paint_badly", entity="w2", color="blue")

    run = await workshop.finished(run_id)

    assert run["status"] == "FAILURE"
    assert run["statusLabel"] == "Invalid inputs"
    reason = "invalid inputs for 'paint_widget': input 'coats' must be a whole number, got \"blue\""
    assert run["summary"] == reason
    assert await workshop.logs(run_id) == [reason]
    assert workshop.module.EVENTS == []  # the executor never ran
    assert workshop.widget("w2")["properties"]["color"] == "grey"


async def test_executor_errors_become_failures_that_say_why(start_workshop: Any) -> None:
    workshop = await start_workshop()
    exploded = await workshop.run("explode", entity="w1")
    orphan = await workshop.run("orphan", entity="w1")
    workshop.module.WIDGETS.pop("w2")  # gone from the 3rd party since the resync
    missing = await workshop.run("paint", entity="w2", color="red")

    source = (WORKSHOP / "main.py").read_text().splitlines()
    line = next(n for n, text in enumerate(source, 1) if "the paint can exploded" in text)
    assert (await workshop.finished(exploded))["summary"] == (
        f"main.py:{line} in explode: ValueError: the paint can exploded"
    )
    orphaned = await workshop.finished(orphan)
    assert orphaned["status"] == "FAILURE"
    assert orphaned["summary"].startswith("no executor for action type 'nobody_executes_this'")
    assert "paint_widget" in orphaned["summary"]
    refused = await workshop.finished(missing)
    assert (refused["summary"], refused["statusLabel"]) == ("there is no widget 'w2'", "No widget")


async def test_a_run_over_its_time_budget_fails(start_workshop: Any) -> None:
    workshop = await start_workshop(MAX_EXECUTION_SECONDS="0.3")
    run = await workshop.finished(await workshop.run("slow", entity="w1"))
    assert run["status"] == "FAILURE" and run["statusLabel"] == "Timed out"
    assert "did not finish within 0.3 s" in run["summary"]


async def test_runs_of_one_partition_key_run_in_order_one_at_a_time(start_workshop: Any) -> None:
    workshop = await start_workshop(WORKERS_COUNT="3")
    first = await workshop.run("paint", entity="w1", color="red", seconds=0.2)
    second = await workshop.run("paint", entity="w1", color="green", seconds=0.0)
    other = await workshop.run("paint", entity="w2", color="blue", seconds=0.0)

    for run_id in (first, second, other):
        assert (await workshop.finished(run_id))["status"] == "SUCCESS"

    events = workshop.module.EVENTS
    w1 = [event for event in events if event[1] in (first, second)]
    assert w1 == [("start", first), ("end", first), ("start", second), ("end", second)]
    # w2's run did not wait for w1's slow one.
    assert events.index(("end", other)) < events.index(("end", first))
    assert workshop.widget("w1")["properties"] == {"color": "green", "coats": 2}


async def test_rate_limit_hooks_hold_a_run_back_and_say_so(start_workshop: Any) -> None:
    workshop = await start_workshop()
    run_id = await workshop.run("throttled", entity="w1")
    assert (await workshop.finished(run_id))["status"] == "SUCCESS"
    assert await workshop.logs(run_id) == [
        "Delayed by the rate limit: trying again in 0.05 s",
        "Delayed by the rate limit: trying again in 0.05 s",
        "ran after 3 rate-limit checks",
    ]


async def test_a_failing_rate_limit_check_fails_the_run_with_the_reason(start_workshop: Any) -> None:
    workshop = await start_workshop()
    run = await workshop.finished(await workshop.run("broken_limits", entity="w1"))
    assert run["status"] == "FAILURE"
    assert run["summary"] == "the rate-limit check failed: ConnectionError: the quota API is down"
    assert workshop.module.EVENTS == []
