"""Seeded random jq expressions and items for the differential fuzz test (not a test module).

``Generator.native(depth)`` draws from the subset ``native.py`` evaluates (paths, literals with
every number spelling, interpolation, ``+``, comparisons, ``and``/``or``/``//``, ``if`` with and
without ``else``, pipes, ``[E]``, ``map``, the zero-argument builtins); ``Generator.any(depth)``
mixes in what only jq runs (iteration, ``select``, bindings, ``reduce``, ``try``, objects,
slices, formats, assignments, ``def``...), so the key-reads and single-output analyses and the
batched program are exercised too. Parentheses are added at random, not by need: precedence is
part of what is checked. Nothing generated can loop or grow without bound.
"""

from __future__ import annotations

import random
from typing import Any

KEYS = ["a", "b", "n", "s", "xs", "state", "owner", "obj"]
ODD_KEYS = ["a-b", "é", "end", "if"]
NUMBERS = ["0", "1", "2", "7", "100", "1.0", "1.5", "2.50", "1e3", "1E2", "0.1", "3.0", "1.10", "10000000000"]
STRINGS = ['"x"', '""', '"active"', '"é"', '"a\\"b"', '"A-Z"', '"\\u00e9t\\u00e9"', '"owner"', '"1"', '"s"']
NULLARY = ["length", "not", "tostring", "ascii_downcase", "ascii_upcase"]
OTHER_NULLARY = [
    *("keys", "to_entries", "type", "tojson", "add", "first", "empty", "error", "@json", "@base64", "ascii"),
    *("floor", "tonumber", "reverse", "sort", "unique", "min", "max", "any", "all", "not"),
]


