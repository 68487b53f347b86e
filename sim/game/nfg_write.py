"""Writing Gambit strategic-form game files (``.nfg``); reading is :mod:`sim.game.nfg`.

:func:`write_nfg` writes the payoff version, with strategy names, so that pygambit and
:func:`sim.game.nfg.parse_nfg` read it back to the same game. Exact payoffs are written as
``3`` or ``3/4``; float payoffs as their shortest ``repr``, with ``e+`` shortened to
``e`` (Gambit's reader refuses ``1e+16``). Names are the game's ``source_labels`` when
it has them (the names of the file it was read from, empty or repeated ones too), else
its labels. Quotes and backslashes in names are escaped; note that Gambit's own reader
keeps ``\\\\`` as two characters, so names with backslashes do not survive a trip
through Gambit.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from fractions import Fraction

from sim.game.normal_form import NormalFormGame, SourceLabels

__all__ = ["write_nfg"]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _format_number(value: Fraction | float) -> str:
    if isinstance(value, float):  # also numpy.float64
        return repr(float(value)).replace("e+", "e")
    exact = Fraction(value)
    return str(exact.numerator) if exact.denominator == 1 else f"{exact.numerator}/{exact.denominator}"


def _file_order(shape: Sequence[int]) -> Iterator[tuple[int, ...]]:
    """Profiles as index tuples, the first player's strategy varying fastest."""
    for reversed_profile in itertools.product(*(range(n) for n in reversed(shape))):
        yield reversed_profile[::-1]


def write_nfg(game: NormalFormGame) -> str:
    """The text of a Gambit ``.nfg`` file (payoff version, with strategy names).

    Exact payoffs are written when the game has them, else each float's shortest
    ``repr``, so that :func:`sim.game.nfg.parse_nfg` reads back the same values. Names are the
    game's ``source_labels`` when it has them (the names of the file it was read from),
    else its labels.

    Examples
    --------
    >>> pd = NormalFormGame.from_matrices(
    ...     "PD", ("Row", "Col"), (("C", "D"), ("C", "D")), [[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> print(write_nfg(pd), end="")
    NFG 1 R "PD" { "Row" "Col" }
    { { "C" "D" } { "C" "D" } }
    <BLANKLINE>
    3.0 3.0
    5.0 0.0
    0.0 5.0
    1.0 1.0
    """
    values = game.exact_payoffs if game.exact_payoffs is not None else game.payoffs
    names = game.source_labels or SourceLabels(game.players, game.strategies)
    players = " ".join(_quote(player) for player in names.players)
    strategies = " ".join("{ " + " ".join(_quote(s) for s in labels) + " }" for labels in names.strategies)
    lines = [f"NFG 1 R {_quote(game.name)} {{ {players} }}", f"{{ {strategies} }}", ""]
    for profile in _file_order(game.shape):
        lines.append(" ".join(_format_number(x) for x in values[profile]))
    return "\n".join(lines) + "\n"
