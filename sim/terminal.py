"""User text on a terminal: control characters made visible, never read as rich markup.

Scenario names, strategy labels, game names from Gambit files, file names, and error
messages that quote any of them are the user's text. Printed raw, an escape sequence
such as ``"\\x1b]0;title\\x07"`` sets the terminal's title and ``"\\x1b[2J"`` clears
the screen, a newline breaks a one-line error message, and a ``[/bold]`` in a name
crashes rich's markup parser. So everything printed goes through one of two helpers:

:func:`visible`
    for ``print``: every control character (C0, DEL, C1), lone surrogate, line or
    paragraph separator and bidirectional override becomes a visible escape such as
    ``\\x1b``, so the text stays on one line and the terminal only displays it.
:func:`shown`
    for rich: a :class:`rich.text.Text` of visible parts, each with its own style.
    rich never parses a ``Text`` as markup, so no bracket in user text is a tag (this is
    safer than :func:`rich.markup.escape`, which mistreats a text ending in two or more
    backslashes: ``a\\\\`` then a tag loses a backslash, ``a\\\\\\`` swallows the tag).
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

__all__ = ["shown", "visible"]

#: Unicode categories a terminal acts on instead of showing: control characters, lone
#: surrogates (undecodable bytes of a file name) and line and paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
#: Format characters that reorder the text around them (bidirectional marks and overrides).
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: The escapes Python's ``repr`` uses for the common control characters.
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(character: str) -> str:
    code = ord(character)
    if character in _NAMED:
        return _NAMED[character]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def _hidden(character: str) -> bool:
    return unicodedata.category(character) in _HIDDEN_CATEGORIES or character in _BIDI_CONTROLS


def visible(text: str) -> str:
    """``text`` with every character a terminal would act on replaced by a visible escape.

    Examples
    --------
    >>> visible("EU [/bold] \\x1b]0;title\\x07 \\x1b[2J")
    'EU [/bold] \\\\x1b]0;title\\\\x07 \\\\x1b[2J'
    >>> print(visible("two\\nlines\\u202e"))
    two\\nlines\\u202e
    """
    if text.isprintable():  # no control, separator or format character at all: the common case
        return text
    return "".join(_escape(ch) if _hidden(ch) else ch for ch in text)


def shown(*parts: str | tuple[str, str]) -> Text:
    """A rich ``Text`` of ``parts`` (plain text, or ``(text, style)``), each made visible.

    Examples
    --------
    >>> from rich.console import Console
    >>> console = Console(color_system=None, width=80)
    >>> console.print(shown(("Game", "bold"), " a [/bold] b\\x07"))
    Game a [/bold] b\\x07
    """
    from rich.text import Text

    text = Text()
    for part in parts:
        content, style = (part, "") if isinstance(part, str) else part
        text.append(visible(content), style=style)
    return text
