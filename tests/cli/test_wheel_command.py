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


def test_wheels_for_another_python_are_binaries_for_that_python(tmp_path: Path) -> None:
    # The runtime image's Python (3.11) differs from the one building it: a 3.12 machine once
    # put cp312 wheels into a 3.11 image, and the image build failed on `jq`.
    other = "3.12" if sys.version_info[:2] == (3, 11) else "3.11"
    tag = "cp" + other.replace(".", "")

    done = ocean("wheel", "--deps", "--python-version", other, str(tmp_path / "wheels"))

    assert done.returncode == 0, done.stderr
    names = [wheel.name for wheel in (tmp_path / "wheels").glob("*.whl")]
    assert "ocean_sail-0.1.0-py3-none-any.whl" in names
    binaries = [name for name in names if not name.endswith("-none-any.whl")]
    assert {name.split("-")[0] for name in binaries} >= {"jq", "orjson", "pydantic_core", "httptools"}
    assert all(f"-{tag}-" in name or "-abi3-" in name for name in binaries), binaries
    assert all("manylinux" in name for name in binaries), binaries


def test_a_python_version_that_cannot_be_built_for_is_refused(tmp_path: Path) -> None:
    malformed = ocean("wheel", "--deps", "--python-version", "311", str(tmp_path / "a"))
    without_deps = ocean("wheel", "--python-version", "3.11", str(tmp_path / "b"))

    assert malformed.returncode == 1
    assert "--python-version 311: expected a Python 3 MAJOR.MINOR" in malformed.stderr
    assert "e.g. --python-version 3.11" in malformed.stderr
    assert without_deps.returncode == 1
    assert "--python-version 3.11 without --deps" in without_deps.stderr
    assert "Traceback" not in malformed.stderr + without_deps.stderr
