"""``ocean sail --once`` progress: rows on a terminal (80 columns), periodic lines when piped, and the
summary that ends with a command serving the catalog — through the installed entry point."""

from __future__ import annotations

import io
import json
import logging
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from fcntl import ioctl
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from rich.logging import RichHandler

from ocean_cli.progress import ProgressView
from ocean_cli.run_memory import last_counts, memory_file, remember_counts
from ocean_cli.summary import summary_table
from ocean_runtime.sync import KindReport, Phase, ProgressEvent, ResyncReport, Status

OCEAN = str(Path(sys.executable).with_name("ocean"))
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")

MAIN = """
import asyncio
import json
import logging
from pathlib import Path

from ocean_runtime import ocean

DATA = json.loads(Path(__file__).with_name("data.json").read_text())


@ocean.on_resync("repo")
async def repos(kind):
    for batch in range(DATA["batches"]):
        await asyncio.sleep(DATA["delay"])
        if batch % 4 == 0:
            logging.getLogger("slow-api").info("fetched page %d", batch)
        yield [{"name": f"repo-{batch}-{i}"} for i in range(DATA["size"])]
"""


@pytest.fixture
def slow(tmp_path: Path) -> Path:
    """An integration whose one kind yields 12 batches of 10 items, 0.1 s apart."""
    root = tmp_path / "slow-repos"
    (root / ".port" / "resources").mkdir(parents=True)
    (root / "main.py").write_text(MAIN)
    (root / "pyproject.toml").write_text('[project]\nname = "slow-repos"\nversion = "0.1.0"\n')
    (root / "data.json").write_text(json.dumps({"batches": 12, "size": 10, "delay": 0.1}))
    (root / ".port" / "spec.yaml").write_text(yaml.safe_dump({"title": "Slow repos"}))
    (root / ".port" / "resources" / "blueprints.json").write_text(
        json.dumps([{"identifier": "repo", "title": "Repository", "schema": {"properties": {}}}])
    )
    mapping = {"resources": [{"kind": "repo", "selector": {"query": "true"}, "port": {"entity": {"mappings": {
        "identifier": ".name", "title": ".name", "blueprint": '"repo"'}}}}]}  # fmt: skip
    (root / ".port" / "resources" / "port-app-config.yml").write_text(yaml.safe_dump(mapping))
    return root


def environ() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("OCEAN__")}


