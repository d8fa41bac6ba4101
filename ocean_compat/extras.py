"""Smaller published names: included-files helpers, user-agent types, version."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import Any, Protocol


class RepoBranchMappingLike(Protocol):
    name: str
    branch: str | None


def repo_branch_matches(
    *,
    repos: Sequence[Any] | None,
    repo_name: str,
    branch: str | None,
    default_branch: str | None,
) -> bool:
    """Whether ``repo_name``@``branch`` is selected by ``repos`` (the published rules).

    No mappings select only the default branch. A mapping of the repository selects the branch it
    names; ``"default"`` or no branch means the repository's default branch.
    """
    on_default = branch is not None and branch == default_branch
    if not repos:
        return on_default
    for mapping in repos:
        name = mapping.get("name") if isinstance(mapping, dict) else getattr(mapping, "name", None)
        if name != repo_name:
            continue
        wanted = mapping.get("branch") if isinstance(mapping, dict) else getattr(mapping, "branch", None)
        if (wanted in (None, "default") and on_default) or (
            wanted not in (None, "default") and wanted == branch
        ):
            return True
    return False


def resolve_included_file_path(requested_path: str, base_path: str) -> str:
    """``requested_path`` inside the folder ``base_path``, relative to the repository root.

    As published: a leading ``/`` does not escape ``base_path``; a path already under
    ``base_path`` is not joined twice; ``.`` or an empty base means the repository root.
    """
    if not requested_path:
        return requested_path
    requested = requested_path.lstrip("/")
    base = (base_path or "").strip("/")
    if base in ("", "."):
        return requested
    if requested.startswith(base + "/"):
        return requested
    return posixpath.join(base, requested)


class UserAgentType:
    exporter = "exporter"
    gitops = "gitops"


__integration_version__ = "0.0.0"
