"""One running integration per folder: an OS file lock on ``DIR/.ocean/sail.lock``.

Two ``ocean sail`` on one folder would share its local catalog and its queue of accepted
events, and each would reconcile against the other's writes. The second one refuses to start
and names the folder and the process holding it.

Only runs that keep state in the folder take it (``lock_for``): the embedded harbor (no Port
credentials) or the local live-events journal. Replicas sailing to Port with the ``kafka``
live-events backend share nothing local — running several of them is how Ocean scales — so
they are not held back.

The lock is ``flock`` on an open file, so the kernel releases it when the holder exits however
it ends — a ``kill -9`` leaves no stale lock behind. The file's content (the holder's PID) is
only there to name it in the message; it is never trusted to decide who holds the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

from ocean_runtime.errors import UserInputError

if TYPE_CHECKING:
    from ocean_runtime.config import OceanSettings

LOCK_NAME = "sail.lock"


class FolderLock:
    """Holds the integration folder for this process (a context manager).

    Args:
        directory: the integration folder; the lock file lives in its ``.ocean/``.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory.resolve()
        self.path = self.directory / ".ocean" / LOCK_NAME
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock, or refuse at once.

        Raises:
            UserInputError: another process holds the folder (its PID is named when known), or
                its ``.ocean/`` cannot be written.
        """
        if self._file is not None:
            raise RuntimeError(f"{self.path} is already held by this FolderLock")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # "a+": opening must not truncate the holder's PID before we know we hold the lock.
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        except OSError as exc:
            raise UserInputError(
                f"cannot create the lock file {self.path}: {exc.strerror or exc}",
                location=str(self.directory),
                fix=f"make {self.path.parent} a writable folder (Ocean keeps its local state there)",
            ) from exc
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            raise self._busy(holder) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        """Let the folder go (closing the file drops the lock; the file itself stays)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()

    def _busy(self, holder: str) -> UserInputError:
        who = f"process {holder}" if holder.isdigit() else "another process"
        return UserInputError(
            f"another `ocean sail` ({who}) is already running on this folder",
            location=str(self.directory),
            fix=f"stop it first (it holds {self.path}), or sail a copy of the folder",
        )


def lock_for(directory: Path, settings: OceanSettings | None) -> AbstractContextManager[object]:
    """The folder's ``FolderLock`` when a run with ``settings`` keeps state in it, else a no-op."""
    if settings is not None:
        to_port = bool(settings.port.client_id and settings.port.client_secret)
        if to_port and settings.live_events.backend == "kafka":
            return contextlib.nullcontext()
    return FolderLock(directory)