class Generator:
    """Random expressions and items, reproducible from a seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.bound: list[str] = []

    # -- expressions ---------------------------------------------------------------------------
    def native(self, depth: int = 3) -> str:
        """An expression of the native subset."""
        return self._expression(depth, native=True)

    def any(self, depth: int = 3) -> str:
        """An expression of the native subset or beyond it."""
        return self._expression(depth, native=False)

    def _expression(self, depth: int, *, native: bool) -> str:
        rng = self.rng
        if depth <= 0 or rng.random() < 0.25:
            return self._leaf(native)
        forms = [self._binary, self._interpolation, self._conditional, self._pipe, self._collect, self._map]
        if not native:
            forms += [self._comma, self._iterate, self._select, self._bind, self._reduce, self._try,
                      self._object, self._slice, self._arithmetic, self._format, self._assign, self._define,
                      self._call, self._optional, self._label]  # fmt: skip
        text = rng.choice(forms)(depth - 1, native)
        return f"({text})" if rng.random() < 0.3 else text

    def _leaf(self, native: bool) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            return self.path()
        if roll < 0.6:
            return rng.choice(NUMBERS)
        if roll < 0.75:
            return rng.choice(STRINGS)
        if roll < 0.82:
            return rng.choice(["null", "true", "false"])
        if roll < 0.9 or native:
            return rng.choice(NULLARY)
        if self.bound and rng.random() < 0.5:
            return "$" + rng.choice(self.bound)
        return rng.choice([*OTHER_NULLARY, "$__loc__", "env.HOME", "$ENV.PATH | type", ".", ".."])

    def path(self) -> str:
        """``.``, ``.k``, ``."k"``, ``.["k"]``, ``.k[0]``, ``.k[-1]`` chains."""
        rng = self.rng
        if rng.random() < 0.08:
            return "."
        steps = []
        for position in range(rng.randint(1, 3)):
            key = rng.choice(KEYS if rng.random() < 0.9 else ODD_KEYS)
            roll = rng.random()
            if position and roll < 0.2:
                steps.append(rng.choice(["[0]", "[1]", "[-1]", ".[0]"]))
            elif roll < 0.7 and key in KEYS:
                steps.append(f".{key}")
            elif roll < 0.85:
                steps.append(f'."{key}"')
            else:
                steps.append(f'.["{key}"]' if position == 0 else f'["{key}"]')
        return "".join(steps)

    def _binary(self, depth: int, native: bool) -> str:
        op = self.rng.choice(["+", "+", "==", "!=", "<", "<=", ">", ">=", "and", "or", "//"])
        return f"{self._expression(depth, native=native)} {op} {self._expression(depth, native=native)}"

    def _interpolation(self, depth: int, native: bool) -> str:
        parts = [self._expression(depth, native=native) for _ in range(self.rng.randint(1, 2))]
        texts = [self.rng.choice(["", "v", "/", "é-", " "]) for _ in range(len(parts) + 1)]
        body = texts[0] + "".join(f"\\({part}){text}" for part, text in zip(parts, texts[1:], strict=True))
        return f'"{body}"'

    def _conditional(self, depth: int, native: bool) -> str:
        expr = self._expression
        text = f"if {expr(depth, native=native)} then {expr(depth, native=native)}"
        if self.rng.random() < 0.3:
            text += f" elif {expr(depth, native=native)} then {expr(depth, native=native)}"
        if self.rng.random() < 0.5:
            text += f" else {expr(depth, native=native)}"
        return text + " end"

    def _pipe(self, depth: int, native: bool) -> str:
        return f"{self._expression(depth, native=native)} | {self._expression(depth, native=native)}"

    def _collect(self, depth: int, native: bool) -> str:
        return f"[{self._expression(depth, native=native)}]" if self.rng.random() < 0.9 else "[]"

    def _map(self, depth: int, native: bool) -> str:
        return f"{self.path()} | map({self._expression(depth, native=native)})"

    # -- beyond the native subset ------------------------------------------------------------
    def _comma(self, depth: int, native: bool) -> str:
        return f"{self.any(depth)}, {self.any(depth)}"

    def _iterate(self, depth: int, native: bool) -> str:
        return f"{self.path()}[]{self.rng.choice(['', '?'])}"

    def _select(self, depth: int, native: bool) -> str:
        return f"{self.path()} | select({self.any(depth)})"

    def _bind(self, depth: int, native: bool) -> str:
        name = f"v{len(self.bound)}"
        source = self.rng.choice([self.path(), f"({self.any(depth)})", "."])
        pattern = self.rng.choice([f"${name}", f"[${name}]", f"{{a: ${name}}}", f"{{${name}}}"])
        self.bound.append(name)
        try:
            body = self.any(depth)
        finally:
            self.bound.pop()
        return f"{source} as {pattern} | {body}"

    def _reduce(self, depth: int, native: bool) -> str:
        init = self.rng.choice(["0", "null", '""', "[]", self.path()])
        step = self.rng.choice([".", "tostring", "length"])
        return f"reduce {self.path()}[]? as $x ({init}; . + ($x | {step}))"

    def _try(self, depth: int, native: bool) -> str:
        if self.rng.random() < 0.5:
            return f"try {self._term(depth)}"
        return f"try {self._term(depth)} catch {self._term(depth)}"

    def _term(self, depth: int) -> str:
        return self.rng.choice([self.path(), f"({self.any(depth)})", "error", 'error("x")', "[.]"])

    def _object(self, depth: int, native: bool) -> str:
        entries = []
        for _ in range(self.rng.randint(1, 3)):
            roll = self.rng.random()
            key = self.rng.choice(KEYS)
            if roll < 0.3:
                entries.append(key)
            elif roll < 0.5:
                entries.append(f'"{key}": {self._term(depth)}')
            elif roll < 0.6:
                entries.append(f"({self._term(depth)} | tostring): 1")
            else:
                entries.append(f"{key}: {self.any(depth)}")
        return "{" + ", ".join(entries) + "}"

    def _slice(self, depth: int, native: bool) -> str:
        return f"{self.path()}{self.rng.choice(['[1:]', '[:1]', '[0:2]', '[.n]', '[.s]', '[-1:]'])}"

    def _arithmetic(self, depth: int, native: bool) -> str:
        op = self.rng.choice(["-", "*", "/", "%"])
        right = self.rng.choice(["2", "3", "0", self.path()]) if op == "*" else self.any(depth)
        if op == "*" and not right[0].isdigit():
            right = f'({right} | if type == "number" then ([., 3] | min) else . end)'
        left = f"-{self.path()}" if self.rng.random() < 0.2 else self.any(depth)
        return f"{left} {op} {right}"

    def _format(self, depth: int, native: bool) -> str:
        name = self.rng.choice(["@base64", "@json", "@text", "@html", "@uri"])
        return f'{name} "x\\({self.any(depth)})"'

    def _assign(self, depth: int, native: bool) -> str:
        return f"{self.path()} {self.rng.choice(['=', '|=', '//='])} {self._term(depth)}"

    def _define(self, depth: int, native: bool) -> str:
        return f"def f: {self.any(depth)}; f"

    def _call(self, depth: int, native: bool) -> str:
        rng = self.rng
        name = rng.choice(
            ["has", "first", "limit", "isempty", "join", "split", "test", "ltrimstr", "any", "IN"]
        )
        argument = {
            "has": lambda: rng.choice(['"a"', '"owner"', "0"]),
            "first": lambda: self.any(depth),
            "limit": lambda: f"1; {self.any(depth)}",
            "isempty": lambda: self.any(depth),
            "join": lambda: '","',
            "split": lambda: '"a"',
            "test": lambda: '"a"',
            "ltrimstr": lambda: '"a"',
            "any": lambda: f"{self.path()}[]?; . == 1",
            "IN": lambda: f'{self.any(depth)}; 1, "x"',
        }[name]()
        return f"{name}({argument})"

    def _optional(self, depth: int, native: bool) -> str:
        return f"{self._term(depth)}?"

    def _label(self, depth: int, native: bool) -> str:
        return f"label $out | {self.any(depth)}, break $out"

    # -- items -------------------------------------------------------------------------------
    def item(self, depth: int = 3) -> Any:
        """A raw item: usually an object with some of ``KEYS``; sometimes something else."""
        if self.rng.random() < 0.06:
            return self.value(1)
        keys = self.rng.sample(KEYS + ODD_KEYS, self.rng.randint(0, 6))
        return {key: self.value(depth) for key in keys}

    def value(self, depth: int) -> Any:
        rng = self.rng
        roll = rng.random()
        if depth > 0 and roll < 0.15:
            return [self.value(depth - 1) for _ in range(rng.randint(0, 3))]
        if depth > 0 and roll < 0.25:
            return {key: self.value(depth - 1) for key in rng.sample(KEYS, rng.randint(0, 3))}
        return rng.choice(
            [None, True, False, 0, 1, -3, 7, 2**53, 2**53 + 1, 1.0, 2.5, -0.0, 1e300, 0.1, 12345678.9,
             "", "a", "active", "Ab", "é", "x y", "1", "a\"b", "🚀"]
        )  # fmt: skip
