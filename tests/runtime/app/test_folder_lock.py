"""``FolderLock``: one holder per integration folder, refused clearly, released with its holder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ocean_runtime.app.folder_lock import FolderLock
from ocean_runtime.errors import UserInputError


def test_a_held_folder_is_refused_naming_the_holder_and_free_again_after_release(tmp_path: Path) -> None:
    with FolderLock(tmp_path):
        with pytest.raises(UserInputError) as refused:
            FolderLock(tmp_path).acquire()
        assert f"(process {os.getpid()}) is already running" in str(refused.value)
        assert str(tmp_path.resolve()) in str(refused.value)

    with FolderLock(tmp_path) as again:  # released: free for the next run
        assert again.path.read_text() == f"{os.getpid()}\n"


def test_a_folder_whose_state_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / ".ocean").write_text("not a folder")

    with pytest.raises(UserInputError, match=r"cannot create the lock file .*sail\.lock.*writable folder"):
        FolderLock(tmp_path).acquire()
