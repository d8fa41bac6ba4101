"""Running jq within a time and memory budget: a worker process the mapping can kill.

The ``jq`` library runs in C; nothing in this process can interrupt it, bound its memory or
survive its abort. Expressions the native evaluator cannot take (``native.py`` is bounded by
construction, and so are its rare fallbacks to jq) therefore run in a worker process
(``jq_worker.py``) with its address space capped and a deadline per call; on a breach the
worker is killed, the call fails with ``JqBudgetError`` and the next call starts a new worker.

A ``JqSandbox`` is owned by whoever maps (a resync, ``ocean map``, a mapper on its own) and
closed by it; its worker starts on first use, so a mapping that never needs jq costs nothing.
Ctrl-C while waiting kills the worker and lets ``KeyboardInterrupt`` through.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ocean_runtime.config.settings import JQ_MEMORY_MB, JQ_TIMEOUT_SECONDS
from ocean_runtime.errors import OceanError, UserInputError
from ocean_runtime.mapping import jq_worker
from ocean_runtime.mapping.jq_expr import NoOutput
from ocean_runtime.mapping.plain import make_json_compatible

WORKER = Path(jq_worker.__file__)
_NOT_JSON_SERIALIZABLE = re.compile(r"not\s+JSON\s+serializable", re.IGNORECASE)
TIMEOUT_VARIABLE = "OCEAN__JQ__TIMEOUT_SECONDS"
MEMORY_VARIABLE = "OCEAN__JQ__MEMORY_MB"
_MB = 1024 * 1024


@dataclass(frozen=True)
class JqLimits:
    """The budget of one jq evaluation.

    Attributes:
        timeout_seconds: wall time of one call into jq (a batch of at most ``BATCH_ITEMS``
            items, or one item).
        memory_mb: memory jq may use beyond what the worker needs to start.
    """

    timeout_seconds: float = JQ_TIMEOUT_SECONDS
    memory_mb: int = JQ_MEMORY_MB

    @property
    def max_result_bytes(self) -> int:
        """Largest result (pickled) a call may hand back: an entity is at most 1 MiB anyway."""
        return max(self.memory_mb * _MB // 16, _MB)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> JqLimits:
        """The limits set by ``OCEAN__JQ__TIMEOUT_SECONDS`` / ``OCEAN__JQ__MEMORY_MB`` (or defaults).

        Raises:
            UserInputError: a value is not a positive number.
        """
        environ = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            timeout_seconds=_positive(environ, TIMEOUT_VARIABLE, float, defaults.timeout_seconds),
            memory_mb=int(_positive(environ, MEMORY_VARIABLE, int, defaults.memory_mb)),
        )


def _positive(environ: Mapping[str, str], name: str, kind: type[float] | type[int], default: float) -> float:
    text = environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = kind(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise UserInputError(
            f"{name}={text!r} is not a positive {'whole ' if kind is int else ''}number",
            fix=f"unset it to use the default ({default:g}) or set e.g. {name}={default:g}",
        )
    return value


class JqBudgetError(OceanError):
    """A jq evaluation went over its time or memory budget, or made jq crash.

    Attributes:
        reason: what happened, e.g. ``took longer than 10 s, its time budget (OCEAN__JQ__TIMEOUT_SECONDS)``.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class JqSandboxClosed(OceanError):
    """The sandbox was closed while a call was waiting (the run is being stopped)."""


