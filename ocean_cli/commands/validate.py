"""``ocean validate``: checks an integration folder before it runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ocean_runtime.validation import Finding


def validate(
    directory: Annotated[
        Path, typer.Argument(help="Integration folder (or a folder holding .port/).")
    ] = Path("."),
    output_format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
) -> None:
    """Check spec.yaml, blueprints.json, port-app-config.yml and configuration values of an integration."""
    from ocean_cli.errors import fail, user_errors

    if output_format not in ("text", "json"):
        raise fail(f"--format must be text or json, got {output_format!r}")
    with user_errors():
        from ocean_runtime.app.loader import load_config_class
        from ocean_runtime.validation import validate_integration_dir

        findings = validate_integration_dir(directory, strict=strict, config_class_loader=load_config_class)
    if output_format == "json":
        import json

        typer.echo(json.dumps([finding.to_dict() for finding in findings], indent=2))
    else:
        _print_text(findings, strict=strict)
    errors = sum(finding.severity == "error" for finding in findings)
    if errors or (strict and findings):
        raise typer.Exit(1)


def _print_text(findings: list[Finding], *, strict: bool) -> None:
    for finding in findings:
        where = finding.file + (f":{finding.line}" if finding.line else "")
        columns = [where, finding.location, finding.message] if finding.location else [where, finding.message]
        color = typer.colors.RED if finding.severity == "error" else typer.colors.YELLOW
        typer.echo(typer.style(f"{finding.severity:<7}", fg=color) + "  " + "  ".join(columns))
    errors = sum(finding.severity == "error" for finding in findings)
    warnings = len(findings) - errors
    if errors or (strict and warnings):
        summary = (
            f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
        )
        typer.secho(summary + (" (--strict)" if strict and not errors else ""), fg=typer.colors.RED)
    elif warnings:
        typer.secho(f"✓ valid ({warnings} warning{'s' if warnings != 1 else ''})", fg=typer.colors.GREEN)
    else:
        typer.secho("✓ valid", fg=typer.colors.GREEN)
