"""Misconfiguration fails fast: one clear message, a non-zero exit, nothing started or written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

OCEAN = Path(sys.executable).with_name("ocean")
FAKE = Path(__file__).parents[2] / "integrations" / "fake"


def ocean(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OCEAN__")} | env
    return subprocess.run(
        [str(OCEAN), *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def assert_one_clear_error(done: subprocess.CompletedProcess[str], message: str) -> None:
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.splitlines() == [f"error: {message}"]
    assert "Traceback" not in done.stdout + done.stderr


@pytest.fixture
def fake(tmp_path: Path) -> Path:
    copy = tmp_path / "fake"
    shutil.copytree(FAKE, copy, ignore=shutil.ignore_patterns(".ocean", "__pycache__", "tests"))
    return copy


def test_half_set_port_credentials_stop_sail_before_anything_is_written(fake: Path, tmp_path: Path) -> None:
    # Before: the misspelt secret was ignored and the run synced into a throwaway local catalog, exit 0.
    done = ocean(
        "sail", str(fake), "--once", cwd=tmp_path, OCEAN__PORT__CLIENT_ID="abc", OCEAN__PORT__CLIENT_SECRT="x"
    )

    assert_one_clear_error(
        done,
        "OCEAN__PORT__CLIENT_ID is set (in the environment) but OCEAN__PORT__CLIENT_SECRET is not "
        "(OCEAN__PORT__CLIENT_SECRT is set: a misspelling?) — set both to sail to Port, or neither to "
        "sail into the local harbor",
    )
    assert not (fake / ".ocean").exists()


@pytest.mark.parametrize("port", ["65536", "-1", "100000"])
def test_an_out_of_range_port_is_refused(fake: Path, tmp_path: Path, port: str) -> None:
    message = f"--port {port}: not a TCP port — use 1-65535, or 0 for any free port"

    assert_one_clear_error(ocean("sail", str(fake), "--port", port, cwd=tmp_path), message)
    assert_one_clear_error(ocean("harbor", "--port", port, "--db", "h.db", cwd=tmp_path), message)
    assert not (tmp_path / "h.db").exists()


def test_harbor_db_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    done = ocean("harbor", "--port", "0", "--db", "missing/catalog.db", cwd=tmp_path)

    assert_one_clear_error(
        done,
        f"--db missing/catalog.db: the folder {tmp_path / 'missing'} does not exist — "
        "create it first or choose another path",
    )
    assert not (tmp_path / "missing").exists()


def test_harbor_db_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "catalogs").mkdir()

    done = ocean("harbor", "--port", "0", "--db", "catalogs", cwd=tmp_path)

    assert_one_clear_error(
        done, f"--db catalogs: that is a folder — give a file name, e.g. {Path('catalogs') / 'harbor.db'}"
    )
