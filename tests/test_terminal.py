from __future__ import annotations

import io
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from sim.terminal import shown, visible


def hidden_characters(text: str) -> list[str]:
    """Characters of ``text`` that a terminal acts on (the newlines of a layout aside)."""
    return [
        ch
        for ch in text
        if ch != "\n"
        and (unicodedata.category(ch) in {"Cc", "Cs", "Zl", "Zp"} or 0x202A <= ord(ch) <= 0x202E or ch == "\u2067")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),  # sets the terminal's title
        ("\x1b[2J", "\\x1b[2J"),  # clears the screen
        ("\x9b2J", "\\x9b2J"),  # the same with the 8-bit C1 introducer
        ("a\x7fb\x00c", "a\\x7fb\\x00c"),
        ("two\nlines\r\tx", "two\\nlines\\r\\tx"),
        ("abc\u202edef\u2066", "abc\\u202edef\\u2066"),  # bidirectional overrides reorder what is shown
        ("line\u2028sep", "line\\u2028sep"),
        ("undecodable \udcff byte", "undecodable \\udcff byte"),
    ],
    ids=["osc-title", "csi-clear", "c1-csi", "del-nul", "newline-cr-tab", "bidi", "line-separator", "surrogate"],
)
def test_control_characters_become_visible_escapes(text: str, expected: str) -> None:
    assert visible(text) == expected


@pytest.mark.parametrize("text", ["plain", "[/bold] [red]x[/]", "Ünïcødé · → 日本", "back\\slash\\", ""])
def test_printable_text_is_unchanged(text: str) -> None:
    assert visible(text) == text


def render(*parts: str | tuple[str, str]) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=10_000, color_system=None, emoji=True).print(shown(*parts))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "text",
    ["[/bold]", "a\\", "a\\\\", "a\\\\\\", "\\[bold]x", "[link=https://x]y", "[@click]", ":smile:", "[bold]a[/bold]"],
)
def test_shown_prints_markup_and_backslashes_literally(text: str) -> None:
    # rich.markup.escape gets the three trailing-backslash cases wrong; Text never parses markup
    assert render((text, "bold"), "[/bold]") == text + "[/bold]\n"


@settings(max_examples=300, derandomize=True)
@given(st.text())
@pytest.mark.slow
def test_any_text_prints_on_one_line_without_control_characters(text: str) -> None:
    out = visible(text)
    assert hidden_characters(out) == []
    assert "\n" not in out
    printed = render("name: ", (text, "bold"))
    assert hidden_characters(printed) == []
    assert printed == f"name: {out}\n"