def test_piped_progress_is_a_line_per_kind_every_few_seconds(slow: Path, tmp_path: Path) -> None:
    def sail() -> str:
        done = subprocess.run(
            [OCEAN, "sail", str(slow), "--once", "--progress-every", "0.3"],
            cwd=tmp_path, env=environ(), capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    first = sail()
    running = [line for line in first.splitlines() if line.startswith("… repo → repo: ")]
    assert len(running) >= 2, first  # ~1.2 s of work, a line every 0.3 s
    assert all(re.search(r": \d+ items, [\d,.k]+/s, 0:00:0\d elapsed", line) for line in running), running
    assert "✓ repo → repo: 120 items in " in first
    assert "\x1b[" not in first  # no live region, no colours, when piped

    second = sail()  # now the total is known from the first run: a share and an ETA
    running = [line for line in second.splitlines() if line.startswith("… repo → repo: ")]
    assert running and all("% of last run's 120, eta 0:00:0" in line for line in running), second

    # The embedded harbor is gone once the command ends: no URL, but a command that serves it,
    # whole, on a line of its own.
    lines = second.splitlines()
    assert "http://127.0.0.1" not in second
    hint = lines.index("The local catalog is kept in slow-repos/.ocean/harbor.db. Browse it with:")
    assert lines[hint + 1] == f"  {OCEAN} harbor --db slow-repos/.ocean/harbor.db"
    assert last_counts(slow) == {"0:repo": 120}


def run_in_terminal(args: list[str], cwd: Path, columns: int = 80, rows: int = 30) -> str:
    """Runs ``args`` on a pseudo-terminal of ``columns`` × ``rows``; returns everything it drew."""
    leader, follower = pty.openpty()
    ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {**environ(), "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(args, cwd=cwd, env=env, stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process ended
                break
            if not chunk:
                break
            chunks.append(chunk)
        elif process.poll() is not None:
            break
    process.wait(timeout=30)
    os.close(leader)
    assert process.returncode == 0, b"".join(chunks).decode(errors="replace")[-3000:]
    return b"".join(chunks).decode(errors="replace")


def test_terminal_progress_at_80_columns(slow: Path, tmp_path: Path) -> None:
    args = [OCEAN, "sail", str(slow), "--once"]
    run_in_terminal(args, tmp_path)  # a first run teaches the total
    drawn = run_in_terminal(args, tmp_path)

    text = ANSI.sub("", drawn)
    frames = [line for line in re.split(r"[\r\n]+", text) if "repo → repo" in line and "━" in line]
    assert frames, text[-2000:]
    assert any(re.search(r"\d+/~120 .*/s 0:00:0\d eta 0:00:0\d", frame) for frame in frames), frames[-5:]
    assert all(len(line) <= 80 for line in re.split(r"[\r\n]+", text)), "a line is wider than the terminal"
    # Log records print above the rows, never inside one.
    logs = [line for line in re.split(r"[\r\n]+", text) if "fetched page" in line]
    assert logs and not any("━" in line for line in logs), logs
    summary = text[text.index("Resync") :]
    for header in ("resource", "items", "upserted", "unchanged", "failed", "filtered", "deleted"):
        assert re.search(rf"\b{header}\b", summary), f"header {header!r} cut at 80 columns"
    assert "…" not in summary.split("Browse it with:")[0]


def report_of(*kinds: KindReport) -> ResyncReport:
    return ResyncReport(kinds=list(kinds))


def test_log_records_go_through_the_live_console_while_it_runs() -> None:
    out = Console(file=io.StringIO(), force_terminal=True, width=80)
    handler = RichHandler(console=Console(file=io.StringIO()))
    handler._ocean_cli = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    root.addHandler(handler)
    original = handler.console
    try:
        view = ProgressView(out, {"0:repo": 50})
        kind = KindReport("repo", 0, "repo")
        report = report_of(kind)
        view.on_progress(ProgressEvent(Phase.STARTED, report))
        assert handler.console is not original  # the live region's console prints above the rows
        kind.status, kind.raw = Status.RUNNING, 20
        view.on_progress(ProgressEvent(Phase.KIND_STARTED, report, kind))
        view.on_progress(ProgressEvent(Phase.BATCH, report, kind))
        kind.status = Status.COMPLETED
        view.on_progress(ProgressEvent(Phase.KIND_FINISHED, report, kind))
        view.on_progress(ProgressEvent(Phase.FINISHED, report))
        assert handler.console is original
    finally:
        root.removeHandler(handler)


def test_summary_table_keeps_every_header_whole_at_80_columns() -> None:
    report = report_of(
        KindReport("department", 0, "fakeDepartment", raw=400, upserted=400, status=Status.COMPLETED),
        KindReport("department", 1, "fakePerson", raw=400, upserted=40_000, failed=12, status=Status.FAILED),
        KindReport(
            "service",
            2,
            "fakeService",
            raw=123_456,
            upserted=120_000,
            unchanged=3_456,
            status=Status.COMPLETED,
        ),
    )
    report.status = Status.FAILED
    console = Console(file=io.StringIO(), width=80, force_terminal=False)
    console.print(summary_table(report, console.width))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert max(len(line) for line in text.splitlines()) <= 80
    header = next(line for line in text.splitlines() if line.startswith("resource"))
    assert header.split() == ["resource", "items", "upserted", "unchanged", "failed", "filtered", "deleted"]
    assert "123,456" in text and "40,000" in text and "✗" in text


def test_run_memory_survives_a_broken_or_read_only_folder(tmp_path: Path) -> None:
    kind = KindReport("repo", 0, "repo", raw=7, status=Status.COMPLETED)
    failed = KindReport("team", 1, "team", raw=3, status=Status.FAILED)
    remember_counts(tmp_path, report_of(kind, failed))
    assert last_counts(tmp_path) == {"0:repo": 7}  # a failed kind's partial count is not a total
    memory_file(tmp_path).write_text("{not json")
    assert last_counts(tmp_path) == {}
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    remember_counts(blocked, report_of(kind))  # .ocean cannot be created under a file: no error
