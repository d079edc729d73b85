"""``kimopt serve`` in a real browser: Playwright driving Debian's Chromium at 1280×720.

Chromium comes from the system (``apt-get install chromium``; ``.ci/run`` installs it when it
is missing), never from Playwright's own download. Without it the tests are skipped locally,
with the reason shown; in CI (``CI`` set) they fail instead, so a missing browser cannot pass.
Screenshots go to ``$KIMOPT_SCREENSHOTS`` when set (else the test's temporary folder).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kimopt.cli import app as cli
from kimopt.serve.app import create_app
from tests.conftest import dev_extra
from tests.serve.test_serve import WESEL, make_session

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 720}

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(
        f"{CHROMIUM} not installed (apt-get install chromium); browser tests skipped locally", allow_module_level=True
    )

sync_api = dev_extra("playwright.sync_api")  # after the skip: only where a browser can run

expect = sync_api.expect
expect.set_options(timeout=30_000)  # two cores shared by many processes: a solve may wait its turn


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _serving(asgi: Any, port: int, **config: Any) -> Iterator[None]:
    """``asgi`` served on 127.0.0.1:``port`` in a thread of its own while the block runs."""
    import uvicorn

    running = uvicorn.Server(uvicorn.Config(asgi, host="127.0.0.1", port=port, log_level="warning", **config))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield
    finally:
        running.should_exit = True
        thread.join(30)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """``kimopt serve`` on Kreis Wesel in a thread, as the command runs it (uvicorn, 127.0.0.1)."""

    session = make_session(tmp_path)
    port = _free_port()
    with _serving(create_app(session, port), port, timeout_graceful_shutdown=1):
        yield f"http://127.0.0.1:{port}", session
    session.close()  # binding rules the page asked for may still be solving


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        # evil.test resolves to this machine: a DNS-rebinding page as a browser would meet it
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*ARGS, "--host-resolver-rules=MAP evil.test 127.0.0.1"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("KIMOPT_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _loaded(page: Any, url: str) -> None:
    page.goto(url + "/")
    expect(page.locator("#headline")).to_have_text("Plan aus der Datei.")


def test_kreisquote_40_changes_the_plan_and_marks_the_differences(server: Any, page: Any, shots: Path) -> None:
    url, _ = server
    _loaded(page, url)
    expect(page.locator("#binding table")).to_be_visible()
    expect(page.locator("#charts figure").first).to_be_visible()
    page.screenshot(path=str(shots / "serve-1-start.png"))
    summary = page.locator("#plan #summary")
    expect(summary).to_contain_text("4,0 (36,4 %)")
    field = page.get_by_label("Kreisquote (mindestens, %)")
    field.fill("40")
    field.press("Enter")
    expect(page.locator("#headline")).to_contain_text("Plan neu berechnet")
    expect(summary).to_contain_text("4,5 (40,9 %)")  # Kreis Wesel: 4.5 VZÄ at the Kreis of 11
    marked = page.locator("#comparison #figures td.diff")
    expect(marked.filter(has_text="4,5").first).to_be_visible()  # waits: the page may still be swapping in
    expect(page.locator("#price")).to_contain_text("+8.200 €")
    expect(page.locator("#changes")).to_contain_text("Kreisquote")
    expect(page.locator("#binding table")).to_contain_text("2/5")
    page.screenshot(path=str(shots / "serve-2-kreisquote-40.png"))
    # undo with the keyboard: Tab to the button, Enter
    page.locator("#undo").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Kreisquote (mindestens, %)")).to_have_value("33,33")
    expect(summary).to_contain_text("4,0 (36,4 %)")
    page.locator("#large-type").check()
    assert page.evaluate("document.documentElement.classList.contains('large')") is True
    page.screenshot(path=str(shots / "serve-3-large-type.png"))


def test_an_infeasible_wish_shows_the_explanation(server: Any, page: Any, shots: Path) -> None:
    url, _ = server
    _loaded(page, url)
    wish = page.get_by_label("Wunsch (z. B. „Voerde (Niederrhein) = 1,0“, auch ≥ oder ≤)")
    wish.fill("Voerde (Niederrhein) = 2")
    wish.press("Enter")
    explanation = page.locator("#explanation")
    expect(explanation).to_contain_text("nicht erfüllbar")
    expect(explanation).to_contain_text("Budget Voerde (Niederrhein)")
    expect(page.locator("#plan")).to_contain_text("Zuletzt möglicher Plan")
    page.screenshot(path=str(shots / "serve-4-infeasible-wish.png"))
    budget = page.get_by_label("Budget – Alpen")
    budget.fill("viel")
    budget.press("Enter")
    expect(page.locator("#e-k0_budget")).to_contain_text("keine Zahl")
    page.screenshot(path=str(shots / "serve-5-bad-entry.png"))


def test_save_a_scenario_and_read_it_with_compare(server: Any, page: Any) -> None:
    url, session = server
    _loaded(page, url)
    field = page.get_by_label("Kreisquote (mindestens, %)")
    field.fill("40")
    field.press("Enter")
    expect(page.locator("#headline")).to_contain_text("Plan neu berechnet")
    page.get_by_label("Name des Szenarios").fill("Kreisquote 40 %")
    page.get_by_role("button", name="Szenario speichern").click()
    expect(page.locator("#saved-path")).to_be_visible()
    saved = Path(page.locator("#saved-path").inner_text())
    assert saved.parent == session.scenario_dir and saved.name == "kreisquote-40.yaml"
    result = CliRunner().invoke(cli, ["compare", str(WESEL), "-s", str(saved), "--time-limit", "30"])
    assert result.exit_code == 0, result.output
    assert "Kreisquote 40 %" in result.output and "40,9 %" in result.output
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    assert download.value.suggested_filename == "kreis-wesel-2022-szenario.xlsx"


def test_a_slow_change_shows_rechnet_and_a_newer_change_wins(
    server: Any, page: Any, shots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kimopt.serve import session as session_module

    url, _ = server
    _loaded(page, url)
    real_solve = session_module.solve

    def slow(*args: Any) -> Any:
        time.sleep(1.5)  # a change that takes longer than a blink
        return real_solve(*args)

    monkeypatch.setattr(session_module, "solve", slow)
    field = page.get_by_label("Kreisquote (mindestens, %)")
    field.fill("50")
    field.press("Enter")
    busy = page.locator("#busy")
    expect(busy).to_be_visible()
    expect(busy).to_have_text("rechnet …")
    page.screenshot(path=str(shots / "serve-6-rechnet.png"))
    field.fill("40")  # a newer change while the first is still being solved
    field.press("Enter")
    expect(page.locator("#plan #summary")).to_contain_text("4,5 (40,9 %)")
    expect(busy).to_be_hidden()
    expect(page.get_by_label("Kreisquote (mindestens, %)")).to_have_value("40")
    expect(page.locator("#changes")).to_contain_text("40")


def test_a_foreign_host_is_refused(server: Any, page: Any) -> None:
    url, _ = server
    port = url.rsplit(":", 1)[1]
    answer = page.goto(f"http://evil.test:{port}/")
    assert answer is not None and answer.status == 403
    assert "fremder Host" in page.content()


GEOMETRY = """() => {
  const problems = [];
  const shown = (e) => e.getClientRects().length > 0;
  const tables = [...document.querySelectorAll("table")].filter(shown);
  const name = (t) => (t.closest("section[id], fieldset")?.id
                       || t.closest("fieldset")?.querySelector("legend")?.textContent
                       || t.caption?.textContent || t.rows[0]?.textContent.trim().slice(0, 30));
  for (const t of tables) {
    const pane = t.closest(".side, .results");
    const right = pane.getBoundingClientRect().right - parseFloat(getComputedStyle(pane).paddingRight);
    if (t.scrollWidth > pane.clientWidth + 1 || t.getBoundingClientRect().right > right + 1) {
      problems.push("wider than its pane: " + name(t));
    }
  }
  for (const pane of document.querySelectorAll(".side, .results, main")) {
    if (pane.scrollWidth > pane.clientWidth + 1) { problems.push("sideways scrolling: " + pane.className); }
  }
  for (let i = 0; i < tables.length; i++) {
    for (let j = i + 1; j < tables.length; j++) {
      const a = tables[i].getBoundingClientRect(), b = tables[j].getBoundingClientRect();
      if (tables[i].contains(tables[j]) || tables[j].contains(tables[i])) { continue; }
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) {
        problems.push("overlap: " + name(tables[i]) + " / " + name(tables[j]));
      }
    }
  }
  for (const input of document.querySelectorAll("input[type=text]")) {
    if (shown(input) && input.scrollWidth > input.clientWidth + 1) { problems.push("text cut: " + input.id); }
  }
  return problems;
}"""


def test_the_page_fits_1280x720_and_large_type_and_enter_logs_no_error(server: Any, page: Any, shots: Path) -> None:
    # issue 22: the price tables overlapped, the plan needed sideways scrolling, partner fields were
    # cut, large type hid columns, the legend promised „(*)“ and every Enter logged an htmx abort
    url, _ = server
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    _loaded(page, url)
    partner = page.get_by_label("Partner – Kamp-Lintfort")
    partner.fill("Neukirchen-Vluyn, Rheinberg")  # a list as a planner types it
    field = page.get_by_label("Kreisquote (mindestens, %)")
    field.fill("40")
    field.press("Enter")
    expect(page.locator("#headline")).to_contain_text("Plan neu berechnet")
    expect(page.locator("#price")).to_be_visible()
    expect(page.locator("#binding table")).to_be_visible()
    expect(page.locator("#charts figure").first).to_be_visible()
    assert errors == []
    comparison = page.locator("#comparison")
    assert comparison.locator("td.diff").count() > 0 and "*" not in comparison.inner_text()
    problems = page.evaluate(GEOMETRY)
    assert problems == [], problems
    page.locator("#price").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "serve-7-geometry.png"))
    page.locator("#large-type").check()
    problems = page.evaluate(GEOMETRY)
    assert problems == [], problems
    page.locator("#price").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "serve-8-large-type-price.png"))
    page.locator("#plan").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "serve-9-large-type-plan.png"))
    assert errors == []


def test_the_start_page_takes_a_dropped_workbook_to_the_plan(tmp_path: Path, page: Any, shots: Path) -> None:
    import base64

    from kimopt.serve.start import create_start_app

    folder = tmp_path / "ordner"
    folder.mkdir()
    workbook = tmp_path / "Kreis Wesel.xlsx"
    converted = CliRunner().invoke(cli, ["convert", str(WESEL), "-o", str(workbook)])
    assert converted.exit_code == 0, converted.output
    (folder / "wesel.yaml").write_bytes(WESEL.read_bytes())
    port = _free_port()
    switch = create_start_app(folder, tmp_path / "szenarien", port, None, "t" * 32, 1)
    try:
        with _serving(switch, port):
            page.goto(f"http://127.0.0.1:{port}/")
            expect(page.locator("#entries")).to_contain_text("wesel.yaml")
            page.screenshot(path=str(shots / "serve-10-start.png"))
            # a file dropped on the zone, as the browser delivers it
            data = base64.b64encode(workbook.read_bytes()).decode()
            page.evaluate(
                """([name, data]) => {
                    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
                    const transfer = new DataTransfer();
                    transfer.items.add(new File([bytes], name));
                    document.getElementById("upload").dispatchEvent(
                        new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
                }""",
                [workbook.name, data],
            )
            expect(page.locator("#headline")).to_have_text("Plan aus der Datei.")
            expect(page.locator("#plan #summary")).to_contain_text("4,0 (36,4 %)")
            page.screenshot(path=str(shots / "serve-11-from-workbook.png"))
            assert (tmp_path / "szenarien" / "hochgeladen-kreis-wesel.xlsx").exists()
    finally:
        session = getattr(switch.app.state, "session", None) if hasattr(switch.app, "state") else None
        if session is not None:
            session.close()


def test_a_refused_change_says_why_on_the_page(server: Any, page: Any) -> None:
    url, _ = server
    _loaded(page, url)
    page.route(
        "**/change", lambda route: route.fulfill(status=503, body="Der Server rechnet noch an früheren Änderungen.")
    )
    field = page.get_by_label("Kreisquote (mindestens, %)")
    field.fill("40")
    field.press("Enter")
    expect(page.locator("#notice")).to_have_text("Der Server rechnet noch an früheren Änderungen.")
