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


def build_wheels(out: Path, *, deps: bool = False, source: OceanSource | None = None) -> list[Path]:
    """Builds a wheel of this Ocean into ``out`` (with ``deps``: of every dependency too).

    A wheel Ocean was installed from is copied; a source folder is built with ``pip wheel``; an
    index install is fetched again with ``pip wheel ocean-sail==VERSION``.

    Returns:
        Every wheel in ``out``, Ocean's first.

    Raises:
        UserInputError: pip is missing or failed (its last lines are in the message).
    """
    source = source or installed_source()
    out.mkdir(parents=True, exist_ok=True)
    if source.path is not None and source.path.suffix == ".whl" and not deps:
        shutil.copy2(source.path, out / source.path.name)
    else:
        target = str(source.path) if source.path is not None else f"{DISTRIBUTION}=={source.version}"
        _pip_wheel([target], out, deps=deps)
    return sorted(out.glob("*.whl"), key=lambda wheel: (not wheel.name.startswith("ocean_sail-"), wheel.name))


def _pip_wheel(targets: list[str], out: Path, *, deps: bool) -> None:
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(out), *targets]
    if not deps:
        command.insert(4, "--no-deps")
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
        raise UserInputError(f"pip wheel {' '.join(targets)} failed: {tail}")
