"""``kimopt serve`` on instances of several years (DESIGN §5, §7): the year selector, the whole
instance re-solved on every change, every year in the downloads; and the start page opening a
plan workbook with the instance of its folder that it was written for."""

from __future__ import annotations

import io
import re
import shutil
import warnings
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kimopt.cli import app as cli
from kimopt.load import load_inputs
from kimopt.serve.app import create_app
from kimopt.serve.session import Session
from tests.conftest import INSTANCES, TEST_SETTINGS, dev_extra
from tests.serve.test_serve import ORIGIN, PORT, TOKEN, WESEL, make_session

dev_extra("httpx")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

WESEL_YEARS = INSTANCES / "kreis-wesel-2022-2023.yaml"
METTMANN_YEARS = INSTANCES / "kreis-mettmann-2022-2023.yaml"
HEADERS = {"X-Kimopt-Token": TOKEN, "Origin": ORIGIN}


@pytest.fixture(scope="module")
def years_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    session = make_session(tmp_path_factory.mktemp("serve-years"), WESEL_YEARS)
    yield session
    session.close()


@pytest.fixture
def client(years_session: Session) -> TestClient:
    test_client = TestClient(create_app(years_session, PORT, TOKEN), base_url=ORIGIN)
    assert test_client.post("/reset", headers=HEADERS).status_code == 200
    return test_client


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def selected_year(html: str) -> str:
    found = re.search(r'<select id="f-year" name="year"[^>]*>(.*?)</select>', html, re.S)
    assert found is not None, "no year selector"
    chosen = re.findall(r'<option value="([^"]+)" selected>', found.group(1))
    assert len(chosen) == 1, chosen
    return chosen[0]


