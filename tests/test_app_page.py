"""The browser page in a real browser: ``diplosim app`` started on a free local port and
driven by headless Chromium through Playwright.

What the page must show is computed here, in this process, with the same library
(:class:`sim.app.session.Session`, :func:`sim.app.views.game_view`): the test checks that
the page shows the solver's answer for the values the student set, not a number written
into the test. Screenshots go to ``out/browser/`` (look at them after a change to the page).

Chromium comes from the system (``make test`` installs Debian's ``chromium`` with apt-get
where it is missing); ``DIPLOSIM_CHROMIUM`` names another binary.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright

from sim.app.server import free_port
from sim.app.session import UPLOAD_LIMIT, Session, load_upload, sliders
from sim.app.views import GameView, game_view
from sim.errors import ScenarioError
from sim.scenario.load import load_scenario
from tests.conftest import FLAGSHIP, ROOT, SIMULTANEOUS

pytestmark = pytest.mark.slow

SHOTS = ROOT / "out" / "browser"
#: The first start may fetch the page's scripts (about 20 MB) from the npm registry.
START_SECONDS = 300
#: Chromium as root in a container: no sandbox, and none of its calls to Google's services.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    given = os.environ.get("DIPLOSIM_CHROMIUM")
    found = given or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail(
            "the browser test needs Chromium: make test installs Debian's chromium with apt-get; "
            "elsewhere install it (sudo apt-get install chromium) or set DIPLOSIM_CHROMIUM to a Chromium binary"
        )
    return found


def _wait_until_served(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"diplosim app stopped with code {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"diplosim app did not answer at {url} within {START_SECONDS} s")


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """The page, served by the real command on a free port of 127.0.0.1."""
    port = free_port()
    command = [sys.executable, "-m", "sim.cli", "app", str(FLAGSHIP), "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_served(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, served: str) -> Iterator[Any]:
    """A new tab (its own page state) on the flagship, before round 1."""
    tab = chromium.new_page(viewport={"width": 1400, "height": 1000})
    tab.set_default_timeout(60_000)
    tab.goto(served)
    tab.get_by_text("Round 0 of 24").wait_for()
    yield tab
    tab.close()


def _shot(tab: Any, name: str, locator: Any = None) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    (locator or tab).screenshot(path=str(SHOTS / name))


def _idle(tab: Any) -> None:
    """Wait until the page is done with the last action (its progress bar gone): a click
    that lands while it redraws can be lost with the button it hit."""
    expect(tab.locator(".diplosim-busy")).to_have_count(0, timeout=60_000)


def _card(tab: Any, game: str) -> Any:
    """The card of one game of the round (its title is the game's name)."""
    title = tab.locator(".v-card-title").filter(has_text=re.compile(f"^{re.escape(game)}$"))
    return tab.locator(".v-card").filter(has=title).first


def _views(values: dict[str, float]) -> list[GameView]:
    session = Session(load_scenario(FLAGSHIP), values)
    session.step()
    return [game_view(play, session.model.scenario) for play in session.plays()]


def _payoffs_in_round_one(values: dict[str, float]) -> list[str]:
    return [row.payoffs for view in _views(values) for row in view.equilibria]


def test_a_slider_moves_the_equilibrium_the_page_shows(page: Any) -> None:
    # the flagship's first slider is its sweep's first factor; moved to its lower end, the
    # crisis tree's equilibrium payoffs (exact fractions) change: the page must show the new ones
    first = sliders(load_scenario(FLAGSHIP))[0]
    before = _payoffs_in_round_one({})
    after = _payoffs_in_round_one({first.name: first.low})
    changed = [text for text in after if text not in before]
    assert changed, "moving the slider should change some equilibrium of round 1"
    assert any("/" in text for text in changed), "the flagship's tree equilibria are exact fractions"
    _shot(page, "01-flagship-loaded.png")

    page.get_by_text(first.note).wait_for()  # what the file says of the value, under its slider
    slider = page.get_by_role("slider").first
    slider.focus()
    page.keyboard.press("Home")
    page.get_by_text(f"{first.name} = {first.low:g}").wait_for()
    _idle(page)
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Round 1 of 24").wait_for()
    _idle(page)
    for text in changed:  # the cards arrive after the counter: wait for each
        page.locator(".diplosim-equilibria", has_text=text).first.wait_for()

    expect(page.locator(".diplosim-equilibria")).to_have_count(len(after_views := _views({first.name: first.low})))
    shown = page.locator(".diplosim-equilibria").all_inner_texts()
    assert len(after_views) == 3  # the type draw, the crisis tree, the zone talks
    for text in (t for t in before if t not in after):
        assert not any(text in block for block in shown), (text, shown)
    _shot(page, "02-flagship-round-1-slider-moved.png")
    crisis = _card(page, "crisis")
    expect(crisis.locator("img")).to_have_count(0)  # a large tree is drawn when asked
    crisis.get_by_role("button", name="Draw the tree (large)").click()
    expect(crisis.locator("img")).to_have_count(1, timeout=60_000)  # drawn on the server: seconds
    _shot(page, "03-flagship-crisis-tree.png", crisis)

    # Russia's type is drawn in round 1 only: after round 2 its card is gone, and the
    # round chooser brings round 1's games back
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Round 2 of 24").wait_for()
    _idle(page)
    expect(_card(page, "russia_type")).to_have_count(0)
    chooser = page.get_by_role("slider").last
    chooser.focus()
    page.keyboard.press("Home")
    expect(_card(page, "russia_type")).to_have_count(1, timeout=30_000)


def test_a_matrix_game_shows_best_responses_and_every_equilibrium_in_fractions(page: Any) -> None:
    relative = str(SIMULTANEOUS.relative_to(ROOT / "scenarios"))
    session = Session(load_scenario(SIMULTANEOUS))
    session.step()
    views = [game_view(play, session.model.scenario) for play in session.plays()]
    expected = [row.text for view in views for row in view.equilibria]
    assert any("/" in text for text in expected), "the variant's troop game has a mixed equilibrium in fractions"

    page.locator(".v-select").first.click()
    page.get_by_role("option", name=relative).click()
    page.get_by_text(f"Round 0 of {session.max_rounds}").wait_for()
    page.get_by_role("button", name="Step").click()
    page.get_by_text(f"Round 1 of {session.max_rounds}").wait_for()
    _idle(page)
    expect(page.locator(".diplosim-equilibria")).to_have_count(len(views))  # the cards arrive after the counter
    expect(page.locator("table.diplosim-matrix")).to_have_count(sum(view.matrix.count("<table") for view in views))

    shown = "\n".join(page.locator(".diplosim-equilibria").all_inner_texts())
    for text in expected:
        assert text in shown, (text, shown)
    assert shown.count("← chosen") == len(views)  # one chosen equilibrium per game
    matrix = page.locator("table.diplosim-matrix").nth(1)  # the troop game (after the mediation decision)
    assert matrix.locator("b").count() > 0  # best responses in bold
    assert matrix.locator("td.played").count() == 1  # the profile played
    _shot(page, "04-variant-matrix-round-1.png", _card(page, "troop_deployment"))
    _card(page, "troop_deployment").scroll_into_view_if_needed()
    _shot(page, "04-variant-page.png")  # the README's picture of the page (docs/images/app.png)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("typo.yaml", FLAGSHIP.read_text(encoding="utf-8").replace("rounds:", "roundz:", 1).encode()),
        ("huge.yaml", b"#" * (UPLOAD_LIMIT + 1)),
    ],
    ids=["typo", "too-large"],
)
def test_a_broken_upload_is_named_inline_and_the_open_scenario_stays(page: Any, name: str, content: bytes) -> None:
    with pytest.raises(ScenarioError) as expected:
        load_upload(name, content)
    page.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "application/x-yaml", "buffer": content}]
    )
    problem = page.locator(".diplosim-problem")
    problem.wait_for()
    text = problem.inner_text()
    assert str(expected.value) in " ".join(text.split()), text
    assert text.startswith("not opened")
    page.get_by_text("Round 0 of 24").wait_for()  # the flagship is still open
    _shot(page, f"05-upload-{name.removesuffix('.yaml')}.png")
