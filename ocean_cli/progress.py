"""Live progress of a resync: a bar per kind on a terminal, a line per kind every few seconds otherwise.

On a terminal each resource gets a row — spinner, ``kind → blueprint``, a bar, items, items/s,
elapsed time and, when the total is known, the time left — drawn by ``rich.progress``. Log
records print above those rows, never into them. The total of a kind is what the last run of
this integration counted for it (``ocean_cli.run_memory``): an estimate, so the count shows
``~`` and the bar pulses again if a kind outgrows it.

Piped or captured, there is no live region: each running kind prints one line every
``every`` seconds (even when no batch arrived, so a slow sync never looks frozen), and one
line when it ends.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TaskID, TextColumn
from rich.table import Column
from rich.text import Text

if TYPE_CHECKING:
    from ocean_runtime.sync import KindReport, ProgressEvent, ResyncReport

DEFAULT_EVERY_SECONDS = 10.0
NARROW_COLUMNS = 100  # below this many columns the rows use the compact layout


def kind_key(kind: KindReport) -> str:
    """How a resource is remembered between runs: its position and kind."""
    return f"{kind.index}:{kind.kind}"


def count(value: float) -> str:
    """``1,234`` — or ``12.3k`` / ``4.5M`` when it would not fit a narrow column."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 100_000:
        return f"{value / 1000:.0f}k"
    return f"{value:,.0f}"


def clock(seconds: float | None) -> str:
    """``0:01:05`` (``-:--:--`` when unknown)."""
    if seconds is None:
        return "-:--:--"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


class ProgressView:
    """The ``ProgressObserver`` of ``ocean sail``: picks the live rows or the periodic lines.

    Args:
        console: where progress goes (the command's standard output).
        expected: items each resource produced last time (``kind_key`` → count), for bars and ETAs.
        every: seconds between two lines of a running kind when the console is no terminal.
    """

    def __init__(
        self,
        console: Console,
        expected: Mapping[str, int] | None = None,
        every: float = DEFAULT_EVERY_SECONDS,
    ) -> None:
        self._view: _LiveRows | _PeriodicLines = (
            _LiveRows(console, expected or {})
            if console.is_terminal
            else _PeriodicLines(console, expected or {}, every)
        )

    def on_progress(self, event: ProgressEvent) -> None:
        """Shows what the event changed."""
        self._view.on_progress(event)

    def close(self) -> None:
        """Ends the live region or the timer (the resync ended, or failed)."""
        self._view.close()


# -- on a terminal -----------------------------------------------------------------------------


class _CountColumn(ProgressColumn):
    """``1,234/~2,000`` items (``1,234`` while the total is unknown)."""

    def render(self, task: Task) -> Text:
        done = count(task.completed)
        if task.total is None:
            return Text(done, style="progress.download")
        approx = "~" if task.fields.get("estimated") and not task.finished else ""
        return Text(f"{done}/{approx}{count(task.total)}", style="progress.download")


class _RateColumn(ProgressColumn):
    """Items per second over the kind so far."""

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        if not elapsed or not task.completed:
            return Text("", style="progress.data.speed")
        return Text(f"{count(task.completed / elapsed)}/s", style="progress.data.speed")


class _ElapsedColumn(ProgressColumn):
    """Time the kind has taken so far (blank while it waits for its turn)."""

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        return Text(clock(elapsed) if task.started else "", style="progress.elapsed")


class _EtaColumn(ProgressColumn):
    """``eta 0:00:12`` while running with a known total."""

    def render(self, task: Task) -> Text:
        if task.finished or task.total is None or not task.started or task.time_remaining is None:
            return Text("")
        return Text(f"eta {clock(task.time_remaining)}", style="progress.remaining")


class _StatusColumn(SpinnerColumn):
    """A spinner while the kind runs; ✓ or ✗ once it ended; a dot while it waits its turn."""

    def render(self, task: Task) -> Text:
        state = task.fields.get("state", "pending")
        if state == "completed":
            return Text("✓", style="green")
        if state in ("failed", "aborted"):
            return Text("✗", style="red")
        if not task.started:
            return Text("·", style="dim")
        return super().render(task)  # type: ignore[return-value]


def _columns(width: int) -> list[ProgressColumn]:
    narrow = width < NARROW_COLUMNS
    label = Column(no_wrap=True, overflow="ellipsis", max_width=28 if narrow else 40, min_width=10)
    return [
        _StatusColumn(),
        TextColumn("{task.description}", table_column=label),
        BarColumn(bar_width=10 if narrow else 24),
        _CountColumn(table_column=Column(no_wrap=True, justify="right")),
        _RateColumn(table_column=Column(no_wrap=True, justify="right")),
        _ElapsedColumn(table_column=Column(no_wrap=True)),
        _EtaColumn(table_column=Column(no_wrap=True)),
    ]


