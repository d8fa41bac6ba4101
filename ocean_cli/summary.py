"""What ``ocean sail`` prints when a resync ends, and how it tells where the catalog can be browsed.

The table fits 80 columns without cutting a header (``kind → blueprint`` wraps inside its cell
instead). A command the user should copy is printed on a line of its own and never wrapped by
us, so it stays one command however narrow the terminal.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.markup import escape
from rich.table import Table

from ocean_cli.progress import NARROW_COLUMNS

if TYPE_CHECKING:
    from rich.console import Console

    from ocean_runtime.sync import ResyncReport

COUNTERS = (("raw", "items"), ("upserted", "upserted"), ("unchanged", "unchanged"), ("failed", "failed"),
            ("filtered", "filtered"), ("deleted", "deleted"))  # fmt: skip
STATUS_STYLE = {"completed": "green", "failed": "red", "running": "cyan", "aborted": "red", "pending": "dim"}
STATUS_MARK = {"completed": "✓", "failed": "✗", "aborted": "✗", "running": "…", "pending": "·"}


def summary_table(report: ResyncReport, width: int = 120) -> Table:
    """Per resource: items, upserted, unchanged, failed, filtered, deleted and status; then totals.

    Below ``NARROW_COLUMNS`` the status is a mark (✓ ✗) in front of the resource, whose name
    wraps inside its cell, so every header stays whole at 80 columns.
    """
    narrow = width < NARROW_COLUMNS
    table = Table(
        title="Resync",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
    )
    table.add_column("resource", min_width=14, overflow="fold")
    for _, header in COUNTERS:
        table.add_column(header, justify="right", no_wrap=True)
    if not narrow:
        table.add_column("status", no_wrap=True)

    def row(label: str, values: list[str], status: str) -> None:
        if narrow:  # the status is the mark in front of the name
            table.add_row(f"{_status(status, narrow=True)} {label}", *values)
        else:
            table.add_row(label, *values, _status(status, narrow=False))

    for kind in report.kinds:
        row(escape(kind.label), [_number(getattr(kind, c)) for c, _ in COUNTERS], kind.status.value)
    table.add_section()
    row(
        "[bold]total[/bold]",
        [f"[bold]{_number(report.total(c))}[/bold]" for c, _ in COUNTERS],
        report.status.value,
    )
    return table


def _number(value: int) -> str:
    return f"{value:,}" if value else "[dim]0[/dim]"


def _status(status: str, narrow: bool) -> str:
    style = STATUS_STYLE.get(status, "")
    text = STATUS_MARK.get(status, status) if narrow else f"{STATUS_MARK.get(status, '')} {status}".strip()
    return f"[{style}]{text}[/{style}]" if style else text


def print_summary(console: Console, report: ResyncReport, *, catalog_alive: bool = True) -> None:
    """The table, the reconcile outcome, mapping problems and failures, and the time taken.

    Lines of text are never wrapped by us (a terminal wraps them for the eye; a log keeps each
    one whole, so it can be searched).

    Args:
        console: where to print.
        report: the finished resync.
        catalog_alive: the catalog's URL still answers after this (Port, or a harbor that keeps
            serving); a ``--once`` run into the embedded harbor ends with a command instead.
    """
    from ocean_cli.json_output import json_records
    from ocean_runtime.sync import Status

    records = json_records(console)
    if records is not None:  # JSON logs: one record a collector can query, not a table
        level = logging.INFO if report.ok else logging.ERROR
        records.record(summary_line(report), level, event="resync_finished", resync=summary_fields(report))
        return
    console.print(summary_table(report, console.width))
    reconcile = report.reconcile
    if reconcile.status == Status.COMPLETED:
        protected = f", kept {reconcile.protected:,} relation targets" if reconcile.protected else ""
        if reconcile.kept_by_config:
            protected += f", kept {reconcile.kept_by_config:,} of resources with enableDelete: false"
        deleted = f"deleted {reconcile.deleted:,} stale of {reconcile.owned:,} owned entities"
        console.print(f"Reconcile: {deleted}{protected}", soft_wrap=True)
    elif reconcile.reason:
        console.print(f"Reconcile {reconcile.status.value}: {reconcile.reason}", markup=False, soft_wrap=True)
    for kind in report.kinds:
        if kind.misconfigured:
            fields = ", ".join(f"{path} ({expr})" for path, expr in sorted(kind.misconfigured.items()))
            console.print(
                f"{kind.label}: no valid value for {fields}", style="yellow", markup=False, soft_wrap=True
            )
    for reason in report.reasons():
        console.print(f"✗ {reason}", style="red", markup=False, soft_wrap=True)
    where = f" — catalog at {report.catalog_url}" if catalog_alive and report.catalog_url else ""
    console.print(f"Finished in {report.duration:.1f} s{where}", soft_wrap=True)


def summary_line(report: ResyncReport) -> str:
    """``Resync completed in 0.9 s: 40 items, 135 upserted, …`` — the table's total row as text."""
    counts = ", ".join(f"{report.total(counter):,} {name}" for counter, name in COUNTERS)
    return f"Resync {report.status.value} in {report.duration:.1f} s: {counts}"


def summary_fields(report: ResyncReport) -> dict[str, Any]:
    """The table as data: the outcome, counts per kind and in total, reconcile, reasons."""

    reconcile = report.reconcile
    return {
        "status": report.status.value,
        "duration_seconds": round(report.duration, 3),
        "kinds": [
            {
                "kind": kind.kind,
                "index": kind.index,
                "blueprint": kind.blueprint,
                "status": kind.status.value,
                **{name: int(getattr(kind, counter)) for counter, name in COUNTERS},
                "misconfigured": dict(kind.misconfigured),
            }
            for kind in report.kinds
        ],
        "total": {name: report.total(counter) for counter, name in COUNTERS},
        "reconcile": {
            "status": reconcile.status.value,
            "owned": reconcile.owned,
            "deleted": reconcile.deleted,
            "protected": reconcile.protected,
            "kept_by_config": reconcile.kept_by_config,
            "reason": reconcile.reason,
        },
        "reasons": report.reasons(),
        "catalog_url": report.catalog_url,
    }


def print_browse_hint(console: Console, db: Path) -> None:
    """How to serve the local catalog again, as one copyable command on its own line."""
    console.print(f"The local catalog is kept in {_shown_path(db)}. Browse it with:", soft_wrap=True)
    console.print(
        f"  {ocean_command()} harbor --db {shlex.quote(_shown_path(db))}", soft_wrap=True, markup=False
    )


def ocean_command() -> str:
    """``ocean`` when that is what the shell finds; else the path this run was started with."""
    invoked = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if invoked is None or invoked.name != "ocean":
        return "ocean"
    on_path = shutil.which("ocean")
    if on_path and Path(on_path).resolve() == invoked.resolve():
        return "ocean"
    return shlex.quote(_shown_path(invoked))


def _shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it is inside it, else absolute."""
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(absolute)
    except OSError:  # the working directory is gone
        return os.fspath(absolute)
