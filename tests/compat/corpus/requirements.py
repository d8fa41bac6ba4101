"""The corpus venv's requirements: the union of the published integrations' own dependencies.

    python tests/compat/corpus/requirements.py CORPUS_DIR > requirements.txt

Poetry ranges (``^1.2``) become pip ranges; where two integrations' ranges conflict the newer
one wins (noted in ``CONFLICTS``); type stubs and the ``pathlib`` backport (which breaks
Python 3) are left out, and ``fastapi`` is added: the published framework installs it and
several integrations import it directly. ``aws`` (aioboto3 12, against aws-v3's 15) does not fit
the union and is probed in its own venv only by hand (see the README of ocean_compat).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

SKIP = {"python", "port_ocean", "port-ocean", "pathlib"}
EXCLUDED_INTEGRATIONS = {"aws"}
CONFLICTS = {"azure-mgmt-resource": ">=23.3.0,<24"}  # azure pins 23.2.0, azure-resource-graph wants ^23.3
EXTRA = ["fastapi>=0.110"]


def pip_range(spec: str) -> str:
    """Poetry's ``^``/``~``/exact versions as a pip specifier."""
    spec = spec.strip()
    if spec in ("", "*"):
        return ""
    if spec[0] in "^~":
        numbers = [int(re.match(r"\d+", part).group()) for part in spec[1:].split(".")]  # type: ignore[union-attr]
        if spec[0] == "~" or numbers[0] == 0:
            upper = f"{numbers[0]}.{numbers[1] + 1}" if len(numbers) > 1 else f"{numbers[0] + 1}"
        else:
            upper = f"{numbers[0] + 1}"
        return f">={spec[1:]},<{upper}"
    if spec[0].isdigit():
        return f"=={spec}"
    return spec


def requirements(corpus: Path) -> list[str]:
    wanted: dict[str, list[str]] = {}
    for pyproject in sorted(corpus.glob("*/pyproject.toml")):
        if pyproject.parent.name in EXCLUDED_INTEGRATIONS:
            continue
        poetry = tomllib.loads(pyproject.read_text())["tool"]["poetry"]
        for name, value in poetry.get("dependencies", {}).items():
            key = name.lower()
            if key in SKIP or key.startswith("types-") or key.endswith("-stubs"):
                continue
            version = value.get("version", "*") if isinstance(value, dict) else value
            wanted.setdefault(key, []).append(pip_range(version))
    lines = []
    for name, ranges in sorted(wanted.items()):
        if name in CONFLICTS:
            lines.append(name + CONFLICTS[name])
            continue
        # The highest lower bound wins (the ranges of one package share their major version).
        best = max((r for r in ranges if r), key=_lower_bound, default="")
        lines.append(name + best)
    return lines + EXTRA


def _lower_bound(spec: str) -> tuple[int, ...]:
    match = re.search(r"(?:>=|==)([\d.]+)", spec)
    return tuple(int(part) for part in match.group(1).split(".") if part) if match else ()


if __name__ == "__main__":
    print("\n".join(requirements(Path(sys.argv[1]))))
