"""How integration code is imported: the folder's modules first, config classes from any module,
modules provided by installed packages last, and nothing left on ``sys.path``."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from ocean_runtime.app import load_integration
from ocean_runtime.app.imports import ProvidedModules
from ocean_runtime.app.loader import load_config_class


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in {"pyproject.toml": '[project]\nname = "demo"\nversion = "1.0.0"\n', **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


OVERRIDES = """
    from pydantic import Field
    from ocean_runtime import PortAppConfig, ResourceConfig, Selector

    class TeamSelector(Selector):
        include_members: bool = Field(False, alias="includeMembers")

    class ImportedConfig(PortAppConfig):
        pass
"""


def test_the_config_class_may_be_imported_from_another_module(tmp_path: Path) -> None:
    root = write(
        tmp_path / "jira_like",
        {
            "models/__init__.py": "",
            "models/overrides.py": OVERRIDES,
            "integration.py": "from models.overrides import ImportedConfig\n",
            "main.py": "from ocean_runtime import ocean\n",
        },
    )
    app = load_integration(root)
    assert app.config_class.__name__ == "ImportedConfig"
    assert load_config_class(root) is not None
    assert load_config_class(root).__name__ == "ImportedConfig"  # type: ignore[union-attr]


def test_no_lasting_sys_path_entry_and_lazy_imports_work_while_the_app_is_active(tmp_path: Path) -> None:
    root = write(
        tmp_path / "lazy",
        {
            "late_helper.py": "VALUE = 'from the folder'\n",
            "main.py": """
                from ocean_runtime import ocean

                @ocean.on_resync("thing")
                async def things(kind):
                    import late_helper  # imported only when the handler runs
                    return [{"id": late_helper.VALUE}]
            """,
        },
    )
    before = list(sys.path)
    app = load_integration(root)
    assert str(root) not in sys.path
    assert sys.path == before
    sys.modules.pop("late_helper", None)
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("late_helper")  # no app active: the folder is not importable
    with app.activated():
        assert importlib.import_module("late_helper").VALUE == "from the folder"


def test_two_folders_with_a_module_of_the_same_name_each_get_their_own(tmp_path: Path) -> None:
    apps = []
    for name in ("one", "two"):
        root = write(
            tmp_path / name,
            {
                "client.py": f"NAME = {name!r}\n",
                "main.py": """
                    from client import NAME
                    from ocean_runtime import ocean

                    @ocean.on_resync("x")
                    async def x(kind):
                        return [{"id": NAME}]
                """,
            },
        )
        apps.append(load_integration(root))
    names = [app.handlers_for("x")[0].function.__globals__["NAME"] for app in apps]
    assert names == ["one", "two"]


def test_a_provider_entry_point_supplies_a_missing_top_level_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package declaring ``ocean_runtime.module_providers`` is asked only for its own, missing name."""
    site = tmp_path / "site"
    provider = site / "demo_provider.py"
    provider.parent.mkdir(parents=True)
    provider.write_text(
        textwrap.dedent(
            """
            import importlib.abc, importlib.machinery, importlib.util

            class _Loader(importlib.abc.Loader):
                def create_module(self, spec):
                    return None
                def exec_module(self, module):
                    module.ANSWER = 42

            class _Finder(importlib.abc.MetaPathFinder):
                def find_spec(self, fullname, path=None, target=None):
                    if fullname == "provided_framework":
                        return importlib.util.spec_from_loader(fullname, _Loader())
                    return None

            def provide():
                return _Finder()
            """
        )
    )
    dist = site / "demo_provider-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-provider\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[ocean_runtime.module_providers]\nprovided_framework = demo_provider:provide\n"
    )
    monkeypatch.syspath_prepend(str(site))
    finder = ProvidedModules()
    spec = finder.find_spec("provided_framework")
    assert spec is not None and spec.name == "provided_framework"
    assert finder.find_spec("not_provided_anywhere") is None
    assert finder.find_spec("provided_framework.sub") is None  # the provider's own answer
