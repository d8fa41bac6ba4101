"""Which top-level keys of the item a jq expression reads — so jq gets only those.

Handing a whole ~2 KB item to jq costs ~200 µs (jq parses it); most expressions read two or
three keys. ``root_keys(expr)`` returns the keys an expression can read from the item, or None
when it might look at the item as a whole (``.``, ``keys``, ``..``, ``to_entries``, a ``def``,
anything not understood). With a key set, evaluating on ``{k: item[k] for k in keys if k in
item}`` gives exactly the same result, because the expression can only ever ask the root for
those keys, and a missing key reads as null just like an absent one.

The analysis tracks whether a sub-expression's input is the item itself ("root context"):

* ``.a``, ``."a"``, ``.["a"]`` in root context read key ``a``; what follows them does not
  run on the root (``.a.b`` reads only ``a``), except index expressions (``.a[.k]`` reads ``k``);
* the right side of ``|`` does not run on the root — unless the left is a binding
  (``.a as $x | body``: the body still runs on the root);
* operators, ``if``, ``try``, ``[...]``, ``{...}``, string interpolation and ``//`` pass the
  root context down;
* in root context, only functions that never look at their input are allowed
  (``first(f)``, ``limit(n; f)``, ``range``, ``env``, ``error(msg)``, ...); anything else
  (``length``, ``keys``, ``select``, bare ``.``) means "whole item".
"""

from __future__ import annotations

from ocean_runtime.mapping.jq_tokens import NotUnderstood, Token, TokenCursor, tokenize

_ASSIGN = {"=", "|=", "+=", "-=", "*=", "/=", "%=", "//="}
_COMPARE = {"==", "!=", "<", "<=", ">", ">="}
# Builtins that never look at their input: (name, arity) → arguments that still run on it.
_INPUT_FREE = {
    ("empty", 0): (),
    ("env", 0): (),
    ("now", 0): (),
    ("builtins", 0): (),
    ("infinite", 0): (),
    ("nan", 0): (),
    ("null", 0): (),
    ("true", 0): (),
    ("false", 0): (),
    ("first", 1): (0,),
    ("last", 1): (0,),
    ("limit", 2): (0, 1),
    ("isempty", 1): (0,),
    ("error", 1): (0,),
    ("range", 1): (0,),
    ("range", 2): (0, 1),
    ("range", 3): (0, 1, 2),
    ("add", 1): (0,),
    ("any", 2): (0,),
    ("all", 2): (0,),
    ("IN", 2): (0, 1),
}


class _Whole(Exception):
    """The expression may read the item as a whole (or was not understood)."""


def root_keys(expression: str) -> frozenset[str] | None:
    """The top-level item keys ``expression`` can read, or None if it may read the whole item.

    Args:
        expression: a jq expression, after Port's single-quote rewriting.
    """
    try:
        tokens = tokenize(expression)
        parser = _Parser(tokens)
        parser.pipe(root=True)
        if parser.position != len(tokens):
            raise _Whole
    except (_Whole, NotUnderstood, IndexError, RecursionError):
        return None
    return frozenset(parser.keys)


