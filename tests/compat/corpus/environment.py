"""Where the corpus is and which Python runs it (the corpus venv, Python 3.12, their dependencies).

``.ci/run`` builds the venv with ``tests/compat/corpus/build_venv.sh`` and exports
``OCEAN_CORPUS_PYTHON``; outside CI, tests skip when the corpus or that Python is missing (in CI
nothing may skip: a missing piece fails).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO.parent / "shared" / "realworld" / "port-ocean-integrations"
IN_CI = os.environ.get("CI", "").lower() == "true"


def corpus_folder(name: str) -> Path:
    """``../shared/realworld/port-ocean-integrations/NAME``, or a skip (a failure in CI)."""
    folder = CORPUS / name
    if not folder.is_dir():
        _missing(f"the published integrations are not at {CORPUS} (../shared/realworld)")
    return folder


def corpus_names() -> list[str]:
    """Every integration folder of the corpus (empty when it is absent)."""
    if not CORPUS.is_dir():
        return []
    return sorted(p.name for p in CORPUS.iterdir() if (p / ".port").is_dir())


def corpus_python() -> Path:
    """The corpus venv's Python (``OCEAN_CORPUS_PYTHON``), or a skip (a failure in CI)."""
    value = os.environ.get("OCEAN_CORPUS_PYTHON")
    path = Path(value) if value else REPO / ".venv-corpus" / "bin" / "python"
    if not path.is_file():
        _missing(
            f"no corpus venv at {path}: build it with `bash tests/compat/corpus/build_venv.sh` "
            "(Python 3.12 + the integrations' dependencies) or set OCEAN_CORPUS_PYTHON"
        )
    return path


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)
