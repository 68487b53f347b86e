"""Numbers for reading (sim.game.readable): short fractions as fractions, float noise as decimals."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from sim.game.readable import MAX_READABLE_DENOMINATOR, fraction_text


@given(st.fractions(max_denominator=MAX_READABLE_DENOMINATOR))
def test_a_short_fraction_is_written_as_it_is(value: Fraction) -> None:
    assert Fraction(fraction_text(value)) == value


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).filter(lambda x: Fraction(x).denominator > 10**6))
def test_a_float_carried_exactly_reads_as_its_decimal(value: float) -> None:
    # Fraction(0.497) is 0.497's binary value exactly: a denominator near 2**50
    text = fraction_text(Fraction(value))
    assert "/" not in text
    assert abs(float(text) - value) <= 1e-3 * max(1.0, abs(value))