class _LiveRows:
    """The rows of a resync on a terminal, one ``rich.progress`` task per resource."""

    def __init__(self, console: Console, expected: Mapping[str, int]) -> None:
        self._console = console
        self._expected = expected
        self._progress: Progress | None = None
        self._tasks: dict[int, TaskID] = {}
        self._reconcile: TaskID | None = None
        self._rerouted: list[tuple[Any, str, Any]] = []  # (handler, attribute, previous value)

    def on_progress(self, event: ProgressEvent) -> None:
        from ocean_runtime.sync import Phase

        if event.phase == Phase.STARTED:
            self._start(event.report)
        elif self._progress is None:
            return
        elif event.kind is not None and event.phase in (Phase.KIND_STARTED, Phase.BATCH, Phase.KIND_FINISHED):
            self._update(event.kind, started=event.phase == Phase.KIND_STARTED)
        elif event.phase == Phase.RECONCILE and self._reconcile is None:
            self._reconcile = self._progress.add_task("reconcile: stale entities", total=None)
        elif event.phase == Phase.FINISHED:
            self.close()

    def _start(self, report: ResyncReport) -> None:
        self.close()
        progress = Progress(*_columns(self._console.width), console=self._console, transient=True)
        for kind in report.kinds:
            expected = self._expected.get(kind_key(kind))
            self._tasks[kind.index] = progress.add_task(
                _label(kind), start=False, total=expected or None, estimated=bool(expected)
            )
        progress.start()
        self._progress = progress
        self._route_logs_above(progress.console)

    def _update(self, kind: KindReport, *, started: bool) -> None:
        from ocean_runtime.sync import Status

        assert self._progress is not None
        task_id = self._tasks.get(kind.index)
        if task_id is None:
            return
        if started:
            self._progress.start_task(task_id)
        task = next(task for task in self._progress.tasks if task.id == task_id)
        finished = kind.status not in (Status.PENDING, Status.RUNNING)
        if finished:
            task.total = max(kind.raw, 1)
        elif task.total is not None and kind.raw > task.total:
            task.total = None  # outgrew last run's count: pulse rather than sit at 100 %
        self._progress.update(task_id, completed=kind.raw, description=_label(kind), state=kind.status.value)
        if finished:
            self._progress.stop_task(task_id)

    def _route_logs_above(self, console: Console) -> None:
        """Sends log records through the live console, so they print above the rows."""
        from rich.logging import RichHandler

        for handler in logging.getLogger().handlers:
            if isinstance(handler, RichHandler):
                self._rerouted.append((handler, "console", handler.console))
                handler.console = console
            elif isinstance(handler, logging.StreamHandler) and handler.stream in (
                sys.__stderr__,
                sys.__stdout__,
            ):
                # Live replaced sys.stderr/stdout with proxies that print above the rows.
                self._rerouted.append((handler, "stream", handler.stream))
                handler.stream = sys.stderr if handler.stream is sys.__stderr__ else sys.stdout

    def close(self) -> None:
        for handler, attribute, previous in reversed(self._rerouted):
            setattr(handler, attribute, previous)
        self._rerouted.clear()
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        self._tasks.clear()
        self._reconcile = None


def _label(kind: KindReport) -> str:
    from rich.markup import escape

    failed = f" [red]✗{count(kind.failed)}[/red]" if kind.failed else ""
    return escape(kind.label) + failed


# -- piped or captured -------------------------------------------------------------------------


class _PeriodicLines:
    """One line per running kind every ``every`` seconds, and one when it ends."""

    def __init__(self, console: Console, expected: Mapping[str, int], every: float) -> None:
        self._console = console
        self._expected = expected
        self._every = every
        self._report: ResyncReport | None = None
        self._started: dict[int, float] = {}
        self._timer: asyncio.TimerHandle | None = None

    def on_progress(self, event: ProgressEvent) -> None:
        from ocean_runtime.sync import Phase

        if event.phase == Phase.STARTED:
            self._report = event.report
            self._schedule()
        elif event.phase == Phase.KIND_STARTED and event.kind is not None:
            self._started[event.kind.index] = time.monotonic()
        elif event.phase == Phase.KIND_FINISHED and event.kind is not None:
            self._console.print(self._finished_line(event.kind), markup=False, soft_wrap=True)
        elif event.phase == Phase.FINISHED:
            self.close()

    def _schedule(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # driven outside an event loop (a test): lines at kind ends only
            return
        self._timer = loop.call_later(self._every, self._tick)

    def _tick(self) -> None:
        from ocean_runtime.sync import Status

        if self._report is None:
            return
        for kind in self._report.kinds:
            if kind.status == Status.RUNNING:
                self._console.print(self._running_line(kind), markup=False, soft_wrap=True)
        self._schedule()

    def _running_line(self, kind: KindReport) -> str:
        elapsed = time.monotonic() - self._started.get(kind.index, time.monotonic())
        rate = kind.raw / elapsed if elapsed > 0 else 0.0
        parts = [f"… {kind.label}: {count(kind.raw)} items", f"{count(rate)}/s", f"{clock(elapsed)} elapsed"]
        expected = self._expected.get(kind_key(kind))
        if expected and kind.raw <= expected and rate > 0:
            parts.append(f"~{kind.raw * 100 // expected}% of last run's {count(expected)}")
            parts.append(f"eta {clock((expected - kind.raw) / rate)}")
        if kind.failed:
            parts.append(f"{count(kind.failed)} failed")
        return ", ".join(parts)

    def _finished_line(self, kind: KindReport) -> str:
        from ocean_runtime.sync import Status

        mark = "✓" if kind.status == Status.COMPLETED else "✗"
        took = time.monotonic() - self._started.get(kind.index, time.monotonic())
        counters = ", ".join(
            f"{count(getattr(kind, name))} {name}" for name in ("upserted", "unchanged", "failed", "filtered")
        )
        return f"{mark} {kind.label}: {count(kind.raw)} items in {took:.1f} s — {counters}"

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
