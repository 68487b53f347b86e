"""Every numerical tolerance of diplosim, in one place.

Two kinds of numbers are compared with a tolerance:

* **payoffs** (expected payoffs, regrets, dominance margins, welfare). A tolerance on
  payoffs is *relative to the game's payoff scale*: :func:`payoff_tolerance` turns a
  relative tolerance into one in the game's own units, from the spread of its payoffs
  (:attr:`sim.game.normal_form.NormalFormGame.payoff_scale`) and their size
  (:attr:`~sim.game.normal_form.NormalFormGame.payoff_magnitude`, for the round-off of numbers far
  from zero). The solvers never see the game as written: they see its normalised copy
  (:mod:`sim.game.scaling`), whose payoffs lie in ``[0, 1)`` for every player with a spread of
  at least ``1/2``; there these tolerances are absolute. So a game's equilibria do not
  depend on the unit its payoffs are written in (``tests/test_scale_invariance.py``).
* **probabilities**, which need no scale.

Every tolerance below is a named constant with the reason for its value; the solver code
uses no bare tolerance literal (a test checks this).
"""

from __future__ import annotations

__all__ = [
    "CANONICAL_MATCH",
    "CHANCE_SUM",
    "DERIVATIVE_STEP",
    "DOMINANCE_LP",
    "FEASIBILITY",
    "FIRST_ORDER",
    "FIXED_POINT",
    "GAIN_FLOOR",
    "GAMBIT_ENUMPOLY",
    "GAMBIT_LOGIT",
    "ISSUE_SLACK",
    "LOGIT_RESIDUAL",
    "LOG_FLOOR",
    "MAXIMUM_X",
    "MULTI_ACTIVE",
    "MULTI_AGREEMENT",
    "MULTI_FEASIBLE",
    "MULTI_FIRST_ORDER",
    "NEGATIVE_PROBABILITY",
    "PROBABILITY_SUM",
    "QRE_ROOT",
    "REGRET",
    "ROOT_X",
    "ROUNDING",
    "SAME_PROBABILITY",
    "SINGULAR",
    "SLSQP_FTOL",
    "SUPPORT_ENUMERATION",
    "WEIGHT",
    "ZERO_PROBABILITY",
    "payoff_tolerance",
]

# --- payoffs (relative to the payoff scale) ----------------------------------------

#: A profile is an equilibrium if no player gains more than this (times the payoff scale)
#: by deviating; also the tolerance of ties between payoffs (best responses, dominance,
#: selection rules). Far above round-off (about 1e-15 on the normalised game), far below
#: any difference a modeller means.
REGRET = 1e-9
#: Relative round-off allowed on top of :data:`REGRET` for payoffs far from zero (a game
#: written as 1e12 plus small amounts): 64 units in the last place of a float.
ROUNDING = 64 * 2.0**-52


def payoff_tolerance(scale: float, magnitude: float, relative: float = REGRET) -> float:
    """The tolerance, in the game's units, on payoffs spread over ``scale`` and as large
    as ``magnitude`` in absolute value.

    Examples
    --------
    >>> payoff_tolerance(10.0, 10.0) == 1e-8 + 10 * ROUNDING
    True
    >>> payoff_tolerance(2e-9, 2e-9) < 1e-17
    True
    """
    return relative * scale + ROUNDING * magnitude


# --- the vertex enumeration kernel (on normalised payoffs shifted into [1, 2]) --------

#: A point violates a constraint of a best-response polytope, or makes it tight, when it
#: is off by more, or by less, than this. The constraints' coefficients lie in [1, 2] and
#: the points in [0, 1], so this is relative to the size of the numbers compared.
FEASIBILITY = 1e-9

#: A system of tight constraints is singular (it names no single vertex) when its
#: determinant is not larger (systems of up to 3 unknowns, coefficients in [1, 2]), or
#: when its condition number (1-norm) is at least the inverse of this.
SINGULAR = 1e-12

# --- probabilities -------------------------------------------------------------------

