"""Numbers for reading: an exact fraction where it is short, a decimal otherwise.

A fraction is exact, but not always meaningful: a payoff computed from a state variable
that is itself a float (``fatigue`` 1.015) converts exactly into fractions such as
``24850000000000001/50000000000000000``, float noise carried exactly. Human-readable
views (the story, ``solve``'s text, the browser page) show such a value as a decimal;
the tables and JSON keep the exact fraction.
"""

from __future__ import annotations

from fractions import Fraction

__all__ = ["MAX_READABLE_DENOMINATOR", "fraction_text"]

#: The largest denominator shown as a fraction; above it, a decimal (float noise has
#: denominators near 10**16, the fractions of a model's own numbers a few digits).
MAX_READABLE_DENOMINATOR = 10**6


def fraction_text(value: Fraction, digits: int = 4) -> str:
    """``"193/215"``, or a decimal of ``digits`` significant digits when the denominator is
    above :data:`MAX_READABLE_DENOMINATOR`.

    Examples
    --------
    >>> fraction_text(Fraction(193, 215)), fraction_text(Fraction(3))
    ('193/215', '3')
    >>> fraction_text(Fraction(24850000000000001, 50000000000000000))
    '0.497'
    """
    if value.denominator <= MAX_READABLE_DENOMINATOR:
        return str(value)
    return format(float(value), f".{digits}g")
