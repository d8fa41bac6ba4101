"""Sample raw items an integration ships, for ``ocean map DIR`` without ``--input``.

Published integrations keep them under ``.port/examples/<kind>/*.json`` (one raw item per file,
as Port's release workflow uploads them); a file holding a JSON list adds each of its items.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EXAMPLES = Path(".port") / "examples"


def integration_folder(target: Path, config_path: Path) -> Path | None:
    """The integration folder ``ocean map`` was pointed at (directly, or through its config)."""
    if target.is_dir():
        return target
    resources = config_path.resolve().parent
    if resources.name == "resources" and resources.parent.name == ".port":
        return resources.parent.parent
    return None


def sample_kinds(folder: Path) -> list[str]:
    """The kinds that have samples under ``folder/.port/examples``, sorted."""
    examples = folder / EXAMPLES
    if not examples.is_dir():
        return []
    return sorted(path.name for path in examples.iterdir() if path.is_dir() and any(path.glob("*.json")))


def read_samples(folder: Path, kind: str) -> list[Any]:
    """The raw items of ``kind``, file by file in name order.

    Raises:
        UserInputError: a file is not valid JSON.
    """
    from ocean_runtime.config.file_limits import read_limited
    from ocean_runtime.errors import UserInputError

    items: list[Any] = []
    for path in sorted((folder / EXAMPLES / kind).glob("*.json")):
        try:
            value = json.loads(read_limited(path, name=str(path)))
        except json.JSONDecodeError as exc:
            raise UserInputError(f"invalid JSON: {exc.msg}", file=str(path), line=exc.lineno) from None
        items.extend(value if isinstance(value, list) else [value])
    return items


def no_samples_error(folder: Path | None, kind: str | None) -> Exception:
    """What to say when ``--input`` is absent and there is nothing to map."""
    from ocean_runtime.errors import UserInputError

    where = folder / EXAMPLES if folder is not None else None
    if where is None:
        return UserInputError(
            "--input is required when mapping a config file outside an integration folder",
            fix="pass --input ITEMS.json (a JSON list of raw items)",
        )
    what = f"no sample items for kind {kind!r}" if kind else "no sample items"
    sub = kind or "<kind>"
    return UserInputError(
        f"{what} in {where}",
        fix=f"pass --input ITEMS.json, or add raw items as {where / sub}/*.json",
    )
