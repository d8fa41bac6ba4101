"""The corpus venv's requirements: the union of the published integrations' own dependencies.

    python tests/compat/corpus/requirements.py CORPUS_DIR > requirements.txt
    python tests/compat/corpus/requirements.py INTEGRATION_DIR      (one integration's own)

Poetry ranges (``^1.2``) become pip ranges; where two integrations' ranges conflict the newer
one wins (noted in ``CONFLICTS``); the ``pathlib`` backport (which breaks Python 3) is left out,
and so are type stubs and extras in the union — for one integration they stay: ``aws`` imports
``types_aiobotocore_sts`` (``types-aiobotocore[sts]``) at run time.
``PUBLISHED_FRAMEWORK_DEPENDENCIES`` are what the published framework installs and integrations
import without declaring (``loguru`` in 46 of them, ``fastapi``, ``jinja2``, ``python-dateutil``,
``pyyaml``, ``pyjwt``, ``aiofiles``). ``aws`` (aioboto3 12, against aws-v3's 15) does not fit the
union: it is left out of the corpus venv, and loads in a venv of its own (README "Running Port
Ocean integrations", command 1).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

SKIP = {"python", "port_ocean", "port-ocean", "pathlib"}
EXCLUDED_INTEGRATIONS = {"aws"}
CONFLICTS = {"azure-mgmt-resource": ">=23.3.0,<24"}  # azure pins 23.2.0, azure-resource-graph wants ^23.3
PUBLISHED_FRAMEWORK_DEPENDENCIES = [
    "fastapi>=0.110",
    "loguru>=0.7",
    "jinja2>=3.1",
    "python-dateutil>=2.8",
    "pyyaml>=6.0",
    "pyjwt>=2.8",
    "aiofiles>=24.1",
]


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
    single = (corpus / "pyproject.toml").is_file()
    for pyproject in [corpus / "pyproject.toml"] if single else sorted(corpus.glob("*/pyproject.toml")):
        if not single and pyproject.parent.name in EXCLUDED_INTEGRATIONS:
            continue
        poetry = tomllib.loads(pyproject.read_text())["tool"]["poetry"]
        for name, value in poetry.get("dependencies", {}).items():
            key = name.lower()
            stubs = key.startswith("types-") or key.endswith("-stubs")
            if key in SKIP or (stubs and not single):
                continue
            version = value.get("version", "*") if isinstance(value, dict) else value
            extras = value.get("extras", []) if isinstance(value, dict) and single else []
            if extras:
                key += f"[{','.join(extras)}]"
            wanted.setdefault(key, []).append(pip_range(version))
    lines = []
    for name, ranges in sorted(wanted.items()):
        if name in CONFLICTS:
            lines.append(name + CONFLICTS[name])
            continue
        # The highest lower bound wins (the ranges of one package share their major version).
        best = max((r for r in ranges if r), key=_lower_bound, default="")
        lines.append(name + best)
    named = {re.split(r"[\[<>=!~]", line, maxsplit=1)[0] for line in lines}
    return lines + [d for d in PUBLISHED_FRAMEWORK_DEPENDENCIES if re.split(r"[<>=]", d)[0] not in named]


def _lower_bound(spec: str) -> tuple[int, ...]:
    match = re.search(r"(?:>=|==)([\d.]+)", spec)
    return tuple(int(part) for part in match.group(1).split(".") if part) if match else ()


if __name__ == "__main__":
    print("\n".join(requirements(Path(sys.argv[1]))))
