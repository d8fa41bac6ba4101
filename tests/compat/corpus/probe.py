"""Probe one published integration on Ocean: import, config class, default mapping, validate.

    python -m tests.compat.corpus.probe DIR [DIR...]     (one JSON line per folder)

Run with the Python that has the integration's dependencies installed (the corpus venv). Each
folder is loaded in a fresh process by the caller, so one integration's modules never leak into
another's.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Any


def probe(folder: Path) -> dict[str, Any]:
    """What Ocean makes of ``folder``: each step's outcome and, when it failed, why."""
    from ocean_runtime.app import check_local_resources, load_integration
    from ocean_runtime.validation import validate_integration_dir

    result: dict[str, Any] = {"name": folder.name}
    environ = {"OCEAN__INTEGRATION__IDENTIFIER": folder.name, "OCEAN__INTEGRATION__TYPE": folder.name}
    environ.update(_required_config(folder))
    try:
        app = load_integration(folder, environ=environ)
    except Exception as exc:
        result.update(imports=False, error=_describe(exc))
        return result
    config_class = app.registered_config_class
    result.update(
        imports=True,
        config_class=config_class.__name__ if config_class else None,
        handlers=len(app.resync_handlers),
        webhooks=sum(len(v) for v in app.webhook_processors.values()),
    )
    try:
        _compile_every_resource(check_local_resources(app).port_app_config)
        result["mapping"] = True
    except Exception as exc:
        result.update(mapping=False, error=_describe(exc))
    from ocean_runtime.app.loader import load_config_class

    findings = validate_integration_dir(folder, environ={}, config_class_loader=load_config_class)
    result["validate_errors"] = [
        f"{f.file}:{f.location}: {f.message}" for f in findings if f.severity == "error"
    ]
    result["validate_warnings"] = sum(f.severity == "warning" for f in findings)
    return result


def _compile_every_resource(config: Any) -> None:
    """Compile each resource's jq as a resync does (loading the resources leaves bad jq to the run).

    Raises:
        UserInputError: a resource's mapping is not jq (e.g. GitLab v1's ``file://`` values).
    """
    from ocean_runtime.mapping import compile_resource
    from ocean_runtime.mapping.jq_sandbox import JqSandbox

    if config is None:
        return
    with JqSandbox() as sandbox:
        for index, resource in enumerate(config.resources):
            compile_resource(resource, index=index, sandbox=sandbox)


def _required_config(folder: Path) -> dict[str, str]:
    """Placeholders for the spec's configurations without a default (probing loads; it does not sync)."""
    import yaml

    from ocean_runtime.config.naming import config_env_var
    from ocean_runtime.config.spec import find_spec_file

    spec_file = find_spec_file(folder)
    if spec_file is None:
        return {}
    spec = yaml.safe_load(spec_file.read_text()) or {}
    placeholders = {
        "url": "http://127.0.0.1:9",
        "boolean": "false",
        "integer": "1",
        "number": "1",
        "object": "{}",
        "array": "[]",
    }
    return {
        config_env_var(item["name"]): str(
            (item.get("enum") or [None])[0] or placeholders.get(item.get("type", "string"), "placeholder")
        )
        for item in spec.get("configurations") or []
        if "default" not in item
    }


def _describe(exc: BaseException) -> str:
    render = getattr(exc, "render", None)
    text = render() if callable(render) else f"{type(exc).__name__}: {exc}"
    if not render:
        text += "\n" + "".join(traceback.format_exception(exc)[-3:])
    return text


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        print(json.dumps(probe(Path(argument))), flush=True)
