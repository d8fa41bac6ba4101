"""What the last resync of an integration counted per resource, for the next run's progress bars.

Kept in ``DIR/.ocean/last-resync.json`` (beside the local harbor's catalog). It is only a hint:
a missing, unreadable or unwritable file (a read-only container filesystem) means no estimate,
never an error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ocean_runtime.sync import ResyncReport

FILE_NAME = "last-resync.json"


def memory_file(directory: Path) -> Path:
    """Where the counts of the integration in ``directory`` are kept."""
    return directory / ".ocean" / FILE_NAME


def last_counts(directory: Path) -> dict[str, int]:
    """Items each resource (``index:kind``) produced in the last completed run of that resource."""
    try:
        stored = json.loads(memory_file(directory).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    counts = stored.get("items") if isinstance(stored, dict) else None
    if not isinstance(counts, dict):
        return {}
    return {key: value for key, value in counts.items() if isinstance(value, int) and value > 0}


def remember_counts(directory: Path, report: ResyncReport) -> None:
    """Records the items of every resource that completed (a failed one keeps its older count)."""
    from ocean_cli.progress import kind_key
    from ocean_runtime.sync import Status

    counts = last_counts(directory)
    counts.update({kind_key(kind): kind.raw for kind in report.kinds if kind.status == Status.COMPLETED})
    path = memory_file(directory)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"items": counts}, indent=1, sort_keys=True), encoding="utf-8")
    except OSError:
        pass  # a read-only folder: the next run simply has no estimate
