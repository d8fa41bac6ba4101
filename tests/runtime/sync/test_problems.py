"""What a resync tells Port about its problems: misconfigured fields, kind errors, and a reconcile
that deleted nothing on purpose (shipped before the run's final state, so it files under the run)."""

from __future__ import annotations

from ocean_runtime.sync import KindReport, ResyncReport, Status
from ocean_runtime.sync.problems import problem_records
from ocean_runtime.sync.report import ReconcileReport


def test_a_reconcile_refused_by_the_threshold_is_one_warning_with_its_numbers() -> None:
    reconcile = ReconcileReport(
        status=Status.SKIPPED, owned=135, stale=135, threshold=0.9,
        reason="would delete 135 of 135 owned entities (100%), more than entityDeletionThreshold 0.9 allows",
    )  # fmt: skip
    [record] = problem_records(ResyncReport(kinds=[], reconcile=reconcile))
    assert record["level"] == "WARNING" and record["message"].startswith("reconcile skipped: would delete")
    assert record["extra"]["category"] == "reconcile"
    assert record["extra"]["reconcile"] == {
        "status": "skipped", "reason": reconcile.reason, "owned": 135, "stale": 135, "threshold": 0.9,
        "thresholdExceeded": True,
    }  # fmt: skip


def test_a_failed_kind_blocks_deletions_and_says_so() -> None:
    kind = KindReport("repo", 0, status=Status.FAILED, errors=["the API broke"])
    reconcile = ReconcileReport(status=Status.SKIPPED, reason="1 kind(s) failed (repo) — nothing deleted")
    records = problem_records(ResyncReport(kinds=[kind], reconcile=reconcile))
    assert [r["level"] for r in records] == ["ERROR", "WARNING"]
    assert records[1]["extra"]["reconcile"]["thresholdExceeded"] is False


def test_nothing_is_said_of_a_completed_or_incremental_reconcile() -> None:
    for reconcile in (
        ReconcileReport(status=Status.COMPLETED, owned=3, deleted=1),
        ReconcileReport(
            status=Status.SKIPPED, reason="incremental sync: only changes were fetched — nothing deleted"
        ),
    ):
        assert problem_records(ResyncReport(kinds=[], reconcile=reconcile)) == []
