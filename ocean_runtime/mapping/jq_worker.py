"""The jq worker: a child process that runs jq programs for ``jq_sandbox.JqSandbox``.

jq runs in C and cannot be interrupted from Python, and some programs loop forever, allocate
gigabytes or abort the process (``def f: 1 + f; f``). So they run here, in a process of their
own that the parent can kill: the address space is capped (``RLIMIT_AS``: the memory budget
on top of what the worker needs to start), core dumps are off, the CPU time of each request is
capped as a backstop to the parent's deadline, and the worker dies with its parent (Linux).

Run as a script (``python -P jq_worker.py MEMORY_BYTES MAX_RESULT_BYTES PARENT_PID``), it imports only
the standard library and ``jq``. Protocol, over stdin/stdout, one request at a time:

    request   >BII kind, program length, data length; program (UTF-8); data (JSON text)
    response  >BI status, payload length; payload

with the kind ``RUN`` (the first output of the program on the data) or ``COMPILE`` (only
compile it: jq folds constants at compile time, ``"a" * 1000000000`` is a gigabyte already).

with the status one of ``FIRST`` (payload: the pickled first output), ``NONE`` (no output),
``ERROR`` (payload: jq's message), ``TOO_LARGE`` (payload: the result's size), ``MEMORY``
(Python ran out of memory converting the result). A compile error is answered as ``ERROR``.
"""

from __future__ import annotations

import os
import pickle
import resource
import signal
import struct
import sys
from typing import Any

FIRST, NONE, ERROR, TOO_LARGE, MEMORY = range(5)
RUN, COMPILE = range(2)
REQUEST = struct.Struct(">BII")
RESPONSE = struct.Struct(">BI")
CPU_SECONDS_PER_REQUEST = 120  # far above any deadline: only stops an orphan spinning forever
_PR_SET_PDEATHSIG = 1
_PROGRAMS_KEPT = 256


def main(memory_bytes: int, max_result_bytes: int, parent: int) -> None:
    import jq  # imported before the address space is capped

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C (and kills us)
    _die_with_parent(parent)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _cap_address_space(memory_bytes)
    programs: dict[str, Any] = {}
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = stdin.read(REQUEST.size)
        if len(header) < REQUEST.size:
            return  # the parent closed the pipe
        kind, program_length, data_length = REQUEST.unpack(header)
        program_text = stdin.read(program_length).decode("utf-8")
        data = stdin.read(data_length).decode("utf-8")
        _cap_cpu_of_this_request()
        data_or_none = None if kind == COMPILE else data
        status, payload = _run(jq, programs, program_text, data_or_none, max_result_bytes)
        stdout.write(RESPONSE.pack(status, len(payload)) + payload)
        stdout.flush()


def _run(
    jq: Any, programs: dict[str, Any], text: str, data: str | None, max_result_bytes: int
) -> tuple[int, bytes]:
    """Compiles ``text`` (kept for the next requests); runs it on ``data`` unless None."""
    try:
        program = programs.get(text)
        if program is None:
            if len(programs) >= _PROGRAMS_KEPT:
                programs.clear()
            program = programs[text] = jq.compile(text)
        if data is None:
            return NONE, b""
        for value in program.input_text(data):
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            if len(payload) > max_result_bytes:
                return TOO_LARGE, str(len(payload)).encode()
            return FIRST, payload
        return NONE, b""
    except MemoryError:
        return MEMORY, b""
    except ValueError as exc:
        return ERROR, str(exc).encode("utf-8", "replace")


def _cap_address_space(memory_bytes: int) -> None:
    """Room for ``memory_bytes`` more than the worker uses now (Linux: /proc; else best effort)."""
    try:
        with open("/proc/self/statm") as statm:
            current = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        current = 0
    limit = current + memory_bytes
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):  # macOS does not enforce RLIMIT_AS: the data segment then
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _cap_cpu_of_this_request() -> None:
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(used.ru_utime + used.ru_stime) + 1
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    soft = spent + CPU_SECONDS_PER_REQUEST
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies (elsewhere the closed pipe does it)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        sys.exit(0)  # the parent is already gone


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
