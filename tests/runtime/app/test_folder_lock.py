"""``FolderLock``: one holder per integration folder, refused clearly, released with its holder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ocean_runtime.app.folder_lock import FolderLock, lock_for
from ocean_runtime.config import OceanSettings
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


def test_only_runs_keeping_state_in_the_folder_take_the_lock(tmp_path: Path) -> None:
    integration = {"identifier": "my-fake", "type": "fake"}
    credentials = {"client_id": "id", "client_secret": "secret"}
    local_harbor = OceanSettings(integration=integration)
    local_journal = OceanSettings(integration=integration, port=credentials)
    kafka_replica = OceanSettings(integration=integration, port=credentials, live_events={"backend": "kafka"})

    assert isinstance(lock_for(tmp_path, local_harbor), FolderLock)
    assert isinstance(lock_for(tmp_path, local_journal), FolderLock)
    # Replicas sharing the work through Kafka keep nothing in the folder: several may run.
    assert not isinstance(lock_for(tmp_path, kafka_replica), FolderLock)
