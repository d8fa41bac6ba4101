"""The shell commands of the project's Markdown docs, as the doc-check runs them.

Every fenced ``bash``/``sh``/``console`` block of the checked docs is one unit. An HTML comment
right above the fence (invisible once rendered) may say how the block is checked:

* nothing — the doc-check runs the block (``test_doc_commands.py``), as one bash script;
* ``<!-- doc-check: ci -->`` — ``.ci/run`` runs each of its lines verbatim;
* ``<!-- doc-check: test PATH::NAME -->`` — that test runs the same commands;
* ``<!-- doc-check: with SERVICE -->`` — the doc-check runs it next to a local stand-in for the
  3rd-party system the block talks to (see ``doc_services.py``).

What the doc-check changes before running a block is listed, with the reason for each, in
``REWRITES`` — nothing else is changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(bash|sh|shell|console)\s*$")
ANNOTATION = re.compile(r"^<!--\s*doc-check:\s*(?P<mode>[a-z]+)\s*(?P<arg>.*?)\s*-->\s*$")
MODES = ("run", "ci", "test", "with")


def checked_docs() -> list[Path]:
    """The docs whose commands must hold: README, the integrations' and the benchmarks' READMEs."""
    return [
        REPO / "README.md",
        *sorted((REPO / "integrations").glob("*/README.md")),
        REPO / "benchmarks" / "README.md",
    ]


@dataclass
class Block:
    """One fenced shell block.

    Attributes:
        doc: the Markdown file.
        line: the 1-based line of its opening fence.
        mode: run, ci, test or with (from the annotation; run without one).
        arg: the annotation's argument (a test id, a service name).
        lines: the block's text, one entry per physical line.
    """

    doc: Path
    line: int
    mode: str = "run"
    arg: str = ""
    lines: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        """``README.md:12`` — for messages."""
        return f"{self.doc.relative_to(REPO)}:{self.line}"

    @property
    def commands(self) -> list[str]:
        """The block's commands: continuation lines joined, comments and blank lines left out."""
        commands: list[str] = []
        pending = ""
        for raw in self.lines:
            text = pending + raw.strip() if pending else raw.rstrip()
            if text.endswith("\\"):
                pending = text[:-1].rstrip() + " "
                continue
            pending = ""
            code = strip_comment(text).strip()
            if code:
                commands.append(code)
        return commands


def strip_comment(line: str) -> str:
    """``line`` without a trailing ``# comment`` (a ``#`` inside quotes or a word is kept)."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line


def blocks(doc: Path) -> list[Block]:
    """The fenced shell blocks of ``doc``, with their annotations.

    Raises:
        ValueError: an annotation names an unknown mode.
    """
    found: list[Block] = []
    current: Block | None = None
    previous = ""
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
        if current is not None:
            if line.strip() == "```":
                found.append(current)
                current = None
            else:
                current.lines.append(line)
        elif FENCE.match(line.strip()):
            current = Block(doc, number)
            annotation = ANNOTATION.match(previous.strip())
            if annotation:
                if annotation["mode"] not in MODES:
                    raise ValueError(f"{doc}:{number - 1}: unknown doc-check mode {annotation['mode']!r}")
                current.mode, current.arg = annotation["mode"], annotation["arg"]
        if line.strip():
            previous = line
    return found


def all_blocks() -> list[Block]:
    """Every shell block of every checked doc."""
    return [block for doc in checked_docs() for block in blocks(doc)]
