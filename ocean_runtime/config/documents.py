"""Reading YAML and JSON files together with the line of every key.

Errors name a line (``port-app-config.yml:12``), so files are loaded into a ``Document``: the
decoded data plus a key path → line table built from the YAML node marks. JSON is decoded by
``json`` (the authority on what the data is) and its lines come from the same YAML walk, which
reads JSON as YAML; if that fails the lines are simply unknown.

Every file is read within ``file_limits``: a size limit, and for YAML a limit on how many values
its aliases may expand to (an alias bomb is refused quickly, in memory bounded by the file).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ocean_runtime.config.file_limits import compose_limited, read_limited
from ocean_runtime.errors import UserInputError

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Document:
    """A decoded file.

    Attributes:
        data: the decoded content.
        name: how errors name the file (usually relative to the integration folder).
        lines: 1-based line of each key path (of the key for mapping entries, of the item for
            list entries).
    """

    data: Any
    name: str
    lines: Mapping[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its deepest ancestor whose line is known."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


def read_document(path: Path, *, name: str | None = None) -> Document:
    """Reads a ``.json``, ``.yaml`` or ``.yml`` file.

    Raises:
        UserInputError: the file cannot be read or has a syntax error (with its line).
    """
    display = name or str(path)
    text = read_limited(path, name=display)
    if path.suffix == ".json":
        return parse_json(text, name=display)
    return parse_yaml(text, name=display)


def parse_yaml(text: str, *, name: str) -> Document:
    """Decodes YAML text; raises ``UserInputError`` with the line of a syntax error.

    Raises:
        UserInputError: a syntax error (with its line), or the document is over its limits
            (``file_limits``: aliases expanding to too many values, nesting too deep).
    """
    loader = yaml.SafeLoader(text)
    try:
        node = compose_limited(loader, name=name)
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        raise UserInputError("the YAML nests too deeply to be read", file=name) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserInputError(
            f"invalid YAML: {problem}",
            file=name,
            line=mark.line + 1 if mark is not None else None,
            fix="check the indentation, and quote values that start with a special character",
        ) from None
    finally:
        loader.dispose()
    lines: dict[KeyPath, int] = {}
    if node is not None:
        _record_lines(node, (), lines)
    return Document(data=data, name=name, lines=lines)


def parse_json(text: str, *, name: str) -> Document:
    """Decodes JSON text; raises ``UserInputError`` with the line of a syntax error."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserInputError(f"invalid JSON: {exc.msg}", file=name, line=exc.lineno) from None
    except RecursionError:
        raise UserInputError("the JSON nests too deeply to be read", file=name) from None
    try:
        lines = parse_yaml(text, name=name).lines
    except UserInputError:
        lines = {}  # valid JSON that YAML cannot read (e.g. tab indentation): lines unknown
    return Document(data=data, name=name, lines=lines)


def _record_lines(root: yaml.Node, path: KeyPath, lines: dict[KeyPath, int]) -> None:
    """The line of every key path; a node aliased in several places is walked once only."""
    seen: set[int] = set()
    stack = [(root, path)]
    while stack:
        node, where = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                key_path = (*where, _key_of(key_node))
                lines.setdefault(key_path, key_node.start_mark.line + 1)
                stack.append((value_node, key_path))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines.setdefault((*where, index), item.start_mark.line + 1)
                stack.append((item, (*where, index)))


def _key_of(key_node: yaml.ScalarNode) -> str:
    # Keys are looked up by their text; YAML 1.1 reads some bare words (`on`) as booleans,
    # but the callers only ever ask for string keys.
    return str(key_node.value)
