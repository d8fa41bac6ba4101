"""A generated project installs in a fresh venv as its README says, with no index serving Ocean.

``pip`` gets ``--no-index`` and a folder of wheels holding Ocean's dependencies and the test tools
but no ``ocean-sail``: Ocean can only come from where ``requirements-ocean.txt`` says.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from .conftest import OCEAN, run

INSTALL_BLOCK = re.compile(r"## Install\n\n```bash\n(?P<command>[^\n]+)\n")


@pytest.fixture(scope="module")
def dependencies_only(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dependencies")
    for wheel in wheelhouse.glob("*.whl"):
        if not wheel.name.startswith("ocean_sail-"):
            shutil.copy2(wheel, folder / wheel.name)
    return folder


def offline_env(find_links: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OCEAN__", "PIP_", "VIRTUAL_ENV"))}
    # PIP_NO_COMPILE only skips writing .pyc files up front: the same install, in less time.
    offline = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(find_links), "PIP_NO_COMPILE": "1"}
    return env | offline | {"PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def new_project(tmp_path: Path, *extra: str) -> Path:
    done = run(
        [str(OCEAN), "new", str(tmp_path), "--name", "Acme Tickets", "--kind", "ticket", "--no-input", *extra]
    )
    assert done.returncode == 0, done.stderr
    return tmp_path / "acme_tickets"


def install_as_the_readme_says(project: Path, find_links: Path) -> None:
    match = INSTALL_BLOCK.search((project / "README.md").read_text())
    assert match, "the generated README has no Install command"
    command = match["command"]
    assert command == "python3 -m venv .venv && .venv/bin/pip install -r requirements-ocean.txt -e '.[test]'"
    python_dir = str(Path(sys.executable).resolve().parent)  # a python3 like the user's, outside any venv
    env = offline_env(find_links) | {"PATH": f"{python_dir}{os.pathsep}{os.environ['PATH']}"}

    done = run(["bash", "-c", command], cwd=project, env=env, timeout=600)

    assert done.returncode == 0, done.stdout + done.stderr


def passes_its_tests_and_validates(project: Path) -> None:
    env = offline_env(project)
    tests = run([str(project / ".venv/bin/pytest"), "-q", "-p", "no:cacheprovider"], cwd=project, env=env)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout
    assert "warning" not in tests.stdout.lower()  # no pytest-asyncio deprecation warning, nothing else
    validate = run([str(project / ".venv/bin/ocean"), "validate", ".", "--strict"], cwd=project, env=env)
    assert validate.returncode == 0, validate.stdout + validate.stderr


def test_a_project_recording_this_ocean_installs_and_passes_its_tests(
    tmp_path: Path, dependencies_only: Path
) -> None:
    project = new_project(tmp_path)

    install_as_the_readme_says(project, dependencies_only)

    passes_its_tests_and_validates(project)


def test_a_project_carrying_its_own_wheel_installs_anywhere(tmp_path: Path, dependencies_only: Path) -> None:
    made = new_project(tmp_path / "made", "--ocean", "wheel")
    moved = tmp_path / "elsewhere" / "acme_tickets"
    shutil.copytree(made, moved)  # as a clone of its repository on another machine would be
    shutil.rmtree(made)

    install_as_the_readme_says(moved, dependencies_only)

    passes_its_tests_and_validates(moved)
