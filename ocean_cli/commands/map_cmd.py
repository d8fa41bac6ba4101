"""``ocean map``: runs one resource's mapping on sample raw items and shows what Port would get.

An expression that is not valid jq, or goes over its jq budget (``OCEAN__JQ__TIMEOUT_SECONDS``,
``OCEAN__JQ__MEMORY_MB``), maps to null: the fields that work are shown, each broken one is
named on stderr (file, key path, expression, jq's error) and the command exits 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from ocean_runtime.mapping import ExpressionProblem, MappingResult, PortAppConfig

CONFIG_NAMES = ("port-app-config.yml", "port-app-config.yaml", "port-app-config.json")
TABLE_ROWS = 50


def map_items(
    target: Annotated[Path, typer.Argument(help="Integration folder or a port-app-config file.")],
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="Kind whose mapping to run (default: every kind with samples)."),
    ] = None,
    input_file: Annotated[
        Path | None,
        typer.Option(
            "--input", help="JSON file with a list of raw items (default: .port/examples/KIND/*.json)."
        ),
    ] = None,
    resource: Annotated[int | None, typer.Option("--resource", help="Index of the resource to use.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Run a mapping on sample raw items and show the entities it produces.

    Without --input the items come from the integration's .port/examples/KIND/*.json; without
    --kind every resource whose kind has samples runs (--format json then prints a list).
    """
    from ocean_cli.errors import fail, user_errors

    if output_format not in ("table", "json"):
        raise fail(f"--format must be table or json, got {output_format!r}")
    if input_file is not None and kind is None:
        raise fail("--kind is required with --input (which resource's mapping should the items go through?)")
    with user_errors():
        from ocean_runtime.mapping import load_port_app_config

        config_path = _config_path(target)
        config: PortAppConfig = load_port_app_config(config_path)
        runs = _planned_runs(target, config, config_path, kind, resource, input_file)
        results = _map_runs(config, runs, str(config_path))
    if output_format == "json":
        import json

        outputs = [
            {"kind": config.resources[index].kind, "resource": index, **result.to_dict(), "problems": [
                problem.to_dict() for problem in problems
            ]}
            for index, result, problems in results
        ]  # fmt: skip
        output: Any = {key: outputs[0][key] for key in outputs[0] if key not in ("kind", "resource")}
        typer.echo(
            json.dumps(output if kind is not None else outputs, indent=2, ensure_ascii=False, default=str)
        )
    else:
        for index, result, _ in results:
            _print_table(result, config.resources[index].kind, index)
    problems = [problem for _, _, found in results for problem in found]
    if problems:
        _report_problems(problems, str(config_path))


def _map_runs(
    config: PortAppConfig, runs: list[tuple[int, list[Any]]], source: str
) -> list[tuple[int, MappingResult, list[ExpressionProblem]]]:
    """Maps each run's items; broken expressions map to null and are returned with the result."""
    from ocean_runtime.mapping import JqSandbox, compile_resource

    results = []
    with JqSandbox() as sandbox:
        for index, items in runs:
            mapper = compile_resource(
                config.resources[index], index=index, source=source, sandbox=sandbox, tolerant=True
            )
            results.append((index, mapper.map_raw(items), mapper.problems))
    return results


def _report_problems(problems: list[ExpressionProblem], source: str) -> None:
    """Each unusable expression as an ``error:`` line on stderr (it mapped to null), then exit 1."""
    for problem in problems:
        typer.secho(f"error: {problem.error(source)}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _planned_runs(
    target: Path,
    config: PortAppConfig,
    config_path: Path,
    kind: str | None,
    resource: int | None,
    input_file: Path | None,
) -> list[tuple[int, list[Any]]]:
    """Which resources to map, each with its raw items (from --input or the shipped samples)."""
    from ocean_cli.commands import map_samples

    if kind is None and resource is not None and 0 <= resource < len(config.resources):
        kind = config.resources[resource].kind
    if input_file is not None and kind is not None:
        return [(_pick_resource(config, kind, resource, str(config_path)), _read_items(input_file))]
    folder = map_samples.integration_folder(target, config_path)
    if kind is not None:
        index = _pick_resource(config, kind, resource, str(config_path))
        samples = map_samples.read_samples(folder, kind) if folder is not None else []
        if not samples:
            raise map_samples.no_samples_error(folder, kind)
        return [(index, samples)]
    available = set(map_samples.sample_kinds(folder)) if folder is not None else set()
    runs = [
        (index, map_samples.read_samples(folder, item.kind))
        for index, item in enumerate(config.resources)
        if folder is not None and item.kind in available
    ]
    if not runs:
        raise map_samples.no_samples_error(folder, None)
    return runs


