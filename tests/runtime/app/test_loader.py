"""Loading integration folders: from any cwd, config class, user-code errors pointing at the user's line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ocean_runtime.app import load_integration
from ocean_runtime.errors import UserInputError

SPEC = """
configurations:
  - name: apiUrl
    type: url
    required: true
  - name: pageSize
    type: integer
    default: 50
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in {"pyproject.toml": '[project]\nname = "demo"\nversion = "1.2.3"\n', **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def test_loads_from_another_cwd_with_config_class_and_sibling_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write(
        tmp_path / "demo",
        {
            "helpers.py": "PAGE = 'page'\n",
            "integration.py": """
                from pydantic import Field
                from ocean_runtime import PortAppConfig, ResourceConfig

                class DemoConfig(PortAppConfig):
                    resources: list[ResourceConfig] = Field(default_factory=list)
            """,
            "main.py": """
                from helpers import PAGE
                from integration import DemoConfig
                from ocean_runtime import ocean

                CONFIG_CLASS = DemoConfig

                @ocean.on_resync("page")
                async def pages(kind):
                    return [{"id": PAGE}]

                @ocean.on_resync()
                async def anything(kind):
                    return []
            """,
        },
    )
    monkeypatch.chdir(tmp_path.parent)

    app = load_integration(root, environ={})

    assert app.config_class.__name__ == "DemoConfig"
    assert [h.name for h in app.handlers_for("page")] == ["pages", "anything"]
    assert [h.name for h in app.handlers_for("other")] == ["anything"]
    assert app.kinds == ["page"]
    assert app.settings is not None and app.settings.integration.version == "1.2.3"


def test_integration_config_is_validated_and_readable_at_import_time(tmp_path: Path) -> None:
    root = write(
        tmp_path / "demo",
        {
            ".port/spec.yaml": SPEC,
            "main.py": """
                from ocean_runtime import ocean
                URL = ocean.integration_config["api_url"]
                SIZE = ocean.integration_config["page_size"]
            """,
        },
    )

    app = load_integration(root, environ={"OCEAN__INTEGRATION__CONFIG__API_URL": "https://api.example.com"})

    assert app.integration_config == {"api_url": "https://api.example.com", "page_size": 50}


def test_missing_required_config_names_the_variable_before_user_code_runs(tmp_path: Path) -> None:
    root = write(
        tmp_path / "demo", {".port/spec.yaml": SPEC, "main.py": "raise SystemExit('must not run')\n"}
    )

    with pytest.raises(UserInputError, match="OCEAN__INTEGRATION__CONFIG__API_URL"):
        load_integration(root, environ={})


@pytest.mark.parametrize(
    ("main", "expected"),
    [
        ("x = 1\ndef broken(:\n", r"main.py:2: importing main.py failed: SyntaxError"),
        ("import helpers\n", r"helpers.py:3: importing main.py failed: ZeroDivisionError: division by zero"),
        ("import not_installed_pkg\n", r"main.py:1: .*ModuleNotFoundError.*pip install not_installed_pkg"),
        (
            "from ocean_runtime import ocean\n\n@ocean.on_resync('x')\ndef sync_x(kind):\n    return []\n",
            r"main.py:3: @ocean.on_resync\(\.\.\.\) decorates sync_x, which is not an `async def`",
        ),
    ],
)
def test_errors_in_user_code_point_at_the_users_line(tmp_path: Path, main: str, expected: str) -> None:
    root = write(tmp_path / "demo", {"main.py": main, "helpers.py": "a = 1\n\nb = 1 / 0\n"})

    with pytest.raises(UserInputError, match=expected) as caught:
        load_integration(root, environ={})

    assert "ocean_runtime" not in str(caught.value)


def test_a_folder_without_main_py_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="has no main.py"):
        load_integration(write(tmp_path / "demo", {}), environ={})
    with pytest.raises(UserInputError, match="does not exist"):
        load_integration(tmp_path / "nowhere", environ={})


def test_two_port_app_config_classes_are_ambiguous(tmp_path: Path) -> None:
    root = write(
        tmp_path / "demo",
        {
            "main.py": "",
            "integration.py": """
                from ocean_runtime import PortAppConfig
                class A(PortAppConfig): pass
                class B(PortAppConfig): pass
            """,
        },
    )

    with pytest.raises(UserInputError, match=r"several unrelated PortAppConfig subclasses \(A, B\)"):
        load_integration(root, environ={})
