"""``ocean new``: scaffolds an integration from the ``templates/integration`` cookiecutter template.

The target folder is checked before anything is prompted or written, so an existing folder is
one clear error and nothing is touched (the reference asks every question first and then dies
with a cookiecutter traceback).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

# A slug is the folder and distribution name: a valid Python identifier, lowercase.
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
# Kinds appear in YAML, jq-free strings and function names (with - turned into _).
_KIND = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
# A name is written into docstrings, log formats, YAML, JSON and Markdown: these would break one.
_NOT_IN_NAMES = frozenset('"\\{}%`$')
MAX_NAME_LENGTH = 60


def new(
    directory: Annotated[
        Path, typer.Argument(help="Folder to create the integration in (created if missing).")
    ] = Path("."),
    name: Annotated[str | None, typer.Option("--name", help="Integration name, e.g. 'Acme Tickets'.")] = None,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Do not prompt; use defaults (needs --name).")
    ] = False,
    kind: Annotated[
        str | None, typer.Option("--kind", help="The kind of item it syncs, e.g. 'ticket'.")
    ] = None,
    description: Annotated[str | None, typer.Option("--description", help="One-line description.")] = None,
    ocean_from: Annotated[
        str | None,
        typer.Option(
            "--ocean",
            help="Where the project installs Ocean from: 'index', 'wheel' (a copy in its wheels/ "
            "folder), or a path (Ocean's source folder or a .whl). Default: where this Ocean came from.",
        ),
    ] = None,
) -> None:
    """Scaffold a new integration in DIRECTORY/<slug>, ready to validate, sail and test.

    Without a terminal, answers may be piped on stdin, one line per question (name, slug,
    description, kind, author; an empty line keeps the default) — unless --name or --no-input
    is given.
    """
    from ocean_cli.errors import fail, user_errors

    interactive = not no_input and sys.stdin.isatty()
    piped = _piped_answers() if not no_input and not interactive and name is None else {}
    name = piped.pop("name", name)
    if name is None and not interactive:
        raise fail(
            "--name is required when not prompting (--no-input, or stdin is not a terminal and "
            "pipes no answers) — e.g. ocean new . --name 'Acme Tickets' --no-input"
        )
    with user_errors():
        from ocean_cli.ocean_source import resolve_choice

        source, copy_wheel = resolve_choice(ocean_from)
    overrides: dict[str, Any] = {"_ocean_version": source.version}
    if name is not None:
        overrides |= {"name": _literal(_checked_name(name)), "slug": _slug_for(name)}
    for key, value in piped.items():  # answers to the questions after the name
        overrides[key] = _literal(value) if key in ("description", "author") else value
    if "slug" in overrides:
        _check_target_is_free(directory, _checked_slug(overrides["slug"], name or ""))
    kind = overrides.get("kind") or kind
    if kind is not None:
        overrides["kind"] = _checked_kind(kind)
    if description is not None:
        overrides["description"] = _literal(description)

    answers = _answers(overrides, interactive=interactive)
    _checked_name(answers["name"])
    slug = _checked_slug(answers["slug"], answers["name"])
    _checked_kind(answers["kind"])
    _check_target_is_free(directory, slug)  # again: the name or slug may have been typed at a prompt
    project = _render(answers, directory)
    with user_errors():
        _record_ocean_source(project, source, copy_wheel=copy_wheel)
    _print_next_steps(project, answers)
    if source.path is not None and not copy_wheel:
        typer.echo(
            f"\nrequirements-ocean.txt installs Ocean from {source.path}, which only this machine has: for CI"
            " or another machine, run `ocean new` with --ocean wheel (a copy in wheels/) or --ocean index."
        )


def _literal(text: str) -> str:
    """Protects user text from cookiecutter, which renders every context value as Jinja.

    Without it a description such as ``Uses {{ braces }}`` would fail or be rewritten. The text
    becomes a Jinja string literal (JSON's escapes are Jinja's), so no text can end it early.
    """
    return "{{ " + json.dumps(text, ensure_ascii=False) + " }}"


def _piped_answers() -> dict[str, str]:
    """Answers piped on stdin, one line per question of the template, in order; blank lines skipped."""
    keys = [key for key in _template_questions()]
    lines = sys.stdin.read().splitlines()
    return {key: line.strip() for key, line in zip(keys, lines, strict=False) if line.strip()}


def _template_questions() -> list[str]:
    """The questions cookiecutter asks, in order (its ``cookiecutter.json`` keys without ``_``)."""
    with _template_dir() as template:
        questions = json.loads((template / "cookiecutter.json").read_text(encoding="utf-8"))
    return [key for key in questions if not key.startswith("_")]


def _checked_name(name: str) -> str:
    """Refuses a name that cannot be a title, a folder, a package and a Kubernetes name at once."""
    from ocean_cli.errors import fail

    if "\\" in name or not name.isprintable():
        raise fail(f"--name {name!r} contains a backslash or a control character — use plain text")
    if len(name) > MAX_NAME_LENGTH:
        raise fail(
            f"--name is {len(name)} characters long — keep it to {MAX_NAME_LENGTH} (it names the folder, "
            "the Python package, the blueprint and the Kubernetes resources)"
        )
    bad = sorted(set(name) & _NOT_IN_NAMES)
    if bad:
        raise fail(f"--name {name!r} contains {' '.join(bad)} — leave out {' '.join(sorted(_NOT_IN_NAMES))}")
    return name


def _slug_for(name: str) -> str:
    _checked_name(name)
    from slugify import slugify  # python-slugify, the same function cookiecutter's `slugify` filter uses

    return _checked_slug(slugify(name, separator="_"), name)


def _checked_slug(slug: str, name: str) -> str:
    from ocean_cli.errors import fail

    if not _SLUG.match(slug):
        raise fail(
            f"name {name!r} gives the folder name {slug!r}, which is not a valid Python name — "
            "choose a --name that starts with a letter (letters, digits, spaces, - and _)"
        )
    return slug


def _checked_kind(kind: str) -> str:
    from ocean_cli.errors import fail

    if not _KIND.match(kind):
        raise fail(
            f"--kind {kind!r} is not a valid kind — up to 40 lowercase letters, digits, - and _, "
            "starting with a letter (e.g. --kind ticket)"
        )
    return kind


def _check_target_is_free(directory: Path, slug: str) -> None:
    from ocean_cli.errors import fail

    target = directory.resolve() / slug
    if target.exists():
        raise fail(f"{target} already exists — choose another --name or remove it")


def _record_ocean_source(project: Path, source: Any, *, copy_wheel: bool) -> None:
    """Writes ``requirements-ocean.txt`` (and with ``copy_wheel`` a wheel into ``wheels/``)."""
    from ocean_cli.ocean_source import REQUIREMENTS_FILE, WHEELS_DIR, build_wheels, requirements_text

    wheel_name = None
    if copy_wheel:
        wheel_name = build_wheels(project / WHEELS_DIR, source=source)[0].name
    (project / REQUIREMENTS_FILE).write_text(
        requirements_text(source, wheel_name=wheel_name), encoding="utf-8"
    )


def _answers(overrides: dict[str, Any], *, interactive: bool) -> dict[str, Any]:
    """Cookiecutter's context for the template: its own prompts when interactive, else defaults."""
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config
    from jinja2 import TemplateError

    from ocean_cli.errors import fail

    with _template_dir() as template:
        try:
            context = generate_context(str(template / "cookiecutter.json"), extra_context=overrides)
            return dict(prompt_for_config(context, no_input=not interactive))
        except (CookiecutterException, TemplateError) as exc:
            raise fail(f"could not fill in the integration template: {exc}") from None