def _config_path(target: Path) -> Path:
    from ocean_runtime.errors import UserInputError

    if target.is_dir():
        folder = target / ".port" / "resources"
        for name in CONFIG_NAMES:
            if (folder / name).is_file():
                return folder / name
        raise UserInputError(
            f"no port-app-config in {folder} (looked for {', '.join(CONFIG_NAMES)})",
            fix="pass the config file itself, or an integration folder made by `ocean new`",
        )
    if not target.exists():
        raise UserInputError("no such file or folder", file=str(target))
    return target


def _pick_resource(config: PortAppConfig, kind: str, resource: int | None, source: str) -> int:
    from ocean_runtime.errors import UserInputError

    kinds = ", ".join(dict.fromkeys(r.kind for r in config.resources)) or "none"
    if resource is None:
        for index, candidate in enumerate(config.resources):
            if candidate.kind == kind:
                return index
        raise UserInputError(f"no resource of kind {kind!r} (kinds in the file: {kinds})", file=source)
    if not 0 <= resource < len(config.resources):
        raise UserInputError(
            f"--resource {resource} does not exist: the file has {len(config.resources)} resources "
            f"(0..{len(config.resources) - 1}; kinds: {kinds})",
            file=source,
        )
    actual = config.resources[resource].kind
    if actual != kind:
        raise UserInputError(
            f"resources[{resource}] is of kind {actual!r}, not {kind!r} (kinds in the file: {kinds})",
            file=source,
            fix=f"use --kind {actual}, or drop --resource to take the first {kind!r} resource",
        )
    return resource


def _read_items(path: Path) -> list[Any]:
    import json

    from ocean_runtime.config.file_limits import read_limited
    from ocean_runtime.errors import UserInputError

    if not path.exists():
        raise UserInputError("input file not found", file=str(path))
    text = read_limited(path, name=str(path))  # refused above OCEAN__FILE_SIZE_LIMIT_MB
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserInputError(f"invalid JSON: {exc.msg}", file=str(path), line=exc.lineno) from None
    except RecursionError:
        raise UserInputError("the JSON nests too deeply to be read", file=str(path)) from None
    if not isinstance(items, list):
        raise UserInputError(
            f"expected a JSON list of raw items, got {type(items).__name__}",
            file=str(path),
            fix="wrap a single item in [ ... ]",
        )
    return items


def _cell(entity: dict[str, Any], key: str) -> str:
    """One table cell: strings as they are, objects as `key: value` lines with short values."""
    import json

    if key not in entity:
        return ""
    value = entity[key]
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and key in ("properties", "relations"):
        return "\n".join(
            f"{name}: {_short(json.dumps(item, ensure_ascii=False))}" for name, item in value.items()
        )
    return _short(json.dumps(value, ensure_ascii=False))


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _print_table(result: MappingResult, kind: str, index: int) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{len(result.entities)} entities — kind {kind!r} (resources[{index}])", expand=True)
    for column in ("identifier", "title", "blueprint"):
        table.add_column(column, overflow="fold", max_width=28)
    table.add_column("properties", overflow="fold", ratio=3)
    table.add_column("relations", overflow="fold", ratio=2)
    for entity in result.entities[:TABLE_ROWS]:
        table.add_row(
            *(_cell(entity, key) for key in ("identifier", "title", "blueprint", "properties", "relations"))
        )
    console.print(table)
    if len(result.entities) > TABLE_ROWS:
        console.print(f"… {len(result.entities) - TABLE_ROWS} more entities (use --format json to see all)")
    console.print(
        f"filtered by the selector: {result.filtered}    "
        f"skipped (empty identifier or blueprint): {result.skipped}"
    )
    if result.misconfigured:
        console.print("[yellow]fields that came out null (missing data or a mistaken expression):[/yellow]")
        for path, expression in result.misconfigured.items():
            console.print(f"  {path}: {expression}", markup=False, highlight=False)
    for title, problems, style in (
        ("errors", result.errors, "red"),
        ("skipped items", result.warnings, "yellow"),
    ):
        if problems:
            console.print(f"[{style}]{title}:[/{style}]")
            for problem in problems:
                where = f"item {problem.index}" + (
                    f"[{problem.element}]" if problem.element is not None else ""
                )
                console.print(f"  {where}: {problem.message}", markup=False, highlight=False)
