"""A running ``ocean sail`` of a published integration (the corpus venv), and its output.

``sail(folder, env, cwd)`` starts ``ocean sail DIR --port 0`` with the corpus venv's ``ocean``;
``Listening.wait_for(pattern)`` reads its output (in a thread) until a line matches;
``Listening.stop()`` ends it (SIGTERM, then SIGKILL after 30 s).
"""

from __future__ import annotations

import queue
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.compat.corpus.environment import corpus_python

WAIT_SECONDS = 120.0


class Listening:
    """A running ``ocean sail`` and its output, read in a thread."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert process.stdout is not None
        stream = process.stdout
        threading.Thread(target=lambda: [self.lines.put(line) for line in stream], daemon=True).start()

    def wait_for(self, pattern: str) -> re.Match[str]:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if match := re.search(pattern, line):
                return match
        pytest.fail(f"no line matching {pattern!r}; output:\n{self.output()[-6000:]}")

    def output(self) -> str:
        """Everything printed so far (the lines not yet read included)."""
        while True:
            try:
                self.seen.append(self.lines.get_nowait())
            except queue.Empty:
                return "".join(self.seen)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def sail(folder: Path, env: dict[str, str], cwd: Path) -> Listening:
    """``ocean sail folder --port 0`` in the corpus venv, with exactly ``env``."""
    process = subprocess.Popen(
        [str(corpus_python().with_name("ocean")), "sail", str(folder), "--port", "0"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    return Listening(process)