def _render(answers: dict[str, Any], directory: Path) -> Path:
    """Renders the template into ``directory/<slug>``; on failure leaves nothing behind."""
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.generate import generate_files
    from jinja2 import TemplateError

    from ocean_cli.errors import fail

    created_dir = not directory.exists()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(f"cannot create {directory}: {exc.strerror} — choose another DIR") from None
    with _template_dir() as template:
        try:
            project = generate_files(
                repo_dir=str(template),
                context={"cookiecutter": answers},
                output_dir=str(directory),
                accept_hooks=False,
            )
        except (CookiecutterException, TemplateError, OSError) as exc:
            if created_dir and not any(directory.iterdir()):
                directory.rmdir()
            raise fail(f"could not render the integration template into {directory}: {exc}") from None
    return Path(project)


def _template_dir() -> Any:
    """Context manager yielding the template folder as a real path (works from a wheel too)."""
    from importlib.resources import as_file, files

    return as_file(files("ocean_templates") / "integration")


def _print_next_steps(project: Path, answers: dict[str, Any]) -> None:
    try:
        shown = os.path.relpath(project)
    except ValueError:  # another drive on Windows
        shown = str(project)
    if shown.startswith(".."):
        shown = str(project)
    typer.secho(f"Created {answers['name']} in {shown}", fg=typer.colors.GREEN, bold=True)
    steps = [
        (f"ocean validate {shown}", "check spec.yaml, blueprints and the mapping"),
        (f"ocean sail {shown} --once", "sync once into a built-in local Port (no account needed)"),
        (f"pytest {shown}", "run its resync test against a local Port"),
    ]
    width = max(len(command) for command, _ in steps) + 3
    typer.echo("\nNext steps:")
    for command, why in steps:
        typer.echo(f"  {command.ljust(width)}{why}")
    typer.echo(
        f"\nInstall it in its own environment (README.md → Install):\n  cd {shown} && python3 -m venv .venv"
        " && .venv/bin/pip install -r requirements-ocean.txt -e '.[test]'"
    )
    typer.echo(
        f"\nThen make it yours: replace {shown}/client.py with calls to the real API and adapt"
        f" the mapping of kind {answers['kind']!r} in .port/resources/port-app-config.yml."
    )