class JqSandbox:
    """Runs jq programs in a worker process, one call at a time, within ``limits``.

    Args:
        limits: the budget of each call (default: ``JqLimits.from_environ()``).
    """

    def __init__(self, limits: JqLimits | None = None) -> None:
        self.limits = limits or JqLimits.from_environ()
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._closed = False
        self.calls = 0

    def first_output(self, program: str, data: Any, *, convert: bool = True) -> Any:
        """The first output of ``program`` on ``data``, as ``jq_expr.first_output`` gives it.

        Args:
            program: jq program text.
            data: its input.
            convert: retry input jq cannot serialise (dates, ...) after ``make_json_compatible``,
                as the reference does; with False such input raises ``TypeError``.

        Raises:
            NoOutput: the program produced nothing.
            ValueError: jq raised an error (the message is jq's) or the program does not compile.
            TypeError: ``data`` is not JSON-serialisable and ``convert`` is False.
            JqBudgetError: the call went over its budget or jq crashed.
            JqSandboxClosed: the sandbox was closed meanwhile.
        """
        try:
            text = json.dumps(data)
        except TypeError as exc:
            if not convert:
                raise
            if not _NOT_JSON_SERIALIZABLE.search(str(exc)):
                raise ValueError(str(exc)) from None
            text = json.dumps(make_json_compatible(data))
        status, payload = self._call(jq_worker.RUN, program.encode("utf-8"), text.encode("utf-8"))
        if status == jq_worker.FIRST:
            return _unpickle(payload)
        if status == jq_worker.NONE:
            raise NoOutput
        if status == jq_worker.ERROR:
            raise ValueError(payload.decode("utf-8", "replace"))
        if status == jq_worker.TOO_LARGE:
            size = int(payload) / _MB
            raise JqBudgetError(f"gave a result of {size:.0f} MB, more than the {self._result_mb} MB allowed")
        raise JqBudgetError(self._memory_reason())

    def check_compiles(self, program: str) -> None:
        """Compiles ``program`` in the worker, within the budget (jq folds constants when compiling).

        Raises:
            ValueError: jq refuses it (the message is jq's).
            JqBudgetError: compiling it went over the budget.
        """
        status, payload = self._call(jq_worker.COMPILE, program.encode("utf-8"), b"")
        if status == jq_worker.ERROR:
            raise ValueError(payload.decode("utf-8", "replace"))
        if status == jq_worker.MEMORY:
            raise JqBudgetError(self._memory_reason())

    @property
    def worker_pid(self) -> int | None:
        """The worker process's id while it runs (for measurements)."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def close(self) -> None:
        """Stops the worker; a call waiting on it raises ``JqSandboxClosed``. Idempotent."""
        self._closed = True
        if self._lock.acquire(blocking=False):
            try:
                self._discard()
            finally:
                self._lock.release()
            return
        process = self._process  # a call is waiting on it: killing it wakes that call up
        if process is not None and process.poll() is None:
            process.kill()

    def __enter__(self) -> JqSandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the worker --------------------------------------------------------------------------
    def _call(self, kind: int, program: bytes, data: bytes) -> tuple[int, bytes]:
        with self._lock:
            if self._closed:
                raise JqSandboxClosed("the jq sandbox is closed")
            self.calls += 1
            deadline = time.monotonic() + self.limits.timeout_seconds
            process = self._send(jq_worker.REQUEST.pack(kind, len(program), len(data)) + program + data)
            try:
                header = self._read(process, jq_worker.RESPONSE.size, deadline)
                status, length = jq_worker.RESPONSE.unpack(header)
                return status, self._read(process, length, deadline)
            except BaseException:
                self._discard()  # a timeout, a crash, Ctrl-C: this worker is done
                raise

    def _send(self, request: bytes) -> subprocess.Popen[bytes]:
        for _ in range(2):
            if self._process is None or self._process.poll() is not None:
                self._discard()
                self._start()
            process = self._process
            assert process is not None and process.stdin is not None
            try:
                view = memoryview(request)
                while view:
                    view = view[os.write(process.stdin.fileno(), view) :]
                return process
            except (BrokenPipeError, ConnectionResetError):
                self._discard()  # died while idle: start another one
        raise JqBudgetError("the jq worker process could not be started")

    def _start(self) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _discard
        limits = self.limits
        self._process = subprocess.Popen(
            [sys.executable, "-P", str(WORKER), str(limits.memory_mb * _MB), str(limits.max_result_bytes),
             str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            bufsize=0,
            start_new_session=True,  # Ctrl-C reaches this process only; it kills the worker
        )  # fmt: skip

    def _read(self, process: subprocess.Popen[bytes], size: int, deadline: float) -> bytes:
        assert process.stdout is not None
        descriptor = process.stdout.fileno()
        chunks: list[bytes] = []
        while size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                budget = self.limits.timeout_seconds
                raise JqBudgetError(f"took longer than {budget:g} s, its time budget ({TIMEOUT_VARIABLE})")
            try:
                ready, _, _ = select.select([descriptor], [], [], remaining)
                chunk = os.read(descriptor, size) if ready else None
            except (OSError, ValueError):
                chunk = b""
            if chunk is None:
                continue
            if not chunk:
                raise self._death(process)
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _death(self, process: subprocess.Popen[bytes]) -> Exception:
        if self._closed:
            return JqSandboxClosed("the jq sandbox was closed while jq was running")
        code = process.wait()
        stderr = self._stderr_text()
        if "allocate memory" in stderr or code == -signal.SIGKILL:
            return JqBudgetError(self._memory_reason())
        if code == -signal.SIGXCPU:
            return JqBudgetError(f"used more than {jq_worker.CPU_SECONDS_PER_REQUEST} s of CPU")
        name = signal.Signals(-code).name if code < 0 else f"exit code {code}"
        detail = stderr.strip().splitlines()[-1] if stderr.strip() else ""
        return JqBudgetError(
            f"made jq stop ({name}{': ' + detail if detail else ''}) — usually a recursion too deep for "
            f"jq's stack, or more memory than its budget of {self.limits.memory_mb} MB ({MEMORY_VARIABLE})"
        )

    def _memory_reason(self) -> str:
        return f"needed more than {self.limits.memory_mb} MB, its memory budget ({MEMORY_VARIABLE})"

    @property
    def _result_mb(self) -> int:
        return self.limits.max_result_bytes // _MB

    def _stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0, os.SEEK_END)
        self._stderr.seek(max(0, self._stderr.tell() - 4096))
        return self._stderr.read().decode("utf-8", "replace")

    def _discard(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def _unpickle(payload: bytes) -> Any:
    import pickle

    return pickle.loads(payload)  # noqa: S301 - our own worker's answer, plain JSON values
