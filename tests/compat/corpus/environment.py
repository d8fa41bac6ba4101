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


def scratch_copy(folder: Path, target: Path) -> Path:
    """A copy of an integration folder to run (``ocean sail`` keeps state in ``DIR/.ocean``).

    The corpus stays untouched (in CI it is read-only); the copy is the folder as published, less
    its tests and any ``.ocean`` state.
    """
    import shutil

    copy = target / folder.name
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns(".ocean", "__pycache__", "tests"))
    return copy


def resources_with_kinds(folder: Path, kinds: tuple[str, ...], target: Path) -> Path:
    """The folder's own blueprints and default mapping, keeping only the resources of ``kinds``."""
    import yaml

    source = folder / ".port" / "resources"
    target.mkdir()
    for blueprints in source.glob("blueprints.*"):
        (target / blueprints.name).write_text(blueprints.read_text())
    mapping_file = next(source.glob("port-app-config.y*ml"))
    mapping = yaml.safe_load(mapping_file.read_text())
    mapping["resources"] = [r for r in mapping["resources"] if r["kind"] in kinds]
    (target / "port-app-config.yml").write_text(yaml.safe_dump(mapping, sort_keys=False))
    return target
