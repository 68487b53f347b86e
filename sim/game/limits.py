"""The size limits of a game, wherever it comes from (a scenario, a Gambit file): checked
before a game is built, so that a mistake cannot allocate a huge array."""

from __future__ import annotations

__all__ = ["MAX_PLAYERS", "MAX_PROFILES", "MAX_STRATEGIES"]

#: Most players in one game (games of 3 or more players need pygambit).
MAX_PLAYERS = 8
#: Most strategies of one player in one game.
MAX_STRATEGIES = 50
#: Most pure profiles (cells) of one game.
MAX_PROFILES = 10_000
