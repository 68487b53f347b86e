"""The tokens of a Gambit ``.nfg`` file, read one at a time (used by :mod:`sim.game.nfg`).

A file is a stream of tokens: ``{``, ``}``, ``,``, strings in double quotes, and bare
words (keywords and numbers). Whitespace and line breaks between tokens are free.
Inside a string ``\\"`` is a quote and ``\\\\`` a backslash; any other backslash is kept
as written. A string may span lines.

Tokens are scanned only when the parser asks for the next one, so a file whose header
is refused (a shape beyond the limits, say) costs nothing for the rest of its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sim.errors import ScenarioError

__all__ = ["Token", "Tokens", "describe"]

_SPACE = re.compile(r"\s*")
_WORD = re.compile(r'[^\s{}",]+')
_STRING_BODY = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)
_ESCAPE = re.compile(r'\\(["\\])')
#: Characters of a token shown in an error message.
_SHOWN = 40


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind (``{``, ``}``, ``,``, ``string``, ``word`` or ``end``), its
    text (a string's text without quotes and escapes) and its line (from 1)."""

    kind: str
    text: str
    line: int


def describe(token: Token) -> str:
    """The token as an error message names it.

    Examples
    --------
    >>> describe(Token("word", "x", 1)), describe(Token("string", "a", 1)), describe(Token("end", "", 1))
    ("'x'", "the string 'a'", 'the end of the file')
    """
    if token.kind == "end":
        return "the end of the file"
    text = token.text if len(token.text) <= _SHOWN else token.text[:_SHOWN] + "..."
    return f"the string {text!r}" if token.kind == "string" else repr(text)


def _match_end(pattern: re.Pattern[str], text: str, position: int) -> int:
    match = pattern.match(text, position)
    return match.end() if match else position


class Tokens:
    """A cursor over the tokens of one file's text, scanning each on demand.

    Examples
    --------
    >>> tokens = Tokens('NFG 1 R "a \\\\"b\\\\""\\n{', "game.nfg")
    >>> [tokens.take().text for _ in range(4)], tokens.peek()
    (['NFG', '1', 'R', 'a "b"'], Token(kind='{', text='{', line=2))
    """

    def __init__(self, text: str, filename: str) -> None:
        self.filename = filename
        self._text = text
        self._position = 1 if text.startswith("\ufeff") else 0
        self._line = 1
        self._next: Token | None = None

    def peek(self) -> Token:
        """The next token, without moving past it."""
        if self._next is None:
            self._next = self._scan()
        return self._next

    def take(self) -> Token:
        """The next token, moving past it (the end token stays)."""
        token = self.peek()
        if token.kind != "end":
            self._next = None
        return token

    def error(self, token: Token, message: str) -> ScenarioError:
        """An error at the line of ``token``."""
        return ScenarioError(message, file=self.filename, line=token.line)

    def expect(self, kind: str, what: str) -> Token:
        """The next token, which must be of ``kind`` (else an error saying ``what`` was expected)."""
        token = self.take()
        if token.kind != kind:
            raise self.error(token, f"expected {what}, found {describe(token)}")
        return token

    def _scan(self) -> Token:
        text = self._text
        start = self._position
        position = _match_end(_SPACE, text, start)
        self._line += text.count("\n", start, position)
        if position == len(text):  # the end is on the last line with text
            self._position = position
            return Token("end", "", 1 + text.count("\n", 0, len(text.rstrip())))
        char = text[position]
        if char in "{},":
            self._position = position + 1
            return Token(char, char, self._line)
        if char == '"':
            end = _match_end(_STRING_BODY, text, position + 1)
            if end == len(text):
                message = 'unterminated string: add the closing double quote (write \\" for a quote inside it)'
                raise ScenarioError(message, file=self.filename, line=self._line)
            token = Token("string", _ESCAPE.sub(r"\1", text[position + 1 : end]), self._line)
            self._line += text.count("\n", position, end)
            self._position = end + 1
            return token
        end = _match_end(_WORD, text, position)
        self._position = end
        return Token("word", text[position:end], self._line)
