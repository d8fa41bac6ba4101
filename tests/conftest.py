"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ReferenceFramework:
    """The published framework (port-ocean), installed by ``../shared/anchor/setup.sh``.

    Attributes:
        anchor: the folder with its driver scripts (``run_sail.sh``, ``anchor_map.py``, ``gen_data.py``).
        venv: its virtual environment (Python 3.12).
    """

    anchor: Path
    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def ocean(self) -> Path:
        return self.venv / "bin" / "ocean"


def not_available(reason: str) -> None:
    """Skips the test for want of ``../shared`` or the reference — except in CI, where it fails.

    A user's clone has neither, so their tests skip; ``.ci/run`` installs both, so a test that
    would skip there means the comparison silently stopped running.
    """
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} — CI must install it (.ci/run runs ../shared/anchor/setup.sh)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def reference_framework() -> ReferenceFramework:
    """The reference framework; skips the test when it is not installed (a user's clone has no anchor)."""
    anchor = Path(os.environ.get("OCEAN_ANCHOR_DIR") or REPO_ROOT.parent / "shared" / "anchor")
    venv = Path(os.environ.get("ANCHOR_VENV") or Path.home() / ".cache" / "ocean-anchor" / "venv")
    found = ReferenceFramework(anchor, venv)
    if not (anchor / "run_sail.sh").is_file() or not found.ocean.is_file():
        not_available(
            f"the reference framework is not installed ({anchor}, {venv}); see ../shared/anchor/setup.sh"
        )
    return found


@pytest.fixture(scope="session")
def skip_or_fail() -> Callable[[str], None]:
    """``not_available`` for test modules (they cannot import this conftest)."""
    return not_available
