"""The doc-check: every shell command in README and the integrations' and benchmarks' READMEs holds.

Each fenced shell block is run here (in a sandbox copy of the repository), or is run verbatim
by ``.ci/run``, or by a named test — the block's ``<!-- doc-check: … -->`` annotation says
which (``doc_blocks.py``). A block that fails here fails with its script and its output.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from doc_blocks import REPO, Block, all_blocks, checked_docs
from doc_runner import INSTALL, make_sandbox, run_block, script
from doc_services import SERVICES

BLOCKS = all_blocks()
CI_RUN = REPO / ".ci" / "run"


def block_id(block: Block) -> str:
    return block.where


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Path, Path]]:
    """One sandbox per doc, shared by its blocks in order (a later block may use an earlier one's files)."""
    made: dict[Path, Path] = {}
    yield made


def sandbox_for(block: Block, sandboxes: dict[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    if block.doc not in sandboxes:
        sandboxes[block.doc] = make_sandbox(tmp_path_factory.mktemp("doc"))
    return sandboxes[block.doc]


def test_every_checked_doc_has_commands() -> None:
    for doc in checked_docs():
        assert any(block.doc == doc for block in BLOCKS), f"{doc}: no shell block found (moved?)"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.mode in ("run", "with")], ids=block_id)
def test_doc_block_runs(
    block: Block, sandboxes: dict[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    sandbox = sandbox_for(block, sandboxes, tmp_path_factory)
    text = "\n".join(block.lines)
    with ExitStack() as stack:
        env: dict[str, str] = {}
        replace: dict[str, str] = {}
        if block.mode == "with":
            assert block.arg in SERVICES, f"{block.where}: no doc-check service {block.arg!r}"
            service = stack.enter_context(SERVICES[block.arg](text))
            env, replace = service.env, service.replace
        done = run_block(block, sandbox, env, replace)
    assert done.returncode == 0, (
        f"{block.where}: the documented commands failed (exit {done.returncode})\n"
        f"--- script ---\n{script(block, replace)}--- output ---\n{done.stdout[-6000:]}"
    )


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.mode == "ci"], ids=block_id)
def test_ci_runs_the_block_verbatim(block: Block) -> None:
    ci = CI_RUN.read_text(encoding="utf-8")
    for command in block.commands:
        assert command in ci, f"{block.where}: .ci/run does not run {command!r} verbatim"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.mode == "test"], ids=block_id)
def test_the_named_test_exists(block: Block) -> None:
    path, _, name = block.arg.partition("::")
    source = REPO / path
    assert source.is_file(), f"{block.where}: no test file {path}"
    assert re.search(rf"^(async )?def {re.escape(name)}\(", source.read_text(), re.M), (
        f"{block.where}: {path} has no test {name}"
    )


def test_ci_runs_the_quickstart_test_command_verbatim() -> None:
    """The install the doc-check leaves out (see ``doc_runner.REWRITES``) is the one CI runs."""
    readme = next(block for block in BLOCKS if block.doc.name == "README.md" and block.doc.parent == REPO)
    installs = [c for c in readme.commands if re.match(INSTALL, c)]
    assert len(installs) == 2, readme.commands
    assert installs[1] in CI_RUN.read_text(encoding="utf-8")


def test_suite_paths_in_the_docs_are_in_the_suite() -> None:
    testpaths = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"][
        "testpaths"
    ]
    for block in BLOCKS:
        for command in block.commands:
            match = re.fullmatch(r"(?:\.venv/bin/)?pytest (\S+)", command)
            if match:
                assert (REPO / match[1]).exists(), f"{block.where}: {match[1]} does not exist"
                assert match[1].split("/")[0] in testpaths, f"{block.where}: {match[1]} is not in testpaths"
