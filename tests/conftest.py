"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
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


@pytest.fixture(scope="session")
def reference_framework() -> ReferenceFramework:
    """The reference framework; skips the test when it is not installed (a user's clone has no anchor)."""
    anchor = Path(os.environ.get("OCEAN_ANCHOR_DIR") or REPO_ROOT.parent / "shared" / "anchor")
    venv = Path(os.environ.get("ANCHOR_VENV") or Path.home() / ".cache" / "ocean-anchor" / "venv")
    found = ReferenceFramework(anchor, venv)
    if not (anchor / "run_sail.sh").is_file() or not found.ocean.is_file():
        pytest.skip(
            f"the reference framework is not installed ({anchor}, {venv}); see ../shared/anchor/setup.sh"
        )
    return found
