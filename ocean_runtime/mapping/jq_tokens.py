"""A small jq tokenizer and the checks that need no parsing.

Used to decide how an expression can be evaluated cheaply (``jq_batch``, ``jq_reads``); any
doubt (a comment, something not recognised) gives the slow, always-right answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#)
  | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
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
# Builtins whose result depends on the whole program or its input stream, not on the item.
_PROGRAM_WIDE = frozenset(
    {
        "input",
        "inputs",
        "input_line_number",
        "input_filename",
        "halt",
        "halt_error",
        "debug",
        "stderr",
        "get_search_list",
        "get_prog_origin",
        "get_jq_origin",
        "$__loc__",
        "$__prog_args",
    }
)


# Builtins that give exactly one output (or an error) when their arguments do.
_ONE_OUTPUT = frozenset(
    {
        "null",
        "true",
        "false",
        "not",
        "length",
        "utf8bytelength",
        "keys",
        "keys_unsorted",
        "has",
        "in",
        "inside",
        "contains",
        "map",
        "map_values",
        "with_entries",
        "to_entries",
        "from_entries",
        "add",
        "any",
        "all",
        "flatten",
        "join",
        "split",
        "ascii_downcase",
        "ascii_upcase",
        "ltrimstr",
        "rtrimstr",
        "trim",
        "ltrim",
        "rtrim",
        "startswith",
        "endswith",
        "test",
        "tostring",
        "tonumber",
        "type",
        "tojson",
        "fromjson",
        "sort",
        "sort_by",
        "group_by",
        "unique",
        "unique_by",
        "min",
        "max",
        "min_by",
        "max_by",
        "reverse",
        "floor",
        "ceil",
        "round",
        "sqrt",
        "fabs",
        "pow",
        "log",
        "exp",
        "log10",
        "index",
        "rindex",
        "indices",
        "implode",
        "explode",
        "getpath",
        "setpath",
        "delpaths",
        "del",
        "transpose",
        "isempty",
        "IN",
        "env",
        "builtins",
        "now",
        "todate",
        "fromdate",
        "dateadd",
        "datesub",
        "date",
        "todateiso8601",
        "fromdateiso8601",
        "strftime",
        "strptime",
        "mktime",
        "gmtime",
        "localtime",
        "error",
        "infinite",
        "nan",
        "isinfinite",
        "isnan",
        "isnormal",
        "sub",
        "gsub",
        "significand",
        "walk",
    }
)
_TERM_KEYWORDS = frozenset({"reduce", "foreach", "label", "def"})
_ONE_OUTPUT_KEYWORDS = frozenset({"if", "then", "elif", "else", "end", "and", "or", "as", "try", "catch"})


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


def needs_own_program(expression: str) -> bool:
    """True when an expression cannot share a jq program with others.

    That is when it uses ``input``, ``halt``, ``$__loc__``... (their result depends on the
    program, not only on the item) or a comment (which could swallow what follows it).
    """
    try:
        tokens = tokenize(expression)
    except (NotUnderstood, IndexError, RecursionError):
        return True
    return _uses_program_wide(tokens)


def _uses_program_wide(tokens: list[Token]) -> bool:
    for token in tokens:
        if token.kind in ("ident", "var") and token.text in _PROGRAM_WIDE:
            return True
        if any(_uses_program_wide(part) for part in token.parts or []):
            return True
    return False


def one_output(expression: str) -> bool:
    """True when ``expression`` surely gives exactly one output or an error (never 0, never 2+).

    Such an expression's "first output or null" is simply ``try E catch null`` — much
    cheaper in jq than ``[first(E)?] | .[0]``. Conservative: anything that may iterate
    (``.[]``, ``,``, ``..``, ``select``, ``empty``, ``?``, ``try`` without ``catch``, unknown
    functions) answers False.
    """
    try:
        return _one_output(tokenize(expression))
    except (NotUnderstood, IndexError, RecursionError):
        return False


def _one_output(tokens: list[Token]) -> bool:
    tries = catches = 0
    stack: list[str] = []  # open brackets: "(" group or call, "c" collect, "i" index, "{" object
    collect_depth = 0  # > 0 inside a [...] collect: anything goes there, it gives one array
    previous: Token | None = None
    for token in tokens:
        kind, text = token.kind, token.text
        if kind == "op" and text in "([{":
            opened = text
            if text == "[":
                opened = "i" if _ends_term(previous) else "c"
                if opened == "c" and not collect_depth:
                    collect_depth = len(stack) + 1
            stack.append(opened)
        elif kind == "op" and text in ")]}":
            if not stack:
                return False
            iterates = text == "]" and stack[-1] == "i" and previous is not None and previous.text == "["
            if iterates and not collect_depth:
                return False  # .[] gives one output per element
            if collect_depth == len(stack):
                collect_depth = 0
            stack.pop()
        elif collect_depth:
            pass
        elif (
            kind == "recurse"
            or (kind == "op" and text in ("?", "?//"))
            or kind == "op"
            and text == ","
            and (not stack or stack[-1] != "{")
            or kind == "string"
            and not all(_one_output(part) for part in token.parts or [])
        ):
            return False
        elif kind == "ident" and stack and stack[-1] == "{" and _is_key_position(previous):
            pass  # an object key ({name: ...} or the {name} shorthand)
        elif kind == "ident":
            if text == "try":
                tries += 1
            elif text == "catch":
                catches += 1
            elif text not in _ONE_OUTPUT and text not in _ONE_OUTPUT_KEYWORDS:
                return False
        previous = token
    return tries == catches and not stack


def _is_key_position(token: Token | None) -> bool:
    return token is not None and token.kind == "op" and token.text in ("{", ",")


def _ends_term(token: Token | None) -> bool:
    """Whether a ``[`` after this token indexes a value (rather than collecting a new array)."""
    if token is None:
        return False
    if token.kind in ("field", "dot", "string", "var", "number"):
        return True
    if token.kind == "ident":
        return token.text not in _ONE_OUTPUT_KEYWORDS and token.text not in _TERM_KEYWORDS
    return token.kind == "op" and token.text in (")", "]", "}", "?")


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


class TokenCursor:
    """Steps through a token list: what the jq parsers (key reads, native evaluator) share.

    ``mismatch`` is the exception ``take`` raises when the next token is not the expected one;
    each parser sets its own, which means "give up on this expression".
    """

    mismatch: type[Exception] = NotUnderstood

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self, offset: int = 0) -> Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def at(self, *texts: str) -> bool:
        token = self.peek()
        return token is not None and token.kind in ("op", "ident") and token.text in texts

    def take(self, text: str | None = None) -> Token:
        token = self.tokens[self.position]
        if text is not None and (token.text != text or token.kind not in ("op", "ident")):
            raise self.mismatch
        self.position += 1
        return token