class _Parser(TokenCursor):
    """Recursive descent over jq's grammar, recording root keys instead of building a tree."""

    mismatch = _Whole

    def __init__(self, tokens: list[Token]) -> None:
        super().__init__(tokens)
        self.keys: set[str] = set()

    # -- grammar, lowest precedence first --
    def pipe(self, root: bool) -> None:
        if self.at("def", "import", "include"):
            raise _Whole
        if self.at("label"):
            self.take()
            self.take()  # $name
            self.take("|")
            self.pipe(root)
            return
        self.comma(root)
        if self.at("|"):
            self.take()
            self.pipe(False)  # the right side runs on the left side's outputs

    def comma(self, root: bool) -> None:
        self.alternative(root)
        while self.at(","):
            self.take()
            self.alternative(root)

    def alternative(self, root: bool) -> None:
        self.assignment(root)
        if self.at("//"):
            self.take()
            self.alternative(root)

    def assignment(self, root: bool) -> None:
        self.boolean(root)
        token = self.peek()
        if token is not None and token.kind == "op" and token.text in _ASSIGN:
            if root:
                raise _Whole  # an update returns the (modified) item itself
            self.take()
            self.alternative(root)

    def boolean(self, root: bool) -> None:
        self.comparison(root)
        while self.at("and", "or"):
            self.take()
            self.comparison(root)

    def comparison(self, root: bool) -> None:
        self.additive(root)
        token = self.peek()
        if token is not None and token.kind == "op" and token.text in _COMPARE:
            self.take()
            self.additive(root)

    def additive(self, root: bool) -> None:
        self.unary(root)
        while self.at("+", "-", "*", "/", "%"):
            self.take()
            self.unary(root)

    def unary(self, root: bool) -> None:
        if self.at("-"):
            self.take()
            self.unary(root)
            return
        self.postfix(root)

    def postfix(self, root: bool, *, binding: bool = True) -> None:
        self.primary(root)
        while True:
            token, following = self.peek(), self.peek(1)
            if token is None:
                return
            if token.kind == "field":
                self.take()
            elif token.kind == "dot" and following is not None and following.kind == "string":
                self.take()
                self.string(self.take(), root)
            elif token.kind == "dot" and following is not None and following.text == "[":
                self.take()
                self.brackets(root, on_root=False)
            elif self.at("["):
                self.brackets(root, on_root=False)
            elif self.at("?"):
                self.take()
            elif binding and self.at("as"):
                self.take()
                self.pattern("|")
                self.take("|")
                self.pipe(root)  # the body runs on the same input as the bound term
                return
            else:
                return

    def brackets(self, root: bool, *, on_root: bool) -> None:
        """``[]``, ``[E]``, ``[E:E]`` after a term; ``on_root`` when the term is the item."""
        self.take("[")
        if self.at("]"):
            self.take()
            if on_root:
                raise _Whole  # .[] iterates the item
            return
        key = self.peek()
        after = self.peek(1)
        if on_root:
            if (
                key is not None
                and key.kind == "string"
                and not key.parts
                and after is not None
                and after.text == "]"
            ):
                self.keys.add(_unescape(key.text))
                self.position += 2
                return
            if key is not None and key.kind == "number" and after is not None and after.text == "]":
                self.position += 2
                return
            raise _Whole
        if not self.at(":"):
            self.pipe(root)
        if self.at(":"):
            self.take()
            if not self.at("]"):
                self.pipe(root)
        self.take("]")

    def primary(self, root: bool) -> None:
        token = self.take()
        kind, text = token.kind, token.text
        if kind == "field":
            if root:
                self.keys.add(text[1:])
        elif kind == "dot":
            nxt = self.peek()
            if nxt is not None and nxt.kind == "string":
                self.take()
                if root:
                    if nxt.parts:
                        raise _Whole
                    self.keys.add(_unescape(nxt.text))
                else:
                    self.string(nxt, root)
            elif nxt is not None and nxt.text == "[" and nxt.kind == "op":
                self.brackets(root, on_root=root)
            elif root:
                raise _Whole  # the item itself
        elif kind == "recurse":
            if root:
                raise _Whole
        elif kind in ("number", "var"):
            return
        elif kind == "string":
            self.string(token, root)
        elif kind == "format":
            if self.peek() is not None and self.peek().kind == "string":  # type: ignore[union-attr]
                self.string(self.take(), root)
            elif root:
                raise _Whole  # @base64 on the item
        elif text == "(":
            self.pipe(root)
            self.take(")")
        elif text == "[":
            if not self.at("]"):
                self.pipe(root)
            self.take("]")
        elif text == "{":
            self.object(root)
        elif kind == "ident":
            self.keyword_or_call(text, root)
        else:
            raise _Whole

    def keyword_or_call(self, name: str, root: bool) -> None:
        if name == "if":
            self.pipe(root)
            self.take("then")
            self.pipe(root)
            while self.at("elif"):
                self.take()
                self.pipe(root)
                self.take("then")
                self.pipe(root)
            if self.at("else"):
                self.take()
                self.pipe(root)
            self.take("end")
        elif name == "try":
            self.postfix(root, binding=False)
            if self.at("catch"):
                self.take()
                self.postfix(False, binding=False)  # the handler gets the error message
        elif name in ("reduce", "foreach"):
            self.postfix(root, binding=False)
            self.take("as")
            self.pattern("(")
            self.take("(")
            self.pipe(root)  # init runs on the input
            self.take(";")
            self.pipe(False)  # update runs on the accumulator
            if name == "foreach" and self.at(";"):
                self.take()
                self.pipe(False)
            self.take(")")
        elif name in ("then", "elif", "else", "end", "as", "catch", "and", "or", "def", "label"):
            raise _Whole
        else:
            self.call(name, root)

    def call(self, name: str, root: bool) -> None:
        arguments = 0
        positions = []
        if self.at("("):
            self.take()
            while True:
                positions.append(self.position)
                arguments += 1
                self._skip_argument()
                if self.at(";"):
                    self.take()
                    continue
                self.take(")")
                break
        end = self.position
        allowed = _INPUT_FREE.get((name, arguments)) if root else tuple(range(arguments))
        if allowed is None:
            raise _Whole
        for index, start in enumerate(positions):
            self.position = start
            self.pipe(root and index in allowed)
        self.position = end

    def _skip_argument(self) -> None:
        """Moves past one call argument (to the next top-level ``;`` or ``)``)."""
        depth = 0
        while True:
            token = self.peek()
            if token is None:
                raise _Whole
            if token.kind == "op" and token.text in "([{":
                depth += 1
            elif token.kind == "op" and token.text in ")]}":
                if depth == 0:
                    return
                depth -= 1
            elif token.kind == "op" and token.text == ";" and depth == 0:
                return
            self.position += 1

    def object(self, root: bool) -> None:
        while not self.at("}"):
            key = self.take()
            if key.kind in ("ident", "var") and not self.at(":"):
                if key.kind == "ident" and root:
                    self.keys.add(key.text)  # {name} is {name: .name}
            elif key.kind == "string" and not self.at(":"):
                if root:
                    if key.parts:
                        raise _Whole
                    self.keys.add(_unescape(key.text))
            elif key.kind in ("ident", "var", "string", "number", "format"):
                if key.kind == "string":
                    self.string(key, root)
                self.take(":")
                self.object_value(root)
            elif key.text == "(":
                self.pipe(root)
                self.take(")")
                self.take(":")
                self.object_value(root)
            else:
                raise _Whole
            if self.at(","):
                self.take()
            elif not self.at("}"):
                raise _Whole
        self.take("}")

    def object_value(self, root: bool) -> None:
        self.alternative(root)
        if self.at("|"):
            self.take()
            self.object_value(False)

    def string(self, token: Token, root: bool) -> None:
        for part in token.parts or []:
            inner = _Parser(part)
            inner.pipe(root)
            if inner.position != len(part):
                raise _Whole
            self.keys |= inner.keys

    def pattern(self, terminator: str) -> None:
        """Skips a destructuring pattern (``$x``, ``[$a, $b]``, ``{a: $x}``) up to ``terminator``."""
        depth = 0
        while True:
            token = self.peek()
            if token is None:
                raise _Whole
            if token.kind == "op":
                if token.text == terminator and depth == 0:
                    return
                if token.text in "[{":
                    depth += 1
                elif token.text in "]}":
                    depth -= 1
                elif token.text in ("(", "?//", "|"):
                    raise _Whole  # computed keys or alternative patterns: not worth following
            self.position += 1


def _unescape(literal: str) -> str:
    import json

    try:
        value = json.loads(f'"{literal}"')
    except ValueError:
        raise _Whole from None
    if not isinstance(value, str):
        raise _Whole
    return value
