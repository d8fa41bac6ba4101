"""Where this Ocean was installed from, and how another project can install the same one.

``ocean new`` writes the answer into the generated project's ``requirements-ocean.txt`` so the
project installs in a fresh virtual environment even though no package index has Ocean:

- ``index``: this Ocean came from a package index — pin the same version;
- ``path``: it came from a folder (a clone, installed with ``pip install [-e] PATH``) or a wheel
  file — point at that path;
- ``wheel``: copy a wheel of this Ocean into the project's ``wheels/`` folder — the project then
  installs anywhere it goes (CI, another machine) without the original path.

``ocean wheel`` builds such wheels (and, with ``--deps``, every dependency's) for offline
installs and container images.
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from ocean_runtime.errors import UserInputError

DISTRIBUTION = "ocean-sail"
WHEELS_DIR = "wheels"
REQUIREMENTS_FILE = "requirements-ocean.txt"


@dataclass(frozen=True)
class OceanSource:
    """How this Ocean was installed.

    Attributes:
        version: the installed version of ``ocean-sail``.
        path: the folder or wheel file it was installed from; None when it came from an index.
    """

    version: str
    path: Path | None

    @property
    def kind(self) -> str:
        """``index`` or ``path``."""
        return "index" if self.path is None else "path"


def installed_source() -> OceanSource:
    """This Ocean's version and where it was installed from (PEP 610 ``direct_url.json``)."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution(DISTRIBUTION)
    except PackageNotFoundError:  # running from a source tree that was never installed
        return OceanSource("0.1.0", _source_tree())
    direct_url = dist.read_text("direct_url.json")
    if not direct_url:
        return OceanSource(dist.version, None)
    url = json.loads(direct_url).get("url", "")
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return OceanSource(dist.version, None)  # a VCS or remote URL: treat as an index install
    return OceanSource(dist.version, Path(unquote(parsed.path)))


