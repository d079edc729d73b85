"""The year selector of ``kimopt serve`` in Chromium at 1280×720: chosen by keyboard, the later
year shown with its cuts, no table wider than its pane or overlapping another (one page load)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kimopt.serve.app import create_app
from tests.serve.test_serve import make_session
from tests.serve.test_serve_browser import GEOMETRY, _free_port, _serving, browser, expect, page, shots
from tests.serve.test_serve_years import WESEL_YEARS

__all__ = ["browser", "page", "shots"]  # the fixtures of the browser tests, used here too


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    session = make_session(tmp_path, WESEL_YEARS)
    port = _free_port()
    with _serving(create_app(session, port), port, timeout_graceful_shutdown=1):
        yield f"http://127.0.0.1:{port}"
    session.close()


def test_the_year_is_chosen_by_keyboard_and_the_page_fits(server: str, page: Any, shots: Path) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(server + "/")
    expect(page.locator("#year-note")).to_contain_text("Gezeigt: 2022 (Jahr 1 von 2)")
    expect(page.locator("#binding table")).to_be_visible()
    chooser = page.get_by_label("Gezeigtes Jahr")
    chooser.focus()
    page.keyboard.press("ArrowDown")  # a closed <select> takes the next option from the keyboard
    expect(page.locator("#year-note")).to_contain_text("Gezeigt: 2023 (Jahr 2 von 2)")
    expect(page.locator("#cuts")).to_contain_text("0,5 VZÄ weniger bei Dinslaken (1,5 VZÄ → 1,0 VZÄ)")
    expect(page.locator(".plan-title")).to_have_text("Der Plan jetzt – 2023")
    expect(page.locator("#binding table")).to_contain_text("Budget Moers")  # 2023's binding rules
    expect(page.locator("#charts figure").first).to_be_visible()
    assert chooser.evaluate("e => e === document.activeElement")  # the choice keeps the focus
    problems = page.evaluate(GEOMETRY)
    assert problems == [], problems
    page.screenshot(path=str(shots / "serve-years-1-2023.png"))
    page.locator("#plan").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "serve-years-2-2023-plan.png"))
    page.locator("#large-type").check()
    problems = page.evaluate(GEOMETRY)
    assert problems == [], problems
    page.screenshot(path=str(shots / "serve-years-3-large-type.png"))
    assert errors == []
