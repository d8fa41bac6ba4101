"""Runs a doc block as a bash script in a sandbox copy of the repository.

The sandbox is a fresh copy of the checked-out files (so ``integrations/fake/.ocean`` and the
like start empty and the real checkout is never written), whose ``.venv`` is the virtual
environment running the tests. Each change made to a command is one entry of ``REWRITES``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from doc_blocks import REPO, Block, strip_comment

BLOCK_TIMEOUT_SECONDS = 240
BENCH_ITEMS = 300  # benchmark data sizes are cut to this many items


@dataclass(frozen=True)
class Rewrite:
    """One change the doc-check makes to a command before running it, and why."""

    name: str
    why: str
    apply: Callable[[str], str]


def _sub(pattern: str, replacement: str | Callable[[re.Match[str]], str]) -> Callable[[str], str]:
    return lambda command: re.sub(pattern, replacement, command)


def _cap_items(match: re.Match[str]) -> str:
    return f"{match[1]}{min(int(match[2]), BENCH_ITEMS)}"


def _no_reference(command: str) -> str:
    return command + " --no-reference" if re.search(r"benchmarks/bench_\w+\.py", command) else command


INSTALL = r"python3 -m venv \.venv && \.venv/bin/pip install [^&]*?"
REWRITES = [
    Rewrite(
        "install",
        "the sandbox's .venv is the running test environment: installing into it would re-point it; "
        "CI runs README's install verbatim (test_ci_runs_the_quickstart_test_command_verbatim)",
        _sub(rf"^{INSTALL}(?:&& |$)", ""),
    ),
    Rewrite(
        "test suite",
        "`pytest` of the suite or of a folder in its testpaths: CI runs the whole suite (.ci/run), "
        "running it again inside itself would recurse",
        _sub(r"^(?:\.venv/bin/)?pytest(?: (?:tests|integrations)(?:/\S*)?)?$", ": covered by the suite"),
    ),
    Rewrite("tmp", "parallel runs must not share /tmp paths", _sub(r"(?<![\w.])/tmp/", "$DOC_TMP/")),
    Rewrite("port", "tests never bind a fixed port: 8000 becomes a free one", _sub(r"\b8000\b", "$DOC_PORT")),
    Rewrite(
        "default port",
        "a server started on its default port may collide with another on a shared machine: "
        "it gets a free --port",
        lambda c: c + " --port $DOC_PORT" if _server(c) and not re.search(r" (--port|-p) ", c + " ") else c,
    ),
    Rewrite(
        "benchmark sizes",
        f"benchmarks are not timed here: data files get at most {BENCH_ITEMS} items, one repetition",
        lambda c: re.sub(r"(--repeat )\d+", r"\g<1>1", re.sub(r"(gen_data\.py )(\d+)", _cap_items, c)),
    ),
    Rewrite(
        "benchmark scaling sizes",
        "the RSS scaling run on two small sizes",
        _sub(r"--rss-scaling \d+,\d+", f"--rss-scaling {BENCH_ITEMS // 2},{BENCH_ITEMS}"),
    ),
    Rewrite(
        "no reference",
        "the reference framework takes minutes per benchmark; its side is exercised by tests/benchmarks",
        _no_reference,
    ),
]

PRELUDE = """\
set -euo pipefail
trap 'jobs -p | xargs -r kill 2>/dev/null || true' EXIT
wait_for() {  # TEXT LOG: wait until a background command printed TEXT
  for _ in $(seq 1200); do grep -qF -- "$1" "$2" && return 0; sleep 0.1; done
  echo "doc-check: never saw '$1':"; cat "$2"; return 1
}
expect() {  # TEXT OUTPUT: the documented output is there
  grep -qF -- "$1" <<<"$2" || { echo "doc-check: expected '$1' in the output above"; return 1; }
}
"""
WAIT_FOR = re.compile(r'#\s*wait for "([^"]+)"')
EXPECTED_HTTP = re.compile(r"^#\s*(HTTP/1\.1 \d{3})")


# A server documented in the foreground runs until Ctrl-C: the doc-check starts it, waits for the
# line it prints once it serves, checks it is still up, and stops it.
SERVERS = {"harbor": "Press Ctrl-C to stop.", "sail": "Listening ("}
SERVER = re.compile(r"(?:^|[\s/])ocean (harbor|sail)\b(?!.*(?:--once|-O\b))")


def _server(command: str) -> str:
    """The text a long-running ``ocean`` server prints once it serves, or "" for other commands."""
    match = SERVER.search(command)
    return SERVERS[match[1]] if match else ""


def rewrite(command: str) -> str:
    """``command`` after every rewrite."""
    for item in REWRITES:
        command = item.apply(command)
    return command


def script(block: Block, replace: dict[str, str] | None = None) -> str:
    """The bash script the doc-check runs for ``block``."""
    lines = [PRELUDE]
    units = _units(block)
    for number, (code, comment, expected) in enumerate(units):
        code = rewrite(code)
        for old, new in (replace or {}).items():
            code = code.replace(old, new)
        if not code:
            continue
        wait = WAIT_FOR.search(comment)
        log = f'"$DOC_TMP/background-{number}.log"'
        if code.endswith("&") and wait:
            lines += [f"{code[:-1].rstrip()} >{log} 2>&1 &", f"wait_for {_quote(wait[1])} {log}"]
        elif _server(code) and not code.endswith("&"):
            ready = _quote(_server(code))
            lines += [f"{code} >{log} 2>&1 &", f"wait_for {ready} {log}", f"cat {log}"]
            lines += ["kill -0 $!  # still serving", "kill $!"]
        elif expected:
            lines += [f"out=$({code})", 'printf "%s\\n" "$out"', f'expect {_quote(expected)} "$out"']
        else:
            lines.append(code)
    return "\n".join(lines) + "\n"


def _units(block: Block) -> list[tuple[str, str, str]]:
    """(code, trailing comment, expected HTTP status from the next comment line) per command."""
    units: list[tuple[str, str, str]] = []
    pending = ""
    for raw in block.lines:
        text = pending + raw.strip() if pending else raw.strip()
        if text.endswith("\\"):
            pending = text[:-1].rstrip() + " "
            continue
        pending = ""
        code = strip_comment(text).strip()
        if code:
            units.append((code, text[len(code) :].strip(), ""))
        elif units and (match := EXPECTED_HTTP.match(text)) and not units[-1][2]:
            units[-1] = (units[-1][0], units[-1][1], match[1])
    return units


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def make_sandbox(root: Path) -> Path:
    """A copy of the checkout's files under ``root/repo`` with ``.venv`` → the running environment."""
    sandbox = root / "repo"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=False,
    )  # fmt: skip
    if listed.returncode == 0:
        for name in filter(None, listed.stdout.decode().split("\0")):
            source = REPO / name
            if source.is_file():
                target = sandbox / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
    else:  # not a git checkout (an unpacked archive): copy what is there
        shutil.copytree(REPO, sandbox, ignore=shutil.ignore_patterns(".venv", ".git", ".ocean", "*cache*"))
    (sandbox / ".venv").symlink_to(Path(sys.prefix))
    return sandbox


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_block(
    block: Block, sandbox: Path, env: dict[str, str], replace: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs ``block`` in ``sandbox`` with bash; returns the finished process (output merged)."""
    tmp = sandbox.parent / "tmp"
    tmp.mkdir(exist_ok=True)
    home = sandbox.parent / "home"
    home.mkdir(exist_ok=True)
    clean = {key: value for key, value in os.environ.items() if not key.startswith("OCEAN__")}
    full_env = {
        **clean,
        "PATH": f"{sandbox / '.venv' / 'bin'}{os.pathsep}{clean.get('PATH', '')}",
        "HOME": str(home),
        "DOC_TMP": str(tmp),
        "DOC_PORT": str(free_port()),
        "COLUMNS": "100",
        **env,
    }
    return subprocess.run(
        ["bash", "-c", script(block, replace)],
        cwd=sandbox, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=BLOCK_TIMEOUT_SECONDS, check=False, start_new_session=True,
    )  # fmt: skip