def test_the_page_opens_a_multi_year_instance_on_its_first_year(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<label for="f-year">Gezeigtes Jahr</label>' in page.text
    assert re.findall(r'<option value="(20\d\d)"', page.text) == ["2022", "2023"]
    assert selected_year(page.text) == "2022"
    text = text_of(page.text)
    assert "Gezeigt: 2022 (Jahr 1 von 2)" in text and "2023 folgt aus 2022" in text
    assert "Der Plan jetzt – 2022" in text
    assert "Förderung pro Jahr 605.000 €" in text  # 2022: 11 VZÄ × 55.000 €
    assert "Bericht (alle Jahre)" in text


def test_the_year_selector_shows_the_later_year_with_its_cuts(client: TestClient) -> None:
    page = client.get("/?year=2023")
    assert selected_year(page.text) == "2023"
    text = text_of(page.text)
    assert "Gezeigt: 2023 (Jahr 2 von 2)" in text and "2023 folgt aus 2022" in text
    assert "Förderung pro Jahr 627.000 €" in text  # 2023: 11 VZÄ × 57.000 €
    # what the plan file says of 2023: Dinslaken and Moers must give up half a position each
    assert "Kürzungen 2023 gegenüber dem Jahr davor" in text
    assert "0,5 VZÄ weniger bei Dinslaken (1,5 VZÄ → 1,0 VZÄ): das Budget von" in text
    assert "0,5 VZÄ weniger bei Moers (2,0 VZÄ → 1,5 VZÄ)" in text and "bleiben alle Stellen" in text
    assert "/binding?gen=" in page.text and "&amp;year=2023" in page.text
    assert selected_year(client.get("/?year=1999").text) == "2022"  # no such year: the first


def test_a_change_solves_every_year_again_as_the_pipeline_does(client: TestClient, years_session: Session) -> None:
    from kimopt.pipeline import plan_instance

    answer = client.post("/change", data={**years_session.base, "kreisquote": "60", "year": "2023"}, headers=HEADERS)
    assert answer.status_code == 200
    text = text_of(answer.text)
    assert "Plan neu berechnet" in text and "Gezeigt: 2023" in text
    assert "je Zielebene (2023)" in text and "Eigenanteil Baustein 2 je Zahler (€, 2023)" in text
    shown = years_session.current.outcome
    assert shown.plan_json is not None and [v.label for v in shown.years] == ["2022", "2023"]
    inputs = load_inputs(WESEL_YEARS)
    model = inputs.model.model_copy(update={"kreis_min_share": Fraction(3, 5), **TEST_SETTINGS})
    expected = plan_instance(inputs.instance, model).plan_json
    assert expected is not None
    for page_year, own_year in zip(shown.plan_json["years"], expected["years"], strict=True):
        assert page_year["links"] == own_year["links"]
    kreis_2023 = next(h for h in expected["years"][1]["hosts"] if h["host_type"] == "kreis")
    assert kreis_2023["vzae"] == 7.0
    assert "7,0 (63,6 %)" in text  # the 2023 plan beside the one before


def test_choosing_a_year_solves_nothing(client: TestClient, years_session: Session) -> None:
    generation = years_session.current.generation
    answer = client.post("/change", data={**years_session.base, "year": "2023"}, headers=HEADERS)
    assert answer.status_code == 200 and "Gezeigt: 2023" in text_of(answer.text)
    assert years_session.current.generation == generation
    back = client.post("/undo", data={"year": "2023"}, headers=HEADERS)
    assert back.status_code == 200 and selected_year(back.text) == "2023"


def test_the_binding_rules_are_those_of_the_year_shown(client: TestClient, years_session: Session) -> None:
    from kimopt.analysis.explain.binding import add_year_binding_rules
    from kimopt.labels import rule_label
    from kimopt.pipeline import plan_instance

    inputs = load_inputs(WESEL_YEARS)
    own = add_year_binding_rules(plan_instance(inputs.instance, inputs.model.model_copy(update=TEST_SETTINGS)))
    generation = years_session.current.generation
    for n, year in enumerate(("2022", "2023")):
        answer = client.get(f"/binding?gen={generation}&year={year}")
        assert answer.status_code == 200
        rows = re.findall(r"<tr><td>(.*?)</td>", answer.text)
        assert "nach den Eigenanteilen der Bausteine 1 und 3" in answer.text  # the budgets the rules name
        expected = own["years"][n]["summary"]["binding_rules"]
        assert len(rows) == len(expected), (year, rows)
        for rule in expected:
            label = rule_label(rule["rule"], "de")  # the rule in words, not its identifier
            assert any(label in row and (rule["subject"] or "") in row for row in rows), rule
    assert len(own["years"][0]["summary"]["binding_rules"]) != len(own["years"][1]["summary"]["binding_rules"])


def test_the_downloads_contain_every_year(client: TestClient, years_session: Session) -> None:
    import openpyxl

    client.post("/change", data={**years_session.base, "kreisquote": "60"}, headers=HEADERS)
    html = text_of(client.get("/bericht.html").text)
    assert "Szenario — nicht beschlossen" in html and "Kreisquote (mindestens, %)" in html
    assert "Verteilung auf die Kommunen 2023" in html and "Eigenanteil je Jahr und Zahler" in html
    book = openpyxl.load_workbook(io.BytesIO(client.get("/bericht.xlsx").content))
    years = {row[0] for row in book["Haushalt"].iter_rows(min_row=2, values_only=True)}
    assert {2022, 2023} <= years


def test_a_wish_is_refused_for_several_years_on_its_field(client: TestClient, years_session: Session) -> None:
    answer = client.post("/change", data={**years_session.base, "wish": "Moers = 1"}, headers=HEADERS)
    assert answer.status_code == 200
    span = re.search(r'<span id="e-wish"[^>]*>(.*?)</span>', answer.text, re.S)
    assert span is not None and "Wünsche gelten je Jahr" in span.group(1)
    assert 'id="f-wish"' not in client.get("/").text  # no field that cannot work


def test_a_change_no_year_can_hold_says_which_year(client: TestClient, years_session: Session) -> None:
    index = [k.name for k in years_session.instance.kommunen].index("Dinslaken")
    answer = client.post("/change", data={**years_session.base, f"k{index}_budget": "0"}, headers=HEADERS)
    text = text_of(answer.text)
    assert "nicht möglich" in text and "2022: kein zulässiger Plan." in text
    assert "Budget Dinslaken" in text and "Bausteine 1 und 3" in text


def test_mettmann_two_years_shows_its_second_year(tmp_path: Path) -> None:
    session = make_session(tmp_path, METTMANN_YEARS)
    try:
        client = TestClient(create_app(session, PORT, TOKEN), base_url=ORIGIN)
        first, second = text_of(client.get("/").text), text_of(client.get("/?year=2023").text)
        # DESIGN §5's example: 2022 costs the Kreis its 114.800 €, 2023 7 × (73.542 € − 57.000 €)
        assert "Eigenanteil Kreis 114.800 €" in first and "Förderung pro Jahr 880.000 €" in first
        assert "Eigenanteil Kreis 115.794 €" in second and "Förderung pro Jahr 912.000 €" in second
    finally:
        session.close()


def test_the_command_opens_a_multi_year_instance(tmp_path: Path) -> None:
    # issue 20: `kimopt serve` refused it with exit 2 (one_year_only)
    from kimopt.cli.serve import _page

    app: Any = _page(WESEL_YEARS, None, PORT, tmp_path / "szenarien")
    try:
        assert app.state.session.years == ["2022", "2023"]
    finally:
        app.state.session.close()


# --- the start page opens a plan workbook with its instance -------------------------------


def _plan_workbook(instance: Path, target: Path) -> Path:
    plan = target.with_suffix(".json")
    result = CliRunner().invoke(cli, ["solve", str(instance), "-o", str(plan), "--report", str(target), "-q"])
    assert result.exit_code == 0, result.output
    plan.unlink()
    return target


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("plans")
    return {
        "one": _plan_workbook(WESEL, folder / "plan-2022.xlsx"),
        "years": _plan_workbook(WESEL_YEARS, folder / "plan-2022-2023.xlsx"),
    }


def _start(folder: Path, scenario_dir: Path) -> tuple[TestClient, Any]:
    from kimopt.serve.start import create_start_app

    switch = create_start_app(folder, scenario_dir, PORT, None, TOKEN, TEST_SETTINGS["workers"])
    return TestClient(switch, base_url=ORIGIN), switch


def _open(client: TestClient, name: str) -> Any:
    page = client.get("/").text
    number = page.split(f'name="name" value="{name}"')[0].rsplit('name="entry" value="', 1)[1].split('"')[0]
    return client.post("/open", data={"token": TOKEN, "entry": number, "name": name})


def _opened_from(html: str) -> str:
    found = re.search(r'<p id="opened-from"[^>]*>(.*?)</p>', html, re.S)
    assert found is not None, "the page does not say where it was opened from"
    return text_of(found.group(1))


@pytest.mark.parametrize(
    ("book", "instance", "year"), [("one", "a-wesel.yaml", ""), ("years", "b-wesel-jahre.yaml", " in jedem Jahr")]
)
def test_a_plan_workbook_opens_with_the_instance_it_was_written_for(
    tmp_path: Path, workbooks: dict[str, Path], book: str, instance: str, year: str
) -> None:
    folder = tmp_path / "ordner"
    folder.mkdir()
    shutil.copy(WESEL, folder / "a-wesel.yaml")
    shutil.copy(WESEL_YEARS, folder / "b-wesel-jahre.yaml")
    shutil.copy(workbooks[book], folder / "plan.xlsx")
    client, switch = _start(folder, tmp_path / "szenarien")
    assert "Mit Instanz öffnen" in client.get("/").text
    answer = _open(client, "plan.xlsx")
    try:
        assert answer.status_code == 200
        assert switch.app.state.session.instance_path == folder / instance  # by its checksum
        said = _opened_from(answer.text)
        assert "Geöffnet aus der Planmappe plan.xlsx" in said
        assert f"Ihre „Zuordnung“ ist der Plan aus der Datei{year}." in said
    finally:
        switch.app.state.session.close()


def test_an_edited_plan_workbook_and_a_changed_instance_are_named(tmp_path: Path, workbooks: dict[str, Path]) -> None:
    import openpyxl

    folder = tmp_path / "ordner"
    folder.mkdir()
    changed = WESEL.read_text(encoding="utf-8").replace("budget: 16400", "budget: 16500", 1)
    assert changed != WESEL.read_text(encoding="utf-8")
    (folder / "wesel.yaml").write_text(changed, encoding="utf-8")
    book = openpyxl.load_workbook(workbooks["one"])
    sheet = book["Zuordnung"]
    sheet["D2"] = float(sheet["D2"].value) + 0.5  # the planner moved half a position
    book.save(folder / "plan.xlsx")
    client, switch = _start(folder, tmp_path / "szenarien")
    answer = _open(client, "plan.xlsx")
    try:
        assert answer.status_code == 200
        said = _opened_from(answer.text)
        assert "mit wesel.yaml („Kreis Wesel 2022“)" in said and "die Prüfsumme passt nicht" in said
        assert "weicht vom Plan aus der Datei ab (bei 1 Anstellungsträger(n))" in said
        assert "kimopt check wesel.yaml plan.xlsx" in said
    finally:
        switch.app.state.session.close()


def test_a_plan_workbook_without_its_instance_says_which_is_missing(tmp_path: Path, workbooks: dict[str, Path]) -> None:
    folder = tmp_path / "ordner"
    folder.mkdir()
    shutil.copy(WESEL, folder / "wesel.yaml")
    shutil.copy(workbooks["years"], folder / "plan.xlsx")
    client, switch = _start(folder, tmp_path / "szenarien")
    before = switch.app
    answer = _open(client, "plan.xlsx")
    assert answer.status_code == 409 and switch.app is before
    message = text_of(answer.text)
    assert "plan.xlsx ist eine Planmappe für die Instanz „Kreis Wesel 2022-2023 (Bausteine 1-3)“" in message
    assert "keine Instanz in diesem Ordner passt" in message


def test_a_dropped_plan_workbook_opens_with_its_instance_and_is_not_kept(
    tmp_path: Path, workbooks: dict[str, Path]
) -> None:
    folder = tmp_path / "ordner"
    folder.mkdir()
    shutil.copy(WESEL_YEARS, folder / "wesel-jahre.yaml")
    client, switch = _start(folder, tmp_path / "szenarien")
    files = {"workbook": ("Unser Plan.xlsx", workbooks["years"].read_bytes(), "application/octet-stream")}
    answer = client.post("/upload", data={"token": TOKEN}, files=files)
    try:
        assert answer.status_code == 200
        assert switch.app.state.session.instance_path == folder / "wesel-jahre.yaml"
        assert "Geöffnet aus der Planmappe Unser Plan.xlsx" in _opened_from(answer.text)
        assert selected_year(answer.text) == "2022"
        assert not any((tmp_path / "szenarien").iterdir())  # read, then not kept
    finally:
        switch.app.state.session.close()


def test_a_plan_workbook_without_provenance_or_with_two_candidates_is_named(
    tmp_path: Path, workbooks: dict[str, Path]
) -> None:
    import openpyxl

    folder = tmp_path / "ordner"
    folder.mkdir()
    changed = WESEL.read_text(encoding="utf-8").replace("budget: 16400", "budget: 16500", 1)
    for name in ("wesel-a.yaml", "wesel-b.yaml"):  # both „Kreis Wesel 2022“, neither the checksum
        (folder / name).write_text(changed, encoding="utf-8")
    shutil.copy(workbooks["one"], folder / "plan.xlsx")
    book = openpyxl.load_workbook(workbooks["one"])
    del book["Übersicht"]
    book.save(folder / "ohne-uebersicht.xlsx")
    client, switch = _start(folder, tmp_path / "szenarien")
    before = switch.app
    answer = _open(client, "plan.xlsx")
    assert answer.status_code == 409 and switch.app is before
    assert "so heißen mehrere Dateien (wesel-a.yaml, wesel-b.yaml)" in text_of(answer.text)
    answer = _open(client, "ohne-uebersicht.xlsx")
    assert answer.status_code == 409 and switch.app is before
    assert "ohne-uebersicht.xlsx nennt keine Instanz" in text_of(answer.text)
