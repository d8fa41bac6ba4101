"""jq's tokens: the first step of the one parse every analysis of an expression starts from.

``tokenize`` splits an expression the way jq's lexer does; ``jq_parse`` builds the tree from the
tokens. Anything the lexer is not sure about (a comment, a character jq would not accept, an
unterminated string) raises ``NotUnderstood`` and the expression is left to jq as a whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#)
  | (?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<recurse>\.\.)
  | (?P<field>\.[A-Za-z_][A-Za-z0-9_]*)
  | (?P<dot>\.)
  | (?P<var>\$(?:__loc__|[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*))
  | (?P<format>@[A-Za-z0-9_]+)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<string>")
  | (?P<op>\?//|//=|\|=|\+=|-=|\*=|/=|%=|==|!=|<=|>=|//|[|,+\-*/%<>=?;:()\[\]{}])
    """,
    re.VERBOSE,
)


class NotUnderstood(Exception):
    """The text could not be tokenized with certainty (e.g. it holds a comment)."""


@dataclass
class Token:
    """A jq token.

    A string token keeps its interpolations as token lists in ``parts`` and the raw (still
    escaped) text around them in ``literals`` (one more than ``parts``); ``text`` is all the
    literal text joined.
    """

    kind: str
    text: str
    parts: list[list[Token]] | None = None
    literals: list[str] | None = None


def tokenize(expression: str) -> list[Token]:
    """The tokens of ``expression``.

    Raises:
        NotUnderstood: a comment or a character jq would not accept here.
    """
    return _tokenize(expression, 0)[0]


def _tokenize(text: str, position: int, *, in_interpolation: bool = False) -> tuple[list[Token], int]:
    tokens: list[Token] = []
    depth = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup == "comment":
            raise NotUnderstood
        kind, value = match.lastgroup or "", match.group()
        position = match.end()
        if kind == "space":
            continue
        if kind == "string":
            token, position = _string(text, position)
            tokens.append(token)
            continue
        if in_interpolation and value == "(":
            depth += 1
        elif in_interpolation and value == ")":
            if depth == 0:
                return tokens, position
            depth -= 1
        tokens.append(Token(kind, value))
    if in_interpolation:
        raise NotUnderstood
    return tokens, position


def _string(text: str, position: int) -> tuple[Token, int]:
    """Lexes a string after its opening quote; interpolations become token lists."""
    parts: list[list[Token]] = []
    literals: list[str] = []
    literal: list[str] = []
    while position < len(text):
        char = text[position]
        if char == '"':
            literals.append("".join(literal))
            token = Token("string", "".join(literals), parts, literals)
            return token, position + 1
        if char == "\\":
            if text[position + 1 : position + 2] == "(":
                inner, position = _tokenize(text, position + 2, in_interpolation=True)
                parts.append(inner)
                literals.append("".join(literal))
                literal = []
                continue
            literal.append(text[position : position + 2])
            position += 2
            continue
        literal.append(char)
        position += 1
    raise NotUnderstood
