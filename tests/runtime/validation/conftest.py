"""Helpers for validation tests: copies of the reference integrations to break on purpose."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

REFERENCE = Path(__file__).parents[2] / "fixtures" / "reference_integrations"


@pytest.fixture
def reference_copy(tmp_path: Path) -> Callable[[str], Path]:
    """Copies a reference integration into a temporary folder and returns the copy."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(REFERENCE / name, target)
        return target

    return copy
