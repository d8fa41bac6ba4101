"""``ocean new``: scaffolds a complete, self-consistent integration, and refuses clearly."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from ocean_cli.main import app

OCEAN = Path(sys.executable).with_name("ocean")
EXPECTED_FILES = {
    ".dockerignore",
    ".env.example",
    ".github/workflows/ocean.yml",
    ".gitignore",
    ".gitlab-ci.yml",
    ".port/resources/blueprints.json",
    ".port/resources/port-app-config.yml",
    ".port/spec.yaml",
    "Dockerfile",
    "README.md",
    "client.py",
    "examples/ticket.json",
    "integration.py",
    "main.py",
    "pyproject.toml",
    "requirements-ocean.txt",
    "tests/test_acme_tickets.py",
}


def ocean_new(*args: str) -> Any:
    return CliRunner().invoke(app, ["new", *args])


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def tickets(tmp_path: Path) -> Path:
    result = ocean_new(str(tmp_path), "--name", "Acme Tickets", "--kind", "ticket", "--no-input")
    assert result.exit_code == 0, result.output
    return tmp_path / "acme_tickets"


def test_renders_every_file_and_prints_next_steps(tmp_path: Path) -> None:
    result = ocean_new(str(tmp_path), "--name", "Acme Tickets", "--kind", "ticket", "--no-input")

    assert result.exit_code == 0, result.output
    project = tmp_path / "acme_tickets"
    assert files_under(project) == EXPECTED_FILES
    assert not list(project.rglob("__pycache__"))
    for step in (f"ocean validate {project}", f"ocean sail {project} --once", f"pytest {project}"):
        assert step in result.output


def test_the_console_script_renders_into_a_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "not" / "there"
    done = subprocess.run(
        [str(OCEAN), "new", str(target), "--name", "Acme Tickets", "--kind", "ticket", "--no-input"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert files_under(target / "acme_tickets") == EXPECTED_FILES
    assert "Next steps" in done.stdout


def test_without_a_terminal_it_does_not_prompt(tmp_path: Path) -> None:
    # No --no-input, but stdin is not a TTY: defaults are used instead of hanging on a prompt.
    done = subprocess.run(
        [str(OCEAN), "new", str(tmp_path), "--name", "Quiet"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "quiet" / "main.py").is_file()


@pytest.mark.parametrize(
    ("name", "slug", "blueprint"),
    [
        ("Acme Tickets", "acme_tickets", "acmeTicketsProject"),
        ("my-tool", "my_tool", "myToolProject"),
        ("GitLab v2", "gitlab_v2", "gitlabV2Project"),
        ("  Odd -- Name!  ", "odd_name", "oddNameProject"),
    ],
)
def test_slug_and_blueprint_come_from_the_name(tmp_path: Path, name: str, slug: str, blueprint: str) -> None:
    result = ocean_new(str(tmp_path), "--name", name, "--no-input")

    assert result.exit_code == 0, result.output
    project = tmp_path / slug
    assert f'name = "{slug}"' in (project / "pyproject.toml").read_text()
    blueprints = json.loads((project / ".port/resources/blueprints.json").read_text())
    assert [bp["identifier"] for bp in blueprints] == [blueprint]


def read_kinds(project: Path) -> dict[str, set[str]]:
    """Every place a kind is named, parsed from the rendered files."""
    spec = yaml.safe_load((project / ".port/spec.yaml").read_text())
    mapping = yaml.safe_load((project / ".port/resources/port-app-config.yml").read_text())
    handler_kinds = {
        decorator.args[0].value
        for node in ast.walk(ast.parse((project / "main.py").read_text()))
        if isinstance(node, ast.AsyncFunctionDef)
        for decorator in node.decorator_list
        if isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "ocean.on_resync"
    }
    literal_kinds = {
        node.slice.value
        for node in ast.walk(ast.parse((project / "integration.py").read_text()))
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "Literal"
    }
    return {
        "spec": {r["kind"] for feature in spec["features"] for r in feature["resources"]},
        "port-app-config": {r["kind"] for r in mapping["resources"]},
        "main.py": handler_kinds,
        "integration.py": literal_kinds,
        "examples": {p.stem for p in (project / "examples").glob("*.json")},
    }


@pytest.mark.parametrize("kind", ["ticket", "merge-request"])
def test_kinds_agree_across_spec_mapping_and_code(tmp_path: Path, kind: str) -> None:
    result = ocean_new(str(tmp_path), "--name", "Acme", "--kind", kind, "--no-input")
    assert result.exit_code == 0, result.output

    kinds = read_kinds(tmp_path / "acme")
    assert kinds == dict.fromkeys(kinds, {kind})


def test_mapping_fits_the_blueprint_and_the_spec(tickets: Path) -> None:
    blueprints = json.loads((tickets / ".port/resources/blueprints.json").read_text())
    mapping = yaml.safe_load((tickets / ".port/resources/port-app-config.yml").read_text())
    spec = yaml.safe_load((tickets / ".port/spec.yaml").read_text())
    (resource,) = mapping["resources"]
    entity = resource["port"]["entity"]["mappings"]
    (blueprint,) = blueprints

    assert entity["blueprint"] == f'"{blueprint["identifier"]}"'
    assert resource["selector"]["query"] == "true"
    assert set(entity["properties"]) <= set(blueprint["schema"]["properties"])
    assert {"url", "status"} <= set(entity["properties"])
    assert blueprint["schema"]["properties"]["status"]["enum"]
    # Every configuration main.py reads exists in the spec (snake_case of its name) with a default,
    # so the integration runs with no settings at all.
    defaults = {c["name"]: c.get("default") for c in spec["configurations"]}
    read = {
        node.slice.value
        for node in ast.walk(ast.parse((tickets / "main.py").read_text()))
        if isinstance(node, ast.Subscript)
        and isinstance(node.slice, ast.Constant)
        and ast.unparse(node.value) in {"config", "ocean.integration_config"}
    }
    snake = {"".join("_" + c.lower() if c.isupper() else c for c in name): name for name in defaults}
    assert read and read <= set(snake)
    assert all(defaults[snake[key]] is not None for key in read)
    assert not [c for c in spec["configurations"] if c["required"]]


def public_names() -> set[str]:
    import ocean_runtime

    return set(ocean_runtime.__all__)


def test_generated_code_compiles_and_imports_only_public_names(tickets: Path) -> None:
    local_modules = {p.stem for p in tickets.glob("*.py")}
    allowed_third_party = {"pydantic"}
    for source in ("main.py", "integration.py", "client.py"):
        tree = ast.parse((tickets / source).read_text(), filename=source)
        compile(tree, source, "exec")
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
                assert not [m for m in modules if m.startswith("ocean_runtime")], source
            elif isinstance(node, ast.ImportFrom) and node.module:
                top = node.module.split(".")[0]
                if top == "ocean_runtime":
                    assert node.module == "ocean_runtime", f"{source} imports {node.module}"
                    assert {a.name for a in node.names} <= public_names(), source
                else:
                    assert top in sys.stdlib_module_names | allowed_third_party | local_modules, source
    test_tree = ast.parse((tickets / "tests/test_acme_tickets.py").read_text())
    runtime_imports = {
        (node.module, alias.name)
        for node in ast.walk(test_tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ocean")
        for alias in node.names
    }
    assert runtime_imports == {("ocean_runtime.testing", "resync")}


def test_existing_folder_is_refused_and_left_untouched(tmp_path: Path) -> None:
    existing = tmp_path / "demo"
    existing.mkdir()
    (existing / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)

    result = ocean_new(str(tmp_path), "--name", "demo", "--no-input")

    assert result.exit_code == 1
    assert f"error: {existing} already exists — choose another --name or remove it" in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(tmp_path) == before


def test_no_input_without_a_name_is_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "fresh"
    result = ocean_new(str(target), "--no-input")

    assert result.exit_code == 1
    assert "--name is required" in result.stderr
    assert not target.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "3D printer"], "not a valid Python name"),
        (["--name", "!!!"], "not a valid Python name"),
        (["--name", "ok", "--kind", "Bad Kind"], "--kind 'Bad Kind' is not a valid kind"),
        (["--name", "back\\slash"], "contains a backslash"),
    ],
)
def test_bad_names_and_kinds_are_refused_before_writing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = ocean_new(str(tmp_path / "out"), *args, "--no-input")

    assert result.exit_code == 1
    assert message in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_file_in_place_of_the_folder_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")

    result = ocean_new(str(blocker), "--name", "demo", "--no-input")

    assert result.exit_code == 1
    assert f"error: cannot create {blocker}" in result.stderr
    assert "Traceback" not in result.output
    assert blocker.read_text() == "x"


def test_user_text_is_not_treated_as_a_template(tmp_path: Path) -> None:
    # Cookiecutter renders every value as Jinja; a description with braces must survive verbatim.
    description = 'Syncs {{ braces }} & "quotes" {% raw %}'
    result = ocean_new(str(tmp_path), "--name", "Braces", "--description", description, "--no-input")

    assert result.exit_code == 0, result.output
    spec = yaml.safe_load((tmp_path / "braces/.port/spec.yaml").read_text())
    assert spec["description"] == description


def test_generated_files_match_the_options(tickets: Path) -> None:
    spec = yaml.safe_load((tickets / ".port/spec.yaml").read_text())
    assert spec["title"] == "Acme Tickets"
    assert spec["description"] == "Syncs Acme Tickets into Port's software catalog."
    pyproject = (tickets / "pyproject.toml").read_text()
    assert 'version = "0.1.0"' in pyproject
    assert '"ocean-sail>=' in pyproject
    assert ".ocean/" in (tickets / ".gitignore").read_text().splitlines()
    dockerfile = (tickets / "Dockerfile").read_text()
    assert "ARG OCEAN_IMAGE=ocean-sail:0.1.0\nFROM ${OCEAN_IMAGE}\n" in dockerfile
    assert dockerfile.rstrip().endswith('CMD ["sail", "."]')
    assert "USER 10001:10001" in dockerfile
    env_names = {
        line.lstrip("# ").split("=")[0]
        for line in (tickets / ".env.example").read_text().splitlines()
        if "=" in line and line.lstrip("# ").startswith("OCEAN__")
    }
    assert {
        "OCEAN__PORT__CLIENT_ID",
        "OCEAN__PORT__CLIENT_SECRET",
        "OCEAN__INTEGRATION__CONFIG__ITEM_COUNT",
    } <= env_names
    # Placeholders only: no line sets a Port credential.
    assert not [
        line for line in (tickets / ".env.example").read_text().splitlines() if line.startswith("OCEAN__PORT")
    ]


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_interactive_prompts_when_stdin_is_a_terminal(tmp_path: Path) -> None:
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: `ocean new` with a terminal on stdin
        os.execv(str(OCEAN), [str(OCEAN), "new", str(tmp_path)])
    answers = iter([b"Jira Cloud\r", b"\r", b"Issues\r", b"issue\r", b"Me\r"])
    transcript = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        transcript += chunk
        if chunk.rstrip().endswith(b":"):  # a prompt waits for its answer
            os.write(fd, next(answers, b"\r"))
    _, status = os.waitpid(pid, 0)

    assert os.waitstatus_to_exitcode(status) == 0, transcript.decode(errors="replace")
    assert b"[1/5]" in transcript
    assert read_kinds(tmp_path / "jira_cloud")["main.py"] == {"issue"}


def run_console_script(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(OCEAN), "new", *args],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_answers_piped_on_stdin_are_used_in_question_order(tmp_path: Path) -> None:
    # name, slug (empty: derived from the name), description, kind, author
    done = run_console_script(str(tmp_path), stdin="Jira Cloud\n\nSyncs issues.\nissue\nAda\n")

    assert done.returncode == 0, done.stderr
    project = tmp_path / "jira_cloud"
    assert read_kinds(project)["main.py"] == {"issue"}
    spec = yaml.safe_load((project / ".port/spec.yaml").read_text())
    assert (spec["title"], spec["description"]) == ("Jira Cloud", "Syncs issues.")
    assert 'authors = [{ name = "Ada" }]' in (project / "pyproject.toml").read_text()


def test_piped_answers_may_stop_early_and_keep_the_defaults(tmp_path: Path) -> None:
    done = run_console_script(str(tmp_path), stdin="Short\n")

    assert done.returncode == 0, done.stderr
    assert read_kinds(tmp_path / "short")["main.py"] == {"project"}


def test_nothing_piped_and_no_name_is_a_clear_error(tmp_path: Path) -> None:
    done = run_console_script(str(tmp_path / "out"), stdin="")

    assert done.returncode == 1
    assert "--name is required when not prompting" in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ('Evil """; import os #', 'contains " — leave out " $ % \\ ` { }'),
        ("x" * 300, "--name is 300 characters long — keep it to 60"),
        ("{% endraw %}{{ 7 * 7 }}", "contains % { }"),
    ],
)
def test_names_that_cannot_be_code_are_refused_before_writing(
    tmp_path: Path, name: str, message: str
) -> None:
    done = run_console_script(str(tmp_path / "out"), "--name", name, "--no-input")

    assert done.returncode == 1, done.stdout
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_punctuation_a_name_may_hold_survives_into_valid_code(tmp_path: Path) -> None:
    name = "O'Brien & Sons (EU) v2.0+"
    result = ocean_new(str(tmp_path), "--name", name, "--no-input")

    assert result.exit_code == 0, result.output
    (project,) = tmp_path.iterdir()
    for source in [*project.glob("*.py"), *project.glob("tests/*.py")]:
        tree = ast.parse(source.read_text())  # still Python, and the name is in its docstring as typed
        assert name in (ast.get_docstring(tree) or ""), source
    assert yaml.safe_load((project / ".port/spec.yaml").read_text())["title"] == name


