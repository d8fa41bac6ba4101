"""Tokens → tree (``jq_tree``): jq's grammar by recursive descent, lowest precedence first.

    pipe  |   comma ,   alternative //   assignment = |= += ...   or   and
    comparison == != < <= > >=   additive + -   multiplicative * / %   unary -   postfix

Only what is modelled with certainty is parsed. Where jq's own versions disagree on the shape
(the source of ``E as $x | ...`` after an operator, ``reduce 1 - 2 as ...``, ``try -1 * 2``) and
for what the analyses do not model (``def``, ``?//``, ``import``), ``parse_tree`` answers None
and the expression is left to jq as a whole. Every expression reaching here has already been
compiled by jq, so a malformed one never needs a precise error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from ocean_runtime.mapping.jq_tokens import NotUnderstood, Token, tokenize
from ocean_runtime.mapping.jq_tree import (
    ArrayPattern,
    Assign,
    Binary,
    Bind,
    Break,
    Call,
    Collect,
    Comma,
    Foreach,
    Format,
    Identity,
    If,
    Index,
    Iterate,
    Label,
    Literal,
    Negate,
    Node,
    ObjectCons,
    ObjectPattern,
    Pattern,
    Pipe,
    RecurseAll,
    Reduce,
    Slice,
    Text,
    Try,
    Var,
    VarPattern,
)

_ASSIGN = ("=", "|=", "+=", "-=", "*=", "/=", "%=", "//=")
_COMPARE = ("==", "!=", "<", "<=", ">", ">=")
_KEYWORDS = frozenset(
    {"if", "then", "elif", "else", "end", "as", "def", "reduce", "foreach", "try", "catch", "label",
     "import", "include", "and", "or", "__loc__", "module", "break"}
)  # fmt: skip
_INTEGER = re.compile(r"[0-9]+")


class NotModeled(Exception):
    """The expression uses something the tree does not model (or is not valid jq)."""


def parse_tree(expression: str) -> Node | None:
    """The tree of a (quote-rewritten) expression, or None when it is not modelled."""
    try:
        tokens = tokenize(expression)
        parser = _Parser(tokens)
        tree = parser.pipe()
        if parser.position != len(tokens):
            return None
    except (NotModeled, NotUnderstood, IndexError, RecursionError, ValueError):
        return None
    return tree


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0

    # -- cursor ------------------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def at(self, *texts: str) -> bool:
        token = self.peek()
        return token is not None and token.kind in ("op", "ident") and token.text in texts

    def take(self, text: str | None = None) -> Token:
        token = self.tokens[self.position]
        if text is not None and (token.text != text or token.kind not in ("op", "ident")):
            raise NotModeled
        self.position += 1
        return token

    # -- expressions, lowest precedence first ------------------------------------------------
    def pipe(self) -> Node:
        if self.at("def", "import", "include", "module"):
            raise NotModeled
        if self.at("label"):
            self.take()
            name = self._variable()
            self.take("|")
            return Label(name, self.pipe())
        left = self.comma()
        if self.at("|"):
            self.take()
            return Pipe(left, self.pipe())
        return left

    def comma(self) -> Node:
        left = self.binding()
        while self.at(","):
            self.take()
            left = Comma(left, self.binding())
        return left

    def binding(self) -> Node:
        """An alternative-level expression, or ``TERM as PATTERN | BODY``.

        jq 1.7 binds only the term right before ``as``, jq 1.8 everything back to the last
        ``,`` or ``|``; the two agree only when the whole left side is one simple term.
        """
        start = self.position
        left = self.alternative()
        if not self.at("as"):
            return left
        end = self.position
        self.position = start
        source = self.postfix(simple=True)
        if self.position != end:
            raise NotModeled
        self.take("as")
        pattern = self.pattern()
        if self.at("?//"):
            raise NotModeled
        self.take("|")
        return Bind(source, pattern, self.pipe())

    def alternative(self) -> Node:
        left = self.assignment()
        if self.at("//"):
            self.take()
            return Binary("//", left, self.alternative())
        return left

    def assignment(self) -> Node:
        left = self.disjunction()
        token = self.peek()
        if token is not None and token.kind == "op" and token.text in _ASSIGN:
            self.take()
            return Assign(token.text, left, self.disjunction())
        return left

    def disjunction(self) -> Node:
        return self._left_associative(self.conjunction, ("or",))

    def conjunction(self) -> Node:
        return self._left_associative(self.comparison, ("and",))

    def comparison(self) -> Node:
        left = self.additive()
        token = self.peek()
        if token is not None and token.kind == "op" and token.text in _COMPARE:
            self.take()
            return Binary(token.text, left, self.additive())
        return left

    def additive(self) -> Node:
        return self._left_associative(self.multiplicative, ("+", "-"))

    def multiplicative(self) -> Node:
        return self._left_associative(self.unary, ("*", "/", "%"))

    def _left_associative(self, operand: Callable[[], Node], operators: tuple[str, ...]) -> Node:
        left = operand()
        while self.at(*operators):
            op = self.take().text
            left = Binary(op, left, operand())
        return left

    def unary(self) -> Node:
        if self.at("-"):
            self.take()
            return Negate(self.multiplicative())  # `-a * b` is `-(a * b)`, as in jq
        return self.postfix()

    # -- terms -------------------------------------------------------------------------------
    def postfix(self, *, simple: bool = False) -> Node:
        """A primary and its suffixes; ``simple`` refuses the keyword forms (if, try, reduce...)."""
        term = self.primary(simple=simple)
        while True:
            token, following = self.peek(), self.peek(1)
            if token is None:
                return term
            if token.kind == "field":
                self.take()
                term = Index(term, Literal(token.text[1:]), self._optional())
            elif token.kind == "dot" and following is not None and following.kind == "string":
                self.position += 2
                term = Index(term, self.string(following), self._optional())
            elif token.kind == "dot" and following is not None and following.text == "[":
                self.take()
                term = self.brackets(term)
            elif self.at("["):
                term = self.brackets(term)
            elif self.at("?"):
                self.take()
                term = Try(term)
            else:
                return term

    def _optional(self) -> bool:
        if self.at("?"):
            self.take()
            return True
        return False

    def brackets(self, term: Node) -> Node:
        """``[]``, ``[E]``, ``[E:E]`` (either bound optional) after ``term``."""
        self.take("[")
        if self.at("]"):
            self.take()
            return Iterate(term, self._optional())
        start = None if self.at(":") else self.pipe()
        if self.at("]"):
            self.take()
            assert start is not None
            return Index(term, start, self._optional())
        self.take(":")
        end = None if self.at("]") else self.pipe()
        self.take("]")
        if start is None and end is None:
            raise NotModeled
        return Slice(term, start, end, self._optional())

    def primary(self, *, simple: bool = False) -> Node:
        token = self.take()
        kind, text = token.kind, token.text
        if kind == "field":
            return Index(Identity(), Literal(text[1:]))
        if kind == "dot":
            following = self.peek()
            if following is not None and following.kind == "string":
                self.take()
                return Index(Identity(), self.string(following))
            return Identity()
        if kind == "recurse":
            return RecurseAll()
        if kind == "number":
            return Literal(int(text) if _INTEGER.fullmatch(text) else float(text), text)
        if kind == "string":
            return self.string(token)
        if kind == "format":
            following = self.peek()
            if following is not None and following.kind == "string":
                self.take()
                return self.string(following, text)
            return Format(text)
        if kind == "var":
            return Var(text[1:])
        if kind == "op" and text == "(":
            inner = self.pipe()
            self.take(")")
            return inner
        if kind == "op" and text == "[":
            if self.at("]"):
                self.take()
                return Collect(None)
            inner = self.pipe()
            self.take("]")
            return Collect(inner)
        if kind == "op" and text == "{":
            return self.object()
        if kind == "ident":
            return self.keyword(text, simple)
        raise NotModeled

    def keyword(self, name: str, simple: bool) -> Node:
        if name in ("true", "false", "null"):
            return Literal({"true": True, "false": False, "null": None}[name])
        if name in ("if", "try", "reduce", "foreach") and simple:
            raise NotModeled
        if name == "if":
            return self.conditional()
        if name == "try":
            return self.attempt()
        if name in ("reduce", "foreach"):
            return self.fold(name)
        if name == "break":
            return Break(self._variable())
        if name in _KEYWORDS:
            raise NotModeled
        args: list[Node] = []
        if self.at("("):
            self.take()
            args.append(self.pipe())
            while self.at(";"):
                self.take()
                args.append(self.pipe())
            self.take(")")
        return Call(name, tuple(args))

    def conditional(self) -> Node:
        branches = [(self.pipe(), self._then())]
        while self.at("elif"):
            self.take()
            branches.append((self.pipe(), self._then()))
        otherwise = None
        if self.at("else"):
            self.take()
            otherwise = self.pipe()
        self.take("end")
        return If(tuple(branches), otherwise)

    def _then(self) -> Node:
        self.take("then")
        return self.pipe()

    def attempt(self) -> Node:
        if self.at("-"):
            raise NotModeled  # `try -1 * 2`: jq's precedence rules would have to be replayed
        body = self.postfix()
        if self.at("catch"):
            self.take()
            if self.at("-"):
                raise NotModeled
            return Try(body, self.postfix())
        return Try(body)

    def fold(self, name: str) -> Node:
        source = self.postfix(simple=True)
        self.take("as")
        pattern = self.pattern()
        self.take("(")
        init = self.pipe()
        self.take(";")
        update = self.pipe()
        extract = None
        if name == "foreach" and self.at(";"):
            self.take()
            extract = self.pipe()
        self.take(")")
        if name == "reduce":
            return Reduce(source, pattern, init, update)
        return Foreach(source, pattern, init, update, extract)

    def object(self) -> Node:
        entries: list[tuple[Node, Node]] = []
        while not self.at("}"):
            entries.append(self.object_entry())
            if self.at(","):
                self.take()
            elif not self.at("}"):
                raise NotModeled
        self.take("}")
        return ObjectCons(tuple(entries))

    def object_entry(self) -> tuple[Node, Node]:
        token = self.take()
        kind, text = token.kind, token.text
        key: Node
        if kind == "ident":
            key = Literal(text)
            if not self.at(":"):
                return key, Index(Identity(), key)  # {name} is {name: .name}
        elif kind == "var":
            if not self.at(":"):
                return Literal(text[1:]), Var(text[1:])  # {$x} is {x: $x}
            key = Var(text[1:])
        elif kind in ("string", "format"):
            key = self.string(token) if kind == "string" else self._format_string(text)
            if not self.at(":"):
                return key, Index(Identity(), key)  # {"a"} is {"a": .["a"]}
        elif kind == "op" and text == "(":
            key = self.pipe()
            self.take(")")
        else:
            raise NotModeled
        self.take(":")
        return key, self.object_value()

    def _format_string(self, name: str) -> Node:
        token = self.take()
        if token.kind != "string":
            raise NotModeled
        return self.string(token, name)

    def object_value(self) -> Node:
        """An object's value: pipes of non-comma expressions (``{a: .b | .c, d: 1}``)."""
        value = self.alternative()
        if self.at("as"):
            raise NotModeled
        if self.at("|"):
            self.take()
            return Pipe(value, self.object_value())
        return value

    def string(self, token: Token, format_name: str | None = None) -> Node:
        literals = [_decode(raw) for raw in token.literals or [token.text]]
        if not token.parts:
            return Literal(literals[0])  # a format applies to interpolations only
        pieces: list[str | Node] = []
        for literal, part in zip(literals, [*(token.parts or []), None], strict=True):
            if literal:
                pieces.append(literal)
            if part is not None:
                inner = _Parser(part)
                pieces.append(inner.pipe())
                if inner.position != len(part):
                    raise NotModeled
        return Text(tuple(pieces), format_name)

    def pattern(self) -> Pattern:
        token = self.take()
        if token.kind == "var" and token.text != "$__loc__":
            return VarPattern(token.text[1:])
        if token.kind == "op" and token.text == "[":
            items = [self.pattern()]
            while self.at(","):
                self.take()
                items.append(self.pattern())
            self.take("]")
            return ArrayPattern(tuple(items))
        if token.kind == "op" and token.text == "{":
            entries = [self.object_pattern_entry()]
            while self.at(","):
                self.take()
                entries.append(self.object_pattern_entry())
            self.take("}")
            return ObjectPattern(tuple(entries))
        raise NotModeled

    def object_pattern_entry(self) -> tuple[Node, str | None, Pattern | None]:
        token = self.take()
        kind, text = token.kind, token.text
        if kind == "var" and text != "$__loc__":
            if self.at(":"):
                self.take()
                return Literal(text[1:]), text[1:], self.pattern()
            return Literal(text[1:]), text[1:], None
        key: Node
        if kind == "ident":
            key = Literal(text)
        elif kind == "string":
            key = self.string(token)
        elif kind == "op" and text == "(":
            key = self.pipe()
            self.take(")")
        else:
            raise NotModeled
        self.take(":")
        return key, None, self.pattern()

    def _variable(self) -> str:
        token = self.take()
        if token.kind != "var" or token.text == "$__loc__":
            raise NotModeled
        return token.text[1:]


def _decode(raw: str) -> str:
    """A string literal's text: JSON escapes; text jq would repair (lone surrogates) is not modelled."""
    value = json.loads(f'"{raw}"')
    if not isinstance(value, str):
        raise NotModeled
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise NotModeled from None
    return value
