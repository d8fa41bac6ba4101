"""``validate_integration_dir``: every check of an integration folder, in one list of findings."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from ocean_runtime.config.documents import Document, read_document
from ocean_runtime.config.spec import SPEC_FILES, Spec
from ocean_runtime.errors import UserInputError
from ocean_runtime.mapping import PortAppConfig
from ocean_runtime.validation.blueprints import Blueprints, check_blueprints
from ocean_runtime.validation.config_values import check_config_values
from ocean_runtime.validation.findings import Finding, from_user_error
from ocean_runtime.validation.port_app_config import check_port_app_config
from ocean_runtime.validation.resources import check_resource_list
from ocean_runtime.validation.spec import check_spec

RESOURCES_DIR = ".port/resources"
RESOURCE_STEMS = ("blueprints", "port-app-config", "actions", "scorecards", "pages")
EXTENSIONS = (".json", ".yaml", ".yml")
T = TypeVar("T")


def validate_integration_dir(
    path: Path,
    *,
    strict: bool = False,
    environ: Mapping[str, str] | None = None,
    config_class_loader: Callable[[Path], type[PortAppConfig] | None] | None = None,
) -> list[Finding]:
    """Checks an integration folder (or a bare folder holding only ``.port/``).

    Args:
        path: the folder.
        strict: report a required configuration without a value as an error (not a warning).
        environ: where ``OCEAN__INTEGRATION__CONFIG__*`` values are read (default ``os.environ``).
        config_class_loader: returns the integration's ``PortAppConfig`` subclass (from its
            ``integration.py``) so its custom selector keys are known; when it fails (e.g. a
            dependency of the integration is not installed), a warning says so and the base
            keys are used.

    Returns:
        Every finding, errors and warnings, in file order.

    Raises:
        UserInputError: the folder does not exist or has no ``.port/`` folder.
    """
    if not path.is_dir():
        raise UserInputError("no such folder", file=str(path), fix="give the path of an integration folder")
    if not (path / ".port").is_dir():
        raise UserInputError(
            "not an integration folder: it has no .port/ folder",
            file=str(path),
            fix="run `ocean validate` on the folder holding .port/ (create one with `ocean new`)",
        )
    findings: list[Finding] = []
    spec = _guarded(findings, ".port/spec.yaml", None, _spec, path, findings)
    resources, more = _resource_files(path)
    findings.extend(more)
    blueprints: Blueprints | None = None
    if "blueprints" in resources:
        document = _read(path, resources["blueprints"], findings)
        if document is not None:
            checked = _guarded(findings, document.name, None, check_blueprints, document)
            if checked is not None:
                findings.extend(checked[0])
                blueprints = checked[1]
    if "port-app-config" in resources:
        document = _read(path, resources["port-app-config"], findings)
        if document is not None:
            config_class = _config_class(path, config_class_loader, findings)
            findings.extend(
                _guarded(
                    findings,
                    document.name,
                    [],
                    check_port_app_config,
                    document,
                    spec=spec,
                    blueprints=blueprints,
                    config_class=config_class,
                )
            )
    for stem in ("actions", "scorecards", "pages"):
        if stem in resources:
            document = _read(path, resources[stem], findings)
            if document is not None:
                findings.extend(
                    _guarded(
                        findings,
                        document.name,
                        [],
                        check_resource_list,
                        document,
                        stem,
                        blueprints=blueprints,
                    )
                )
    environ = os.environ if environ is None else environ
    findings.extend(
        _guarded(
            findings, ".port/spec.yaml", [], check_config_values, path, spec, environ=environ, strict=strict
        )
    )
    return _in_file_order(findings)


def _guarded(
    findings: list[Finding], file: str, default: T, check: Callable[..., T], *args: Any, **kwargs: Any
) -> T:
    """``check(*args, **kwargs)``; an exception it raises becomes an error finding, never a traceback.

    Checks run user code (the integration's config class and its validators) on user input: a
    crash there is a problem of that file, reported as such.
    """
    try:
        return check(*args, **kwargs)
    except UserInputError as exc:
        findings.append(from_user_error(exc, file=file))
    except Exception as exc:
        message = f"checking this file raised {type(exc).__name__}: {exc}"
        findings.append(Finding("error", file, "", None, message))
    return default


def _config_class(
    path: Path,
    loader: Callable[[Path], type[PortAppConfig] | None] | None,
    findings: list[Finding],
) -> type[PortAppConfig]:
    if loader is None or not (path / "integration.py").is_file():
        return PortAppConfig
    try:
        return loader(path) or PortAppConfig
    except Exception as exc:
        reason = exc.message if isinstance(exc, UserInputError) else f"{type(exc).__name__}: {exc}"
        findings.append(
            Finding(
                "warning",
                "integration.py",
                "",
                None,
                f"not imported ({reason}); custom selector keys are checked against the base Selector",
            )
        )
        return PortAppConfig


def _in_file_order(findings: list[Finding]) -> list[Finding]:
    """Files in the order they were checked; within a file, by line (whole-file findings first)."""
    rank: dict[str, int] = {}
    for finding in findings:
        rank.setdefault(finding.file, len(rank))
    return sorted(findings, key=lambda finding: (rank[finding.file], finding.line or 0))


def _spec(path: Path, findings: list[Finding]) -> Spec | None:
    present = [name for name in SPEC_FILES if (path / name).is_file()]
    if not present:
        findings.append(
            Finding("warning", ".port/spec.yaml", "", None, "no spec: the integration declares no kinds")
        )
        return None
    if len(present) > 1:
        message = f"{', '.join(present[1:])} ignored: {present[0]} is read first"
        findings.append(Finding("warning", present[1], "", None, message))
    document = _read(path, path / present[0], findings)
    if document is None:
        return None
    found, spec = check_spec(document)
    findings.extend(found)
    return spec


def _resource_files(path: Path) -> tuple[dict[str, Path], list[Finding]]:
    """The default resource files by stem (``blueprints`` → ``.port/resources/blueprints.json``)."""
    folder = path / RESOURCES_DIR
    found: dict[str, Path] = {}
    findings: list[Finding] = []
    if not folder.is_dir():
        return found, findings
    for entry in sorted(folder.iterdir()):
        stem = entry.name.rsplit(".", 1)[0] if "." in entry.name else entry.name
        if stem not in RESOURCE_STEMS:
            continue
        relative = entry.relative_to(path).as_posix()
        if entry.is_dir() or entry.suffix not in EXTENSIONS:
            message = f"'{stem}' files must be .json, .yaml or .yml (the runtime refuses this one)"
            findings.append(Finding("error", relative, "", None, message))
        elif stem in found:
            first = found[stem].relative_to(path).as_posix()
            findings.append(
                Finding("error", relative, "", None, f"two '{stem}' files: {first} and {relative}")
            )
        else:
            found[stem] = entry
    return found, findings


def _read(path: Path, file: Path, findings: list[Finding]) -> Document | None:
    name = file.relative_to(path).as_posix()
    try:
        return read_document(file, name=name)
    except UserInputError as exc:
        findings.append(from_user_error(exc, file=name))
        return None
