"""Pointing at the integration's own code when it fails.

When a handler or ``main.py`` raises, the useful line is in the integration's folder, not in
Ocean's machinery between it and the user. These helpers find that frame and describe the
exception in one line: ``main.py:42 in resync_services: ValueError: boom``.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class UserFrame:
    """The innermost stack frame of an exception that lies inside the integration folder.

    Attributes:
        file: path relative to the integration folder (``main.py``).
        line: 1-based line number.
        function: the function name (``<module>`` at import time).
        source: the stripped source line, when available.
    """

    file: str
    line: int
    function: str
    source: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return where if self.function == "<module>" else f"{where} in {self.function}"


def user_frame(exc: BaseException, directory: Path | None) -> UserFrame | None:
    """The innermost frame of ``exc``'s traceback inside ``directory`` (None if there is none).

    A ``SyntaxError`` has no frame of its own in the file; its filename/lineno are used.
    """
    if directory is None:
        return None
    root = directory.resolve()
    if isinstance(exc, SyntaxError) and exc.filename:
        relative = _relative(Path(exc.filename), root)
        if relative is not None:
            return UserFrame(relative, exc.lineno or 0, "<module>", (exc.text or "").strip())
    found: UserFrame | None = None
    for frame in traceback.extract_tb(exc.__traceback__):
        relative = _relative(Path(frame.filename), root)
        if relative is not None:
            found = UserFrame(relative, frame.lineno or 0, frame.name, (frame.line or "").strip())
    return found


def describe_exception(exc: BaseException, directory: Path | None = None) -> str:
    """``main.py:42 in resync_services: ValueError: boom`` (the location only when known)."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    frame = user_frame(exc, directory)
    return f"{frame}: {text}" if frame else text


def _relative(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root).as_posix()
    except (ValueError, OSError):
        return None