#: Two equilibria whose probabilities all differ by less than this are the same one.
SAME_PROBABILITY = 1e-7
#: A candidate probability below minus this is not round-off: the candidate is junk.
NEGATIVE_PROBABILITY = 1e-7
#: Candidate probabilities below this are round-off and are set to zero.
ZERO_PROBABILITY = 1e-12
#: A candidate whose probabilities sum to one only within more than this is junk.
PROBABILITY_SUM = 1e-6
#: An equilibrium recomputed from its supports (the canonical floats) must be this close
#: to the solver's candidate, else the candidate is kept as it was.
CANONICAL_MATCH = 1e-6
#: nashpy's support enumeration: the tolerance of its indifference solve (its default,
#: 1e-16, rejects zeros of +2e-16; see ``docs/solvers.md``).
SUPPORT_ENUMERATION = 1e-12
#: Weights of a mixed dominator below this are linear-programming round-off.
WEIGHT = 1e-12
#: A logit QRE is accepted when no probability is further than this from the logit
#: response to the profile.
LOGIT_RESIDUAL = 1e-6

# --- Gambit's methods and the logit QRE -----------------------------------------------

#: Gambit's ``enumpoly``: the largest regret it accepts, relative to the game's payoff
#: range (pygambit's ``maxregret``).
GAMBIT_ENUMPOLY = 1e-12
#: Gambit's logit methods: the largest regret at the end of the branch (``maxregret``).
GAMBIT_LOGIT = 1e-10
#: The logit QRE at a given precision is refined by scipy's ``root`` to this tolerance.
QRE_ROOT = 1e-13

# --- trees ------------------------------------------------------------------------------

#: Chance probabilities written as floats must sum to one within this (exact ones exactly).
CHANCE_SUM = 1e-9

# --- bargaining (numeric solutions over an issue, relative to its range) -----------------

#: Agreements and offers of numeric solutions within this of the range's ends count as
#: inside it (the exact closed forms need no slack).
ISSUE_SLACK = 1e-9
#: Brent's root finding on an issue stops when the bracket is this narrow (absolute),
#: near the float precision of the agreement.
ROOT_X = 1e-15
#: Brent's bounded maximisation (the Nash product) stops at this bracket width; its
#: answer is only as good as about 1e-8 of the range (a maximum found from values).
MAXIMUM_X = 1e-13
#: Step of the central difference that checks a maximum's first-order condition, as a
#: share of the range.
DERIVATIVE_STEP = 1e-6
#: Largest derivative (times the range, relative to the objective) accepted as zero at
#: a numeric Nash solution.
FIRST_ORDER = 1e-4
#: Alternating offers' fixed-point iteration stops when offers move less than this
#: (relative to the range's upper end).
FIXED_POINT = 1e-14

# --- bargaining over several issues (numeric, on issues rescaled to [0, 1]) ------------

#: SLSQP stops when the objective (a sum of log-gains, or utilities divided by their
#: spread over the box: numbers of order one) changes less than this between steps. An
#: agreement is then good to about its square root times the range (1e-7 at 1e-12, about
#: 1e-10 here on the tests' problems, for the same time).
SLSQP_FTOL = 1e-14
#: A first-order (KKT) condition holds when the gradient of the objective, less the
#: multipliers times the gradients of the binding constraints (NNLS, multipliers >= 0),
#: is at most this share of the sizes of the gradients involved. Central differences on
#: the unit box are good to about 1e-10; SLSQP's last steps to about 1e-8.
MULTI_FIRST_ORDER = 1e-6
#: A constraint (utilities divided by their spread) binds when it is met within this.
MULTI_ACTIVE = 1e-7
#: A constraint is met when violated by at most this (relative to the utility's spread).
MULTI_FEASIBLE = 1e-8
#: The stated precision of a numeric agreement, as a share of each issue's range: a
#: verified first-order point of an objective that curves (not flat near its maximum).
MULTI_AGREEMENT = 1e-6
#: A gain over the disagreement point of at most this share of the utility's spread
#: counts as none (no agreement is better for both).
GAIN_FLOOR = 1e-9
#: Below this share of the utility's spread a gain's logarithm is continued by its
#: quadratic Taylor polynomial, so the Nash objective stays finite where SLSQP probes.
LOG_FLOOR = 1e-12

# --- linear programs -----------------------------------------------------------------

#: HiGHS's primal and dual feasibility tolerances for the dominance program (defaults
#: 1e-7): well below :data:`REGRET`, so margins just above it are found whatever the
#: order of the strategies.
DOMINANCE_LP = 1e-10
