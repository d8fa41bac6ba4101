"""Bounds on every file Ocean reads: its size, and how far YAML aliases may expand it.

A 500-byte YAML file whose aliases refer to aliases (``a1: [*a0, *a0, ...]``, nine levels) holds
billions of values once expanded; reading it the usual way took ``ocean validate`` past 12 GB.
So every YAML or JSON file is read through ``read_limited`` (refused above its size limit
without being read) and YAML is decoded by ``compose_limited``, which counts the values the
document stands for, aliases expanded, before anything is built from it — in time and memory
proportional to the file, however many times an alias is used.

    OCEAN__FILE_SIZE_LIMIT_MB     largest file read (default 16)
    OCEAN__YAML_VALUE_LIMIT       most values a YAML document may expand to (default 1,000,000)

These are read from the environment (not ``config.yaml``: it is one of the files they bound).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from ocean_runtime.errors import UserInputError

SIZE_VARIABLE = "OCEAN__FILE_SIZE_LIMIT_MB"
VALUES_VARIABLE = "OCEAN__YAML_VALUE_LIMIT"
_MB = 1024 * 1024


@dataclass(frozen=True)
class FileLimits:
    """Limits of one file read.

    Attributes:
        max_bytes: largest file read.
        max_yaml_values: most values (scalars, lists, mappings) a YAML document may stand for,
            aliases expanded.
    """

    max_bytes: int = 16 * _MB
    max_yaml_values: int = 1_000_000

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> FileLimits:
        """The limits set in the environment, else the defaults.

        Raises:
            UserInputError: a value is not a positive whole number.
        """
        environ = os.environ if environ is None else environ
        default = cls()
        megabytes = _positive_int(environ, SIZE_VARIABLE, default.max_bytes // _MB)
        values = _positive_int(environ, VALUES_VARIABLE, default.max_yaml_values)
        return cls(max_bytes=megabytes * _MB, max_yaml_values=values)


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) <= 0:
        raise UserInputError(
            f"{name}={text!r} is not a positive whole number", fix=f"unset it to use the default ({default})"
        )
    return int(text)


def read_limited(path: Path, *, name: str, limits: FileLimits | None = None) -> str:
    """The UTF-8 text of ``path``, refused above ``limits.max_bytes`` (without reading it all).

    Raises:
        UserInputError: the file is missing, unreadable, too large or not UTF-8.
    """
    limits = limits or FileLimits.from_environ()
    try:
        with path.open("rb") as stream:
            data = stream.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise UserInputError("file not found", file=name) from None
    except OSError as exc:
        raise UserInputError(f"cannot read the file: {exc.strerror}", file=name) from None
    if len(data) > limits.max_bytes:
        raise UserInputError(
            f"the file is larger than {limits.max_bytes // _MB} MB, the limit for files Ocean reads",
            file=name,
            fix=f"make it smaller, or raise {SIZE_VARIABLE}",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserInputError("the file is not UTF-8 text", file=name) from None


def compose_limited(
    loader: yaml.SafeLoader, *, name: str, limits: FileLimits | None = None
) -> yaml.Node | None:
    """The document's node graph (aliases are shared nodes), checked against the value limit.

    Raises:
        UserInputError: the document expands to too many values, or nests too deeply.
        yaml.YAMLError: a syntax error (the caller names the line).
    """
    limits = limits or FileLimits.from_environ()
    try:
        node = loader.get_single_node()
    except RecursionError:
        raise UserInputError("the YAML nests too deeply to be read", file=name) from None
    if node is not None:
        expanded = expanded_size(node, limits.max_yaml_values)
        if expanded > limits.max_yaml_values:
            raise UserInputError(
                f"the YAML stands for more than {limits.max_yaml_values:,} values once its aliases (*name) "
                "are expanded — an alias bomb?",
                file=name,
                fix=f"use fewer nested aliases, or raise {VALUES_VARIABLE} if it is meant to be that large",
            )
    return node


def expanded_size(root: yaml.Node, ceiling: int) -> int:
    """How many values ``root`` stands for with every alias expanded (stops counting past ``ceiling``).

    Each node is sized once (aliases share nodes, so this is linear in the file), children
    before parents, without recursion.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # being sized: meeting one again is an alias inside itself
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not children_done and children:
            if any(id(child) in open_nodes for child in children):
                return ceiling + 1  # a recursive alias stands for infinitely many values
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        open_nodes.discard(id(node))
        sizes[id(node)] = min(ceiling + 1, 1 + sum(sizes.get(id(child), 0) for child in children))
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []
