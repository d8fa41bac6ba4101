"""Locating the reference implementation for differential tests (skipped when it is absent, but
never in CI: see ``tests/conftest.py::not_available``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def anchor_dir() -> Path:
    """``$OCEAN_ANCHOR_DIR`` or ``<repo>/../shared/anchor``."""
    return Path(os.environ.get("OCEAN_ANCHOR_DIR") or REPO.parent / "shared" / "anchor")


def anchor_python() -> Path:
    """The reference venv's interpreter: ``$ANCHOR_VENV`` or ``~/.cache/ocean-anchor/venv``."""
    venv = Path(os.environ.get("ANCHOR_VENV") or Path.home() / ".cache" / "ocean-anchor" / "venv")
    return venv / "bin" / "python"


@pytest.fixture(scope="session")
def reference(skip_or_fail: Callable[[str], None]) -> tuple[Path, Path]:
    """(anchor dir, reference python); skips the test when the reference is not installed."""
    directory, python = anchor_dir(), anchor_python()
    if not (directory / "anchor_map.py").is_file() or not python.is_file():
        skip_or_fail(f"reference implementation not available ({directory}, {python})")
    return directory, python