def _source_tree() -> Path | None:
    root = Path(__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").is_file() else None


def requirements_text(source: OceanSource, *, wheel_name: str | None = None) -> str:
    """The body of ``requirements-ocean.txt`` for ``source``.

    Args:
        source: where Ocean comes from.
        wheel_name: the file name of a wheel copied into ``wheels/`` (the ``wheel`` choice).
    """
    header = (
        "# Where this project installs Ocean (the ocean-sail package) from; written by `ocean new`.\n"
        "# Install: pip install -r requirements-ocean.txt -e '.[test]'\n"
    )
    if wheel_name is not None:
        return header + f"--find-links {WHEELS_DIR}\n{DISTRIBUTION}=={source.version}\n"
    if source.path is None:
        return header + f"{DISTRIBUTION}=={source.version}\n"
    return header + f"{DISTRIBUTION} @ {source.path.resolve().as_uri()}\n"


def resolve_choice(choice: str | None) -> tuple[OceanSource, bool]:
    """The source ``ocean new --ocean CHOICE`` means, and whether a wheel must be copied.

    Args:
        choice: ``index``, ``wheel``, a folder or a ``.whl`` file; None for "as installed".

    Raises:
        UserInputError: the path does not exist or is neither an Ocean source folder nor a wheel.
    """
    installed = installed_source()
    if choice is None:
        return installed, False
    if choice == "index":
        return OceanSource(installed.version, None), False
    if choice == "wheel":
        return installed, True
    path = Path(choice).expanduser().resolve()
    if path.is_file() and path.suffix == ".whl" and path.name.startswith("ocean_sail-"):
        return OceanSource(path.name.split("-")[1], path), False
    if path.is_dir() and (path / "pyproject.toml").is_file() and (path / "ocean_runtime").is_dir():
        return OceanSource(installed.version, path), False
    raise UserInputError(
        f"--ocean {choice}: not 'index', 'wheel', an Ocean source folder or an ocean_sail-*.whl file",
        fix="e.g. --ocean wheel, or --ocean ~/src/ocean",
    )


def build_wheels(
    out: Path, *, deps: bool = False, source: OceanSource | None = None, python_version: str | None = None
) -> list[Path]:
    """Builds a wheel of this Ocean into ``out`` (with ``deps``: of every dependency too).

    A wheel Ocean was installed from is copied; a source folder is built with ``pip wheel``; an
    index install is fetched again with ``pip wheel ocean-sail==VERSION``.

    Args:
        out: the folder to write the wheels into (created if missing).
        deps: also a wheel of every dependency.
        source: where this Ocean comes from (default: as installed).
        python_version: ``MAJOR.MINOR`` of another Python the dependencies are for — a container
            image's (Debian bookworm: 3.11) — as Linux binary wheels for this machine's
            architecture; only with ``deps`` (Ocean's own wheel fits any Python 3).

    Returns:
        Every wheel in ``out``, Ocean's first.

    Raises:
        UserInputError: pip is missing or failed (its last lines are in the message), or
            ``python_version`` is malformed or given without ``deps``.
    """
    source = source or installed_source()
    out.mkdir(parents=True, exist_ok=True)
    target = str(source.path) if source.path is not None else f"{DISTRIBUTION}=={source.version}"
    if python_version is not None:
        _check_python_version(python_version, deps=deps)
        _pip(["wheel", "--no-deps", "--wheel-dir", str(out), target], what=f"pip wheel {target}")
        # pip wheel would build for the Python running it; pip download picks another's binaries.
        tags = _linux_wheel_tags(python_version)
        _pip(
            ["download", "--only-binary=:all:", *tags, "--dest", str(out), target],
            what=f"pip download (the dependencies of {target} for Python {python_version})",
        )
    elif source.path is not None and source.path.suffix == ".whl" and not deps:
        shutil.copy2(source.path, out / source.path.name)
    else:
        no_deps = [] if deps else ["--no-deps"]
        _pip(["wheel", *no_deps, "--wheel-dir", str(out), target], what=f"pip wheel {target}")
    return sorted(out.glob("*.whl"), key=lambda wheel: (not wheel.name.startswith("ocean_sail-"), wheel.name))


# glibc 2.5 (manylinux1) to 2.36 (Debian bookworm, the runtime image's base): every manylinux
# wheel that runs there. pip takes platforms literally — manylinux_2_36 does not admit 2_28 wheels.
_GLIBC_MINORS = range(5, 37)


def _linux_wheel_tags(python_version: str) -> list[str]:
    """pip's target options for CPython ``python_version`` on Linux, this machine's architecture."""
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    nodot = python_version.replace(".", "")
    legacy = [f"manylinux{name}_{arch}" for name in ("1", "2010", "2014")]
    platforms = [f"manylinux_2_{minor}_{arch}" for minor in _GLIBC_MINORS] + legacy
    options = ["--python-version", python_version, "--implementation", "cp", "--abi", f"cp{nodot}"]
    for name in platforms:
        options += ["--platform", name]
    return options


def _check_python_version(python_version: str, *, deps: bool) -> None:
    if not re.fullmatch(r"3\.\d{1,2}", python_version):
        raise UserInputError(
            f"--python-version {python_version}: expected a Python 3 MAJOR.MINOR",
            fix="e.g. --python-version 3.11 (the Python of Debian bookworm, Ocean's runtime image)",
        )
    if not deps:
        raise UserInputError(
            f"--python-version {python_version} without --deps: Ocean's own wheel fits any Python 3",
            fix="add --deps to build its dependencies for that Python",
        )


def _pip(arguments: list[str], *, what: str) -> None:
    command = [sys.executable, "-m", "pip", *arguments[:1], "--quiet", *arguments[1:]]
    try:
        done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    except OSError as exc:
        raise UserInputError(
            f"cannot run pip: {exc.strerror}", fix="install pip in this environment"
        ) from None
    if done.returncode != 0:
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        if "No module named pip" in tail:
            raise UserInputError("pip is not installed in this environment", fix="python -m ensurepip")
        raise UserInputError(f"{what} failed: {tail}")