def test_each_project_gets_its_own_test_module_name(tmp_path: Path) -> None:
    # Two generated projects in one pytest run must not collide ("import file mismatch").
    for name in ("Alpha", "Beta"):
        assert ocean_new(str(tmp_path), "--name", name, "--no-input").exit_code == 0

    assert files_under(tmp_path / "alpha" / "tests") == {"test_alpha.py"}
    assert files_under(tmp_path / "beta" / "tests") == {"test_beta.py"}


def requirement_line(project: Path) -> str:
    lines = (project / "requirements-ocean.txt").read_text().splitlines()
    return "\n".join(line for line in lines if not line.startswith("#"))


def test_the_project_records_where_this_ocean_came_from(tickets: Path) -> None:
    from ocean_cli.ocean_source import installed_source

    source = installed_source()
    assert source.path is not None  # the test suite runs Ocean installed from this clone
    assert requirement_line(tickets) == f"ocean-sail @ {source.path.as_uri()}"


def test_index_source_pins_this_version(tmp_path: Path) -> None:
    result = ocean_new(str(tmp_path), "--name", "Pinned", "--ocean", "index", "--no-input")

    assert result.exit_code == 0, result.output
    assert requirement_line(tmp_path / "pinned") == "ocean-sail==0.1.0"


def test_a_wheel_path_is_recorded_as_is(tmp_path: Path) -> None:
    wheel = tmp_path / "dist" / "ocean_sail-0.1.0-py3-none-any.whl"
    wheel.parent.mkdir()
    wheel.write_bytes(b"")  # only its name and existence matter to `ocean new`
    result = ocean_new(str(tmp_path), "--name", "From Wheel", "--ocean", str(wheel), "--no-input")

    assert result.exit_code == 0, result.output
    assert requirement_line(tmp_path / "from_wheel") == f"ocean-sail @ {wheel.as_uri()}"


def test_an_unknown_source_is_a_clear_error(tmp_path: Path) -> None:
    result = ocean_new(
        str(tmp_path / "out"), "--name", "X", "--ocean", str(tmp_path / "nowhere"), "--no-input"
    )

    assert result.exit_code == 1
    assert "not 'index', 'wheel', an Ocean source folder or an ocean_sail-*.whl file" in result.stderr
    assert not (tmp_path / "out").exists()
