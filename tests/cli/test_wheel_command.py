"""``ocean wheel`` and ``ocean new --ocean wheel``: Ocean as a wheel, for installs without an index."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

OCEAN = Path(sys.executable).with_name("ocean")


def ocean(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(OCEAN), *args], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=240
    )


def test_ocean_wheel_builds_a_complete_wheel(tmp_path: Path) -> None:
    done = ocean("wheel", str(tmp_path / "dist"))

    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert done.stdout.strip() == str(wheel)
    assert wheel.name == "ocean_sail-0.1.0-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"ocean_cli/main.py", "ocean_runtime/__init__.py", "ocean_harbor/app.py"} <= names
    assert "ocean_templates/integration/{{cookiecutter.slug}}/.github/workflows/ocean.yml" in names


def test_a_project_made_with_ocean_wheel_carries_its_own_copy(tmp_path: Path) -> None:
    done = ocean("new", str(tmp_path), "--name", "Portable", "--ocean", "wheel", "--no-input")

    assert done.returncode == 0, done.stderr
    project = tmp_path / "portable"
    assert [wheel.name for wheel in (project / "wheels").iterdir()] == ["ocean_sail-0.1.0-py3-none-any.whl"]
    requirements = [
        line
        for line in (project / "requirements-ocean.txt").read_text().splitlines()
        if not line.startswith("#")
    ]
    assert requirements == ["--find-links wheels", "ocean-sail==0.1.0"]
    assert "only this machine has" not in done.stdout


def test_a_file_in_place_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dist").write_text("x")

    done = ocean("wheel", str(tmp_path / "dist"))

    assert done.returncode == 1
    assert done.stderr.strip() == f"error: {tmp_path / 'dist'} is a file — choose a folder for the wheels"
