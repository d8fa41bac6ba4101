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
    """Whether ``repo_name``@``branch`` is selected by ``repos`` (none: only the default branch)."""
    if not repos:
        return branch == default_branch
    for mapping in repos:
        name = mapping.get("name") if isinstance(mapping, dict) else getattr(mapping, "name", None)
        wanted = mapping.get("branch") if isinstance(mapping, dict) else getattr(mapping, "branch", None)
        if name == repo_name and branch == (wanted or default_branch):
            return True
    return False


def resolve_included_file_path(requested_path: str, base_path: str) -> str:
    """``requested_path`` relative to the folder of ``base_path`` (``/x`` is from the repository root)."""
    if requested_path.startswith("/"):
        return posixpath.normpath(requested_path.lstrip("/"))
    folder = posixpath.dirname(base_path)
    return (
        posixpath.normpath(posixpath.join(folder, requested_path))
        if folder
        else posixpath.normpath(requested_path)
    )


class UserAgentType:
    exporter = "exporter"
    gitops = "gitops"


__integration_version__ = "0.0.0"
