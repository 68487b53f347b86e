"""The formula language of scenarios: small, safe, checked when the scenario loads.

A formula is one Python-syntax *expression* over numbers. It is parsed once with
:mod:`ast`, every node is checked against a whitelist, and the tree is compiled into
nested closures; scenario text never reaches ``eval`` or ``exec``.

Allowed
    numbers, ``True``/``False``; ``+ - * / **`` and unary ``-``/``+``;
    ``< <= > >= == !=`` (chains allowed); ``and or not``; ``x if c else y``;
    the functions ``min max abs exp log sqrt clip(x, lo, hi)``; ``draw(p)`` (1 with
    probability ``p``, else 0, from the run's seeded generator) only where the scope
    allows it (:attr:`Scope.draws`: dynamics rules and ``stop_when``);
    names that the scope declares: parameters, ``round``, ``Actor.variable``, named
    sub-formulas (``let``), and *strategy references* (``EU`` inside a game's payoff,
    ``game.Player`` elsewhere) which may only be compared with ``==``/``!=`` to one of
    that player's strategy labels written as text: ``EU == 'D'``.
Refused
    any other name, call, attribute, subscript, lambda, comprehension, f-string,
    collection, names starting with ``_``; text longer than
    :data:`MAX_FORMULA_LENGTH`, more than :data:`MAX_FORMULA_NODES` nodes or nesting
    deeper than :data:`MAX_FORMULA_DEPTH`; with every ``let`` it uses written out, more
    than :data:`MAX_EXPANDED_NODES` parts or nesting deeper than
    :data:`MAX_EXPANDED_DEPTH` (lets that use each other twice double at every step).
Bounded cost
    constant parts are computed at load (``9**9**9`` overflows and is refused then);
    powers are computed in floating point (or exactly only for small integer
    exponents), and an exact value larger than :data:`MAX_EXACT_BITS` becomes a float,
    so no formula can run for long, recurse too deep or allocate without bound. The
    limits on size are checked when a formula is compiled; evaluating it only checks that
    lets and results are finite and that exact values stay within their bound.
Finite results
    the value of a formula, and of every ``let`` it uses, must be a finite number; an
    infinite or undefined (``nan``) value is a :class:`~sim.errors.FormulaError`.

Seeded events
    ``draw(p)`` is never constant (it is not computed at load, even as ``draw(0.5)``);
    each evaluation reads one number ``u`` from the callable stored under
    :data:`UNIFORM` in the values (the model puts its generator's ``random`` there)
    and gives ``1 if u < p else 0``, whatever ``p`` is: the generator advances by one
    number per draw, so the same seed gives the same draws. ``p`` outside ``[0, 1]``
    (or not a number) is a :class:`~sim.errors.FormulaError` when it is evaluated.

Each formula is compiled twice: for floats (the simulation) and for exact
:class:`fractions.Fraction` arithmetic (exact equilibria); ``exp``, ``log`` and
``sqrt`` leave exact arithmetic and return floats.

Examples
--------
>>> scope = Scope(numbers=frozenset({"cost", "EU.trust"}), labels={"EU": ("D", "H")})
>>> f = Formula.compile("2 * cost if EU == 'D' else EU.trust", scope)
>>> f.evaluate({"cost": 1.5, "EU.trust": 0.25, "EU": "D"})
3.0
>>> Formula.compile("__import__('os')", scope)
Traceback (most recent call last):
...
sim.errors.FormulaError: formula "__import__('os')": names starting with '_' are not allowed
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from sim.errors import FormulaError, did_you_mean

__all__ = [
    "DRAW_REFUSED",
    "FUNCTIONS",
    "MAX_EXACT_BITS",
    "MAX_EXPANDED_DEPTH",
    "MAX_EXPANDED_NODES",
    "MAX_FORMULA_DEPTH",
    "MAX_FORMULA_LENGTH",
    "MAX_FORMULA_NODES",
    "UNIFORM",
    "Formula",
    "Scope",
    "shorten",
]

#: Longest formula text accepted, in characters.
MAX_FORMULA_LENGTH = 2000
#: Most syntax-tree nodes in one formula.
MAX_FORMULA_NODES = 500
#: Deepest nesting of one formula's syntax tree.
MAX_FORMULA_DEPTH = 40
#: Most parts (sub-expressions) of one formula with every ``let`` it uses written out:
#: bounds the work of one evaluation (lets that use another let twice double in size).
MAX_EXPANDED_NODES = 5000
#: Deepest nesting of one formula with every ``let`` it uses written out (a chain of lets
#: nests): evaluation recurses about three Python frames per level, far below Python's
#: recursion limit of 1000 at this bound.
MAX_EXPANDED_DEPTH = 100
#: Largest exact value, in bits of numerator plus denominator; a larger exact result
#: becomes a float (the game then has no exact payoffs), so exact arithmetic stays fast.
MAX_EXACT_BITS = 8192
#: Largest integer exponent computed exactly; larger powers use floating point.
_MAX_EXACT_EXPONENT = 64
#: Bits of the largest float (about 1.8e308): a larger integer result is not a number.
_FLOAT_BITS = 1024
#: Most characters of a formula quoted in an error message.
_MAX_QUOTED = 100
#: The key of the values under which a run gives formulas its uniform random numbers: a
#: callable with no arguments returning a float in [0, 1) (the model's ``rng.random``).
#: A formula cannot name it (names starting with ``_`` are refused), so it never clashes.
UNIFORM = "_uniform"
#: Why ``draw`` is refused outside the dynamics and ``stop_when`` (see :attr:`Scope.draws`).
DRAW_REFUSED = (
    "draw() is only allowed in dynamics (set and when) and stop_when: payoffs, lets, conditional "
    "cases and metrics are fixed functions of the state (equilibria are verified against the payoffs); "
    "draw into a state variable in a rule and read that variable here"
)

Values = Mapping[str, Any]
_Fn = Callable[[Values], Any]


def shorten(text: str) -> str:
    """``text`` for an error message: at most :data:`_MAX_QUOTED` characters.

    Examples
    --------
    >>> shorten("cost + 1"), len(shorten("x + " * 100))
    ('cost + 1', 100)
    """
    return text if len(text) <= _MAX_QUOTED else text[: _MAX_QUOTED - 3] + "..."


class _EvalError(Exception):
    """Raised inside compiled closures; turned into FormulaError with the text."""


def _checked_float(value: float) -> float:
    if math.isnan(value) or math.isinf(value):
        raise _EvalError("the result is not a finite number")
    return value


def _div(a: Any, b: Any) -> Any:
    if b == 0:
        raise _EvalError("division by zero")
    return a / b


def _pow(a: Any, b: Any) -> float:
    """``a ** b`` in floating point (the simulation's arithmetic)."""
    try:
        return _checked_float(math.pow(float(a), float(b)))
    except OverflowError:
        raise _EvalError(f"power overflows ({_show(a)} ** {_show(b)})") from None
    except (ValueError, ZeroDivisionError):
        raise _EvalError(f"power undefined ({_show(a)} ** {_show(b)})") from None


def _show(x: Any) -> str:
    """A number for a message, without converting a huge one to float."""
    try:
        return f"{float(x):g}"
    except OverflowError:
        return "a number too large for a float"


def _exact_bits(x: Any) -> int:
    """Size of an exact value: bits of numerator plus denominator (0 for a float)."""
    if isinstance(x, Fraction):
        return x.numerator.bit_length() + x.denominator.bit_length()
    if isinstance(x, int):
        return x.bit_length()
    return 0


def _bounded(value: Any) -> Any:
    """An exact result, or its float when it is larger than :data:`MAX_EXACT_BITS`."""
    try:  # a Fraction: its slots, read without the properties' calls (this runs per exact operation)
        if value._numerator.bit_length() + value._denominator.bit_length() <= MAX_EXACT_BITS:
            return value
    except AttributeError:  # an int (`round`), a bool, or a float (after exp, ...)
        if _exact_bits(value) <= MAX_EXACT_BITS:
            return value
    try:
        return float(value)
    except OverflowError:
        raise _EvalError("an exact value is too large for a number") from None


def _pow_exact(a: Any, b: Any) -> Any:
    """``a ** b`` exactly for a rational ``a`` and a small integer ``b`` whose result
    fits :data:`MAX_EXACT_BITS` (checked before computing it), else in floating point."""
    if (
        isinstance(a, (Fraction, int))
        and isinstance(b, (Fraction, int))
        and Fraction(b).denominator == 1
        and abs(int(b)) <= _MAX_EXACT_EXPONENT
        and _exact_bits(a) * abs(int(b)) <= MAX_EXACT_BITS
    ):
        if a == 0 and b < 0:
            raise _EvalError("zero raised to a negative power")
        return Fraction(a) ** int(b)
    return _pow(a, b)


def _exact_add(a: Any, b: Any) -> Any:
    return _bounded(a + b)


def _exact_sub(a: Any, b: Any) -> Any:
    return _bounded(a - b)


def _exact_mul(a: Any, b: Any) -> Any:
    return _bounded(a * b)


def _exact_div(a: Any, b: Any) -> Any:
    return _bounded(_div(a, b))


def _exp(x: Any) -> float:
    try:
        return math.exp(float(x))
    except OverflowError:
        raise _EvalError(f"exp({float(x):g}) overflows") from None


def _log(x: Any) -> float:
    if x <= 0:
        raise _EvalError(f"log of a non-positive number ({float(x):g})")
    return math.log(float(x))


def _sqrt(x: Any) -> float:
    if x < 0:
        raise _EvalError(f"sqrt of a negative number ({float(x):g})")
    return math.sqrt(float(x))


def _clip(x: Any, lo: Any, hi: Any) -> Any:
    if lo > hi:
        raise _EvalError(f"clip with lower bound {float(lo):g} above upper bound {float(hi):g}")
    return min(max(x, lo), hi)


def _draw(p: Any, values: Values) -> int:
    """``draw(p)``: 1 if the run's next uniform number is below ``p``, else 0."""
    if not 0 <= p <= 1:  # also refuses nan
        raise _EvalError(f"draw(p) needs a probability p from 0 to 1, got {_show(p)}")
    try:
        uniform = values[UNIFORM]
    except KeyError:
        raise _EvalError("draw() needs the run's random generator: it is evaluated only during a run") from None
    return 1 if uniform() < p else 0


#: The callable functions: name -> (implementation, fewest arguments, most arguments).
#: ``draw`` is compiled apart (it reads the run's generator from the values: ``_draw``).
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "min": (min, 2, None),
    "max": (max, 2, None),
    "abs": (abs, 1, 1),
    "exp": (_exp, 1, 1),
    "log": (_log, 1, 1),
    "sqrt": (_sqrt, 1, 1),
    "clip": (_clip, 3, 3),
    "draw": (_draw, 1, 1),
}

