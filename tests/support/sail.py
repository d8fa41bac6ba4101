"""A running ``ocean sail`` in a test: wait for what it prints, poll until something happens, stop it.

End-to-end tests start ``ocean sail`` (through the installed entry point) in a subprocess and
follow it by its output: the address it serves on, the end of its start-up resync, a handler's
progress. A thread reads that output line by line, so a test can wait for a line without ever
blocking on the pipe; whatever goes wrong — the line never comes, the process ends, a condition
is never met — the failure carries everything the process printed so far, so a CI log says why.

``launch_sail`` starts one (``ocean_env`` builds its environment, ``copy_fake`` a folder to run);
``Sail`` also wraps a process started elsewhere; ``eventually`` polls a condition. Timeouts only
bound a wait for a diagnosis: no test asserts on wall time.
"""

from __future__ import annotations

import functools
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

OCEAN = str(Path(sys.executable).with_name("ocean"))
FAKE = Path(__file__).resolve().parents[2] / "integrations" / "fake"
WAIT_SECONDS = 120.0
HEALTH_LINE = r"health on (http://127\.0\.0\.1:\d+)/health"
POLL_PAUSE_SECONDS = 0.05


class Sail:
    """A running process (``ocean sail``, usually) whose output a thread reads line by line.

    Attributes:
        process: the process, started with stdout a text pipe (stderr merged into it, ideally
            line-buffered and with ``PYTHONUNBUFFERED=1`` so lines arrive as they are printed).
        wait_seconds: how long ``wait_for`` waits for a line by default.
        seen: the lines read so far (by ``wait_for`` and ``output``), in order.
    """

    def __init__(self, process: subprocess.Popen[str], wait_seconds: float = WAIT_SECONDS) -> None:
        assert process.stdout is not None, "start the process with stdout=subprocess.PIPE"
        self.process = process
        self.wait_seconds = wait_seconds
        self.seen: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()  # None: the output has ended
        self._ended = False
        self._reader = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        try:
            for line in stream:
                self._lines.put(line)
        except (OSError, ValueError):  # the pipe was closed under the reader: the output is over
            pass
        self._lines.put(None)

    def wait_for(self, pattern: str, timeout: float | None = None) -> re.Match[str]:
        """The first line not read yet that matches the regular expression ``pattern``.

        Fails the test, with the output so far, when the process's output ends or ``timeout``
        seconds (``wait_seconds`` by default) pass without such a line.
        """
        seconds = self.wait_seconds if timeout is None else timeout
        deadline = time.monotonic() + seconds
        while (line := self._next_line(deadline)) is not None:
            if match := re.search(pattern, line):
                return match
        why = "the process ended" if self._ended else f"not within {seconds:g} s"
        pytest.fail(f"no line matching {pattern!r} ({why}); output so far:\n{self.output()}")

    def _next_line(self, deadline: float) -> str | None:
        """The next line (kept in ``seen``); None at the end of the output or past ``deadline``."""
        if self._ended:
            return None
        try:
            line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None
        if line is None:
            self._ended = True
        else:
            self.seen.append(line)
        return line

    def output(self) -> str:
        """Everything the process has printed so far (the lines no wait has read included)."""
        while not self._ended:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                break
            if line is None:
                self._ended = True
            else:
                self.seen.append(line)
        return "".join(self.seen)

    def stop(self, how: signal.Signals = signal.SIGTERM, timeout: float = 30) -> int:
        """Ends the process: ``how`` (if it still runs), SIGKILL after ``timeout`` s; its exit code.

        Everything it printed stays readable with ``output()``.
        """
        if self.process.poll() is None:
            self.process.send_signal(how)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self._reader.join(timeout=5)  # a child of the process may still hold the pipe open
        if not self._reader.is_alive() and self.process.stdout is not None:
            self.process.stdout.close()
        return code

    @functools.cached_property
    def url(self) -> str:
        """The address ``ocean sail`` serves on; the first use waits for the line that prints it."""
        return self.wait_for(HEALTH_LINE).group(1)

    def metric(self, name: str, **labels: str) -> float:
        """The value of one sample of the process's ``/metrics`` (0 when it has none yet)."""
        text = httpx.get(self.url + "/metrics", timeout=30).text
        wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
        sample = f"{name}{{{wanted}}} " if labels else f"{name} "
        for line in text.splitlines():
            if line.startswith(sample):
                return float(line.rsplit(" ", 1)[1])
        return 0.0


def ocean_env(harbor: Any = None, **settings: str) -> dict[str, str]:
    """This process's environment without the developer's ``OCEAN__*`` settings, for a child.

    Adds ``PYTHONUNBUFFERED=1`` (lines arrive as printed), the harbor's address and credentials
    when ``harbor`` (a running harbor) is given, then ``settings``.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("OCEAN__")}
    env["PYTHONUNBUFFERED"] = "1"
    if harbor is not None:
        env.update(
            OCEAN__PORT__BASE_URL=harbor.url,
            OCEAN__PORT__CLIENT_ID=harbor.client_id,
            OCEAN__PORT__CLIENT_SECRET=harbor.client_secret,
        )
    env.update(settings)
    return env


def launch_sail(
    folder: Path,
    env: Mapping[str, str],
    cwd: Path,
    *,
    ocean: str = OCEAN,
    wait_seconds: float = WAIT_SECONDS,
) -> Sail:
    """``ocean sail FOLDER --port 0`` from ``cwd`` with exactly ``env``; stderr merged into stdout.

    ``ocean``: the console script to run (another virtual environment's, for instance).
    """
    process = subprocess.Popen(
        [ocean, "sail", str(folder), "--port", "0"],
        cwd=cwd, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
    )  # fmt: skip
    return Sail(process, wait_seconds)


def copy_fake(destination: Path) -> Path:
    """A copy of ``integrations/fake`` at ``destination`` (without its local state or tests)."""
    ignore = shutil.ignore_patterns(".ocean", "__pycache__", ".mypy_cache", "tests")
    return Path(shutil.copytree(FAKE, destination, ignore=ignore))


def eventually(
    check: Callable[[], object], what: str, sail: Sail | None = None, timeout: float = WAIT_SECONDS
) -> None:
    """Polls ``check()`` until it is true; fails naming ``what`` if ``timeout`` s pass first.

    With ``sail`` (the process that should make it happen), its output goes into the failure,
    and the process ending fails the wait at once (nothing will happen any more).
    """
    deadline = time.monotonic() + timeout
    while not check():
        ended = sail is not None and sail.process.poll() is not None
        if ended or time.monotonic() > deadline:
            why = "the process ended" if ended else f"not within {timeout:g} s"
            details = f"; output so far:\n{sail.output()}" if sail is not None else ""
            pytest.fail(f"never happened: {what} ({why}){details}")
        time.sleep(POLL_PAUSE_SECONDS)