#: operator -> (float implementation, exact implementation). The exact ones keep every
#: result within :data:`MAX_EXACT_BITS` (each input is, so computing it first is cheap).
_BINARY: dict[type[ast.operator], tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any]]] = {
    ast.Add: (operator.add, _exact_add),
    ast.Sub: (operator.sub, _exact_sub),
    ast.Mult: (operator.mul, _exact_mul),
    ast.Div: (_div, _exact_div),
    ast.Pow: (_pow, _pow_exact),
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_REFUSED: dict[type[ast.AST], str] = {
    ast.Lambda: "lambda functions are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.Subscript: "subscripts ([...]) are not allowed",
    ast.List: "lists are not allowed",
    ast.Tuple: "tuples are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Set: "sets are not allowed",
    ast.NamedExpr: "assignments (:=) are not allowed",
    ast.Starred: "starred arguments are not allowed",
    ast.Await: "await is not allowed",
    ast.Slice: "slices are not allowed",
}


@dataclass(frozen=True)
class Scope:
    """The names a formula may use.

    Attributes
    ----------
    numbers : frozenset of str
        Keys holding numbers: parameters, ``round``, ``"Actor.variable"``.
    labels : mapping
        Keys holding a strategy label (``"EU"`` in a payoff, ``"game.Player"``) ->
        the labels that key can take. Before a game is first played its
        ``game.Player`` value is ``None`` and equals no label.
    lets : mapping
        Named sub-formulas, usable by name (they are inlined).
    groups : mapping
        ``"EU" -> "actor"``, ``"troop" -> "game"``: prefixes of dotted names, used only
        to explain mistakes.
    draws : bool
        Whether ``draw(p)`` may be called (dynamics rules and ``stop_when``); elsewhere
        it is refused with :data:`DRAW_REFUSED`.
    """

    numbers: frozenset[str] = frozenset()
    labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    lets: Mapping[str, Formula] = field(default_factory=dict)
    groups: Mapping[str, str] = field(default_factory=dict)
    draws: bool = False

    def with_lets(self, lets: Mapping[str, Formula]) -> Scope:
        """This scope plus more named sub-formulas."""
        return replace(self, lets={**self.lets, **lets})

    def with_labels(self, labels: Mapping[str, tuple[str, ...]]) -> Scope:
        """This scope plus more strategy references."""
        return replace(self, labels={**self.labels, **labels})

    def with_draws(self) -> Scope:
        """This scope, where ``draw(p)`` may be called.

        Examples
        --------
        >>> f = Formula.compile("draw(0.5)", Scope().with_draws())
        >>> f.is_constant, f.evaluate({UNIFORM: lambda: 0.25}), f.evaluate({UNIFORM: lambda: 0.75})
        (False, 1, 0)
        """
        return replace(self, draws=True)

    def known(self) -> list[str]:
        """Every name this scope resolves, sorted."""
        return sorted({*self.numbers, *self.labels, *self.lets})


@dataclass(frozen=True)
class _Node:
    """A compiled sub-expression: float and exact closures and a static kind.

    ``kind`` is ``"number"`` (numbers and truth values), ``"label"`` (a strategy
    reference; ``domain`` holds its labels) or ``"text"`` (a string literal).
    """

    fn: _Fn
    exact: _Fn
    kind: str = "number"
    const: bool = False
    domain: tuple[str, ...] = ()
    key: str = ""
    text: str = ""


class Formula:
    """A checked, compiled formula. Build with :meth:`compile` or :meth:`constant`.

    Attributes
    ----------
    text : str
        The source text.
    origin : str
        Where it was written (``file:line field``), used in messages.
    names : frozenset of str
        The keys it reads (after inlining ``let`` names).
    size, depth : int
        Parts and nesting depth with every ``let`` it uses written out (see
        :data:`MAX_EXPANDED_NODES`, :data:`MAX_EXPANDED_DEPTH`).
    """

    __slots__ = ("_exact", "_fn", "depth", "is_constant", "names", "origin", "size", "text")

    def __init__(
        self,
        text: str,
        fn: _Fn,
        exact: _Fn,
        names: frozenset[str],
        origin: str,
        is_constant: bool,
        size: int = 1,
        depth: int = 1,
    ) -> None:
        self.text = text
        self._fn = fn
        self._exact = exact
        self.names = names
        self.origin = origin
        self.is_constant = is_constant
        self.size = size
        self.depth = depth

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"

    @classmethod
    def constant(cls, value: float | int | bool, origin: str = "") -> Formula:
        """A formula that always yields ``value`` (a number written in YAML).

        Examples
        --------
        >>> Formula.constant(0.1).evaluate_exact({})
        Fraction(1, 10)
        """
        exact = _exact_number(value)
        return cls(repr(value), lambda v: value, lambda v: exact, frozenset(), origin, True)

    @classmethod
    def compile(cls, text: str, scope: Scope, origin: str = "") -> Formula:
        """Parse, check and compile ``text`` in ``scope``.

        Raises
        ------
        FormulaError
            If the text is not a valid formula of the language, names something the
            scope lacks, is too large with its lets written out, or has a constant part
            that cannot be computed.
        """
        tree = _parse(text, origin)
        compiler = _Compiler(scope, text, origin)
        node = compiler.visit(tree.body, 1)
        if node.kind != "number":
            raise compiler.fail("a strategy or text alone is not a value; compare it, e.g. EU == 'D'")
        size, depth = _expanded(tree.body, scope.lets)  # the tree is at most MAX_FORMULA_DEPTH deep here
        if node.const:
            size = depth = 1
        if depth > MAX_EXPANDED_DEPTH:
            raise compiler.fail(
                f"with the let sub-formulas it uses written out, the formula nests {depth} levels deep; "
                f"the limit is {MAX_EXPANDED_DEPTH} (sim.scenario.expressions.MAX_EXPANDED_DEPTH): "
                "shorten the chain of lets that use each other"
            )
        if size > MAX_EXPANDED_NODES:
            raise compiler.fail(
                f"with the let sub-formulas it uses written out, the formula has {size} parts; "
                f"the limit is {MAX_EXPANDED_NODES} (sim.scenario.expressions.MAX_EXPANDED_NODES): "
                "a let that uses another let several times multiplies its size"
            )
        return cls(text, node.fn, node.exact, frozenset(compiler.names), origin, node.const, size, depth)

    def evaluate(self, values: Values) -> Any:
        """Value in floating point (a float, int or bool).

        Raises
        ------
        FormulaError
            On division by zero, a math domain error, overflow or a non-finite result.
        """
        return self._run(self._fn, values)

    def evaluate_exact(self, values: Values) -> Any:
        """Value in exact arithmetic: a Fraction (or bool), or a float if ``exp``,
        ``log``, ``sqrt`` or a non-integer power was used. ``values`` should hold
        Fractions."""
        return self._run(self._exact, values)

    def _run(self, fn: _Fn, values: Values) -> Any:
        try:
            result = fn(values)
        except _EvalError as exc:
            raise self._error(str(exc)) from None
        except ArithmeticError as exc:  # OverflowError: an integer too large for a float, ...
            raise self._error(f"arithmetic error: {exc}") from None
        if isinstance(result, float):
            if result - result:  # nan for inf and nan, 0.0 for every finite number
                raise self._error("the result is not a finite number" + self._missing(values))
        elif type(result) is int and result.bit_length() > _FLOAT_BITS:  # only `round` and draw() are ints
            raise self._error("the result is too large for a number")
        return result

    def _error(self, message: str) -> FormulaError:
        return FormulaError(message, formula=shorten(self.text), origin=self.origin)

    def _missing(self, values: Values) -> str:
        """A hint when the formula read a value that is not a number yet (the agreement
        of talks that have not agreed)."""
        for name in sorted(self.names):
            value = values.get(name) if isinstance(values, Mapping) else None
            if isinstance(value, float) and math.isnan(value) and ".agreement." in name:
                game = name.partition(".")[0]
                return (
                    f" ({name} has no value: {game} has not agreed; read it under "
                    f"`{game}.agreed == 1`, e.g. `{name} if {game}.agreed == 1 else 0`)"
                )
        return ""


def _exact_number(value: Any) -> Any:
    """Exact form of a number as written: ``0.1`` -> ``Fraction(1, 10)``."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def _parse(text: str, origin: str) -> ast.Expression:
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("a formula must be non-empty text", formula=shorten(str(text)), origin=origin)
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaError(
            f"the formula is {len(text)} characters long; the limit is {MAX_FORMULA_LENGTH} "
            "(sim.scenario.expressions.MAX_FORMULA_LENGTH) "
            "(split it with `let:` sub-formulas)",
            formula=shorten(text),
            origin=origin,
        )
    try:
        tree = ast.parse(" ".join(text.split()), mode="eval")  # line breaks (YAML folding) are spaces
    except SyntaxError as exc:
        raise FormulaError(f"syntax error: {exc.msg}", formula=shorten(text), origin=origin) from None
    except (ValueError, RecursionError, MemoryError):
        raise FormulaError(
            "the formula cannot be parsed (too deep or invalid characters)", formula=shorten(text), origin=origin
        ) from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_FORMULA_NODES:
        raise FormulaError(
            f"the formula has {count} parts; the limit is {MAX_FORMULA_NODES} "
            "(sim.scenario.expressions.MAX_FORMULA_NODES) "
            "(split it with `let:` sub-formulas)",
            formula=shorten(text),
            origin=origin,
        )
    return tree


class _Compiler:
    """Turns a checked syntax tree into closures; one instance per formula."""

    def __init__(self, scope: Scope, text: str, origin: str) -> None:
        self.scope = scope
        self.text = text
        self.origin = origin
        self.names: set[str] = set()

    def fail(self, message: str) -> FormulaError:
        return FormulaError(message, formula=shorten(self.text), origin=self.origin)

    def visit(self, node: ast.AST, depth: int) -> _Node:
        if depth > MAX_FORMULA_DEPTH:
            raise self.fail(
                f"the formula nests deeper than {MAX_FORMULA_DEPTH} levels "
                "(sim.scenario.expressions.MAX_FORMULA_DEPTH); "
                "split it with `let:` sub-formulas"
            )
        for refused, message in _REFUSED.items():
            if isinstance(node, refused):
                raise self.fail(message)
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise self.fail(f"{type(node).__name__} expressions are not allowed")
        compiled: _Node = method(node, depth + 1)
        return _fold(compiled, self) if compiled.const and compiled.kind == "number" else compiled

    def number(self, node: ast.AST, depth: int, role: str) -> _Node:
        compiled = self.visit(node, depth)
        if compiled.kind != "number":
            what = "a strategy" if compiled.kind == "label" else "text"
            raise self.fail(f"{what} cannot be used as {role}; compare it with == or != to a label, e.g. EU == 'D'")
        return compiled

    def _Constant(self, node: ast.Constant, depth: int) -> _Node:
        value = node.value
        if isinstance(value, bool):
            return _Node(lambda v: value, lambda v: value, const=True)
        if isinstance(value, (int, float)):
            try:
                number = _checked_float(float(value))
            except (OverflowError, _EvalError):
                raise self.fail("a number in the formula is too large") from None
            exact = _exact_number(value)
            return _Node(lambda v: number, lambda v: exact, const=True)
        if isinstance(value, str):
            return _Node(lambda v: value, lambda v: value, kind="text", const=True, text=value)
        raise self.fail(f"the constant {value!r} is not allowed (only numbers, True, False, 'label')")

    def _check_name(self, name: str) -> None:
        if name.startswith("_"):
            raise self.fail("names starting with '_' are not allowed")

    def _Name(self, node: ast.Name, depth: int) -> _Node:
        name = node.id
        self._check_name(name)
        if name in self.scope.lets:
            let = self.scope.lets[name]
            self.names.update(let.names)
            if let.is_constant:
                return _Node(let._fn, let._exact, const=True)
            return _Node(_finite_let(let._fn, name), let._exact)
        if name in FUNCTIONS:
            raise self.fail(f"{name} is a function; call it, e.g. {name}(...)")
        return self._lookup(name)

    def _lookup(self, key: str) -> _Node:
        self.names.add(key)
        read = operator.itemgetter(key)  # in C: no Python frame per lookup
        if key in self.scope.labels:
            domain = self.scope.labels[key]
            return _Node(read, read, kind="label", domain=domain, key=key)
        if key in self.scope.numbers:
            return _Node(read, read)
        raise self.fail(self._unknown(key))

    def _unknown(self, key: str) -> str:
        head, _, tail = key.partition(".")
        group = self.scope.groups.get(head)
        if group and not tail:
            members = sorted(
                k.partition(".")[2] for k in {*self.scope.numbers, *self.scope.labels} if k.startswith(head + ".")
            )
            what = "variable" if group == "actor" else "player"
            article = "an" if group == "actor" else "a"
            return f"{head} is {article} {group}: use {head}.<{what}> (known: {', '.join(members) or 'none'})"
        if group and tail:
            members = sorted(
                k.partition(".")[2] for k in {*self.scope.numbers, *self.scope.labels} if k.startswith(head + ".")
            )
            what = "state variable" if group == "actor" else "player"
            hint = did_you_mean(tail, members)
            return f"{group} {head} has no {what} {tail!r}{hint} (known: {', '.join(members) or 'none'})"
        hint = did_you_mean(key, self.scope.known())
        return f"unknown name {key!r}{hint}"

    def _Attribute(self, node: ast.Attribute, depth: int) -> _Node:
        parts = [node.attr]
        value = node.value
        if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name):  # game.agreement.issue
            parts.append(value.attr)
            value = value.value
        if not isinstance(value, ast.Name):
            raise self.fail(
                "attribute access other than Actor.variable, game.Player or game.agreement.<issue> is not allowed"
            )
        parts.append(value.id)
        for part in parts:
            self._check_name(part)
        return self._lookup(".".join(reversed(parts)))

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> _Node:
        operand = self.number(node.operand, depth, "an operand")
        f, e = operand.fn, operand.exact
        if isinstance(node.op, ast.Not):
            return _Node(lambda v: not f(v), lambda v: not e(v), const=operand.const)
        if isinstance(node.op, ast.USub):
            return _Node(lambda v: -f(v), lambda v: -e(v), const=operand.const)
        if isinstance(node.op, ast.UAdd):
            return operand
        raise self.fail("the operator ~ is not allowed")

    def _BinOp(self, node: ast.BinOp, depth: int) -> _Node:
        entry = _BINARY.get(type(node.op))
        if entry is None:
            raise self.fail(f"the operator {_op_text(node.op)} is not allowed (allowed: + - * / **)")
        op, exact_op = entry
        left = self.number(node.left, depth, "an operand")
        right = self.number(node.right, depth, "an operand")
        return _Node(
            _apply(op, left.fn, right.fn, left.const, right.const),
            _apply(exact_op, left.exact, right.exact, left.const, right.const),
            const=left.const and right.const,
        )

    def _BoolOp(self, node: ast.BoolOp, depth: int) -> _Node:
        parts = [self.number(value, depth, "a condition") for value in node.values]
        fns = tuple(p.fn for p in parts)
        exacts = tuple(p.exact for p in parts)
        const = all(p.const for p in parts)
        if isinstance(node.op, ast.And):
            return _Node(lambda v: all(f(v) for f in fns), lambda v: all(f(v) for f in exacts), const=const)
        return _Node(lambda v: any(f(v) for f in fns), lambda v: any(f(v) for f in exacts), const=const)

    def _IfExp(self, node: ast.IfExp, depth: int) -> _Node:
        test = self.number(node.test, depth, "a condition")
        body = self.number(node.body, depth, "a value")
        other = self.number(node.orelse, depth, "a value")
        if test.const and bool(test.fn({})) == bool(test.exact({})):  # a fixed branch
            return body if test.fn({}) else other
        t, b, o = test.fn, body.fn, other.fn
        te, be, oe = test.exact, body.exact, other.exact
        const = test.const and body.const and other.const
        return _Node(lambda v: b(v) if t(v) else o(v), lambda v: be(v) if te(v) else oe(v), const=const)

    def _Compare(self, node: ast.Compare, depth: int) -> _Node:
        operands = [self.visit(item, depth) for item in (node.left, *node.comparators)]
        if any(o.kind != "number" for o in operands):
            return self._compare_label(node, operands)
        ops = []
        for op in node.ops:
            fn = _COMPARE.get(type(op))
            if fn is None:
                raise self.fail(f"the comparison {_op_text(op)} is not allowed (allowed: < <= > >= == !=)")
            ops.append(fn)
        fns = tuple(o.fn for o in operands)
        exacts = tuple(o.exact for o in operands)
        if len(ops) == 1:  # the common a < b
            return _Node(
                _apply(ops[0], fns[0], fns[1], False, False),
                _apply(ops[0], exacts[0], exacts[1], False, False),
                const=operands[0].const and operands[1].const,
            )

        def chain(v: Values, parts: tuple[_Fn, ...]) -> bool:
            values = [p(v) for p in parts]
            return all(op(values[i], values[i + 1]) for i, op in enumerate(ops))

        const = all(o.const for o in operands)
        return _Node(lambda v: chain(v, fns), lambda v: chain(v, exacts), const=const)

    def _compare_label(self, node: ast.Compare, operands: list[_Node]) -> _Node:
        if len(operands) != 2 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            raise self.fail("a strategy can only be compared with == or != to one label, e.g. EU == 'D'")
        kinds = {o.kind for o in operands}
        if kinds != {"label", "text"}:
            raise self.fail("compare a strategy with a label written as text, e.g. EU == 'D'")
        ref = next(o for o in operands if o.kind == "label")
        label = next(o for o in operands if o.kind == "text").text
        if label not in ref.domain:
            hint = did_you_mean(label, list(ref.domain))
            chance = ref.key.endswith(".chance")
            what, kind = ("a chance move of", "moves") if chance else ("a strategy of", "strategies")
            raise self.fail(f"{label!r} is not {what} {ref.key}{hint} ({kind}: {', '.join(ref.domain)})")
        key = ref.key
        if isinstance(node.ops[0], ast.Eq):
            return _Node(lambda v: v[key] == label, lambda v: v[key] == label)
        return _Node(lambda v: v[key] != label, lambda v: v[key] != label)

    def _Call(self, node: ast.Call, depth: int) -> _Node:
        if not isinstance(node.func, ast.Name):
            raise self.fail(f"only the functions {', '.join(FUNCTIONS)} may be called")
        name = node.func.id
        self._check_name(name)
        if name not in FUNCTIONS:
            raise self.fail(f"the function {name!r} is not allowed (allowed: {', '.join(FUNCTIONS)})")
        if node.keywords:
            raise self.fail(f"{name}() takes no keyword arguments")
        function, fewest, most = FUNCTIONS[name]
        if len(node.args) < fewest or (most is not None and len(node.args) > most):
            wanted = str(fewest) if most == fewest else f"at least {fewest}"
            raise self.fail(f"{name}() takes {wanted} arguments, got {len(node.args)}")
        args = [self.number(arg, depth, "an argument") for arg in node.args]
        if function is _draw:
            return self._draw(args[0])
        fns = tuple(a.fn for a in args)
        exacts = tuple(a.exact for a in args)
        const = all(a.const for a in args)
        return _Node(_call(function, fns), _call(function, exacts), const=const)

    def _draw(self, probability: _Node) -> _Node:
        """``draw(p)``: never constant (so never folded, never computed at load); in both
        arithmetics an int, 0 or 1, from the same generator."""
        if not self.scope.draws:
            raise self.fail(DRAW_REFUSED)
        p = probability.fn
        pe = probability.exact
        return _Node(lambda v: _draw(p(v), v), lambda v: _draw(pe(v), v))


def _finite_let(fn: _Fn, name: str) -> _Fn:
    """The float value of the let ``name``, refused when not finite (like any formula's)."""

    def value(v: Values) -> Any:
        result = fn(v)
        if result - result:  # nan for inf and nan, 0 for every finite number
            raise _EvalError(f"the let {name} is not a finite number")
        return result

    return value


def _expanded(node: ast.AST, lets: Mapping[str, Formula]) -> tuple[int, int]:
    """Parts and depth of an expression with each let it names written out (a let
    counts one level more: its finiteness check)."""
    if isinstance(node, ast.Name) and node.id in lets:
        let = lets[node.id]
        return (1, 1) if let.is_constant else (let.size, let.depth + 1)
    size, depth = 1, 0
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.expr):
            child_size, child_depth = _expanded(child, lets)
            size += child_size
            depth = max(depth, child_depth)
    return size, depth + 1


def _apply(op: Callable[[Any, Any], Any], left: _Fn, right: _Fn, left_const: bool, right_const: bool) -> _Fn:
    """``op(left(v), right(v))``, with a constant side read once, here."""
    if right_const and not left_const:
        constant = right({})
        return lambda v: op(left(v), constant)
    if left_const and not right_const:
        constant = left({})
        return lambda v: op(constant, right(v))
    return lambda v: op(left(v), right(v))


def _call(function: Callable[..., Any], args: tuple[_Fn, ...]) -> _Fn:
    """``function(*(a(v) for a in args))``, without the generator for one to three arguments."""
    if len(args) == 1:
        (a,) = args
        return lambda v: function(a(v))
    if len(args) == 2:
        a, b = args
        return lambda v: function(a(v), b(v))
    if len(args) == 3:
        a, b, c = args
        return lambda v: function(a(v), b(v), c(v))
    return lambda v: function(*[a(v) for a in args])


def _fold(node: _Node, compiler: _Compiler) -> _Node:
    """Compute a constant sub-expression now, so its cost and errors show at load."""
    try:
        value = node.fn({})
        if isinstance(value, float):
            _checked_float(value)
        exact = node.exact({})
    except _EvalError as exc:
        raise compiler.fail(f"{exc} (in a constant part of the formula)") from None
    except (OverflowError, ArithmeticError) as exc:
        raise compiler.fail(f"arithmetic error in a constant part: {exc}") from None
    return _Node(lambda v: value, lambda v: exact, const=True)


def _op_text(op: ast.AST) -> str:
    symbols = {
        ast.Mod: "%",
        ast.FloorDiv: "//",
        ast.MatMult: "@",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.BitAnd: "&",
        ast.BitOr: "|",
        ast.BitXor: "^",
        ast.In: "in",
        ast.NotIn: "not in",
        ast.Is: "is",
        ast.IsNot: "is not",
        ast.Invert: "~",
    }
    return symbols.get(type(op), type(op).__name__)
