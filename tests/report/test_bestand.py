"""„Bestand“: the existing positions' own cost, a row of its own in the Haushalt tables (DESIGN §5).

Existing positions (``existing_vzae``) are financed already: they are not in the Eigenanteil
the budget rule counts, but the Kreis pays their cost above the funding every year, at that
year's cost and rate. Kreis Mettmann (instances/kreis-mettmann-2022-2023.yaml): 9 existing VZÄ
at the Kreis; 2022 cost 71,400 €, rate 55,000 € → 9 × 16,400 = 147,600 €; 2023 cost +3 %
= 73,542 €, rate 57,000 € → 9 × 16,542 = 148,878 €.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from kimopt.console.horizon import horizon_lines
from kimopt.console.plan import render_plan
from kimopt.load import load_instance
from kimopt.pipeline import plan_instance
from kimopt.plan_file import PlanFile
from kimopt.report import render_plan_report, xlsx_bytes
from kimopt.report.horizon import eigenanteil_table
from tests.conftest import DEFICIT, INSTANCES, model, solve, tiny, with_kommune

BESTAND_2022 = 9 * (71400 - 55000)  # 147,600 €
BESTAND_2023 = 9 * (73542 - 57000)  # 148,878 €


@pytest.fixture(scope="module")
def mettmann() -> dict[str, Any]:
    """The two-year Mettmann plan (no binding rules: not needed here)."""
    inst, _ = load_instance(INSTANCES / "kreis-mettmann-2022-2023.yaml")
    outcome = plan_instance(inst, model())
    assert outcome.plan_json is not None
    return outcome.plan_json


def kreis_entry(plan: dict[str, Any], year: int) -> dict[str, Any]:
    entry = next(y for y in plan["years"] if y["year"] == year)
    return next(p for p in entry["eigenanteil"] if p["payer"] == "Kreis Mettmann")


def test_mettmann_bestand_per_year_apart_from_the_eigenanteil(mettmann: dict[str, Any]) -> None:
    assert (BESTAND_2022, BESTAND_2023) == (147600, 148878)
    first, second = kreis_entry(mettmann, 2022), kreis_entry(mettmann, 2023)
    assert (first["bestand_eur"], second["bestand_eur"]) == (BESTAND_2022, BESTAND_2023)
    # the Eigenanteil the budget counts is the 7 new VZÄ only: 7 × 16,400 and 7 × 16,542
    assert (first["eur"], second["eur"]) == (7 * 16400, 7 * 16542)
    # each year's finance table of Baustein 2 carries it too, the top level being 2022
    assert mettmann["finance"]["eigenanteil"][0]["bestand_eur"] == BESTAND_2022
    # cost − funding = Eigenanteil + Bestand, to the euro: 16 × 71,400 − 16 × 55,000
    finance = mettmann["finance"]
    assert finance["total_cost_eur"] - finance["funding_eur"] == 7 * 16400 + BESTAND_2022


def test_the_haushalt_table_has_a_row_bestand(mettmann: dict[str, Any]) -> None:
    rows = eigenanteil_table(PlanFile.model_validate(mettmann), "de").rows
    assert ["2022", "Bestand Kreis Mettmann", "–", "147.600 €", "–", "–", "bereits finanziert"] in rows
    assert ["2023", "Bestand Kreis Mettmann", "–", "148.878 €", "–", "–", "bereits finanziert"] in rows
    # what the Kreis pays in all: 114,800 + 147,600 = 262,400 €; 115,794 + 148,878 = 264,672 €
    assert ["2022", "Insgesamt mit Bestand", "0 €", "262.400 €", "0 €", "262.400 €", ""] in rows
    assert ["2023", "Insgesamt mit Bestand", "0 €", "264.672 €", "0 €", "264.672 €", ""] in rows
    # the Bestand row comes after the year's Summe of the Eigenanteil, which leaves it out
    labels = [row[1] for row in rows if row[0] == "2022"]
    assert labels == ["Kreis Mettmann", "Summe", "Bestand Kreis Mettmann", "Insgesamt mit Bestand"]
    summe = next(row for row in rows if row[:2] == ["2022", "Summe"])
    assert summe[5] == "114.800 €"


def test_the_console_shows_the_bestand_rows(mettmann: dict[str, Any]) -> None:
    text = "\n".join(horizon_lines(PlanFile.model_validate(mettmann), "de"))
    assert "2022  Bestand Kreis Mettmann" in text and "147.600 €" in text
    assert "2023  Bestand Kreis Mettmann" in text and "148.878 €" in text
    english = "\n".join(horizon_lines(PlanFile.model_validate(mettmann), "en"))
    assert "Existing positions Kreis Mettmann" in english and "€148,878" in english


@pytest.mark.parametrize("suffix", [".html", ".md", ".csv"])
def test_every_text_report_has_the_bestand(mettmann: dict[str, Any], suffix: str) -> None:
    text = render_plan_report(mettmann, suffix, "de")
    assert "Bestand Kreis Mettmann" in text
    assert "148.878" in text and "264.672" in text


def test_the_workbook_sheet_haushalt_has_the_bestand_rows(mettmann: dict[str, Any]) -> None:
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(mettmann, "plan.xlsx", "de", None)))["Haushalt"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=1, max_col=7)]
    assert [2022, "Bestand Kreis Mettmann", None, BESTAND_2022, None, None, None] in rows
    assert [2023, "Bestand Kreis Mettmann", None, BESTAND_2023, None, None, None] in rows
    # the Eigenanteil column (F) of the payers stays the Eigenanteil: Bestand rows leave it empty
    payer = next(r for r in rows if r[:2] == [2023, "Kreis Mettmann"])
    assert payer[5] == 7 * 16542


def test_one_year_plan_has_the_bestand_per_payer() -> None:
    inst, _ = load_instance(INSTANCES / "kreis-mettmann-2022.yaml")
    plan = plan_instance(inst, model()).plan_json
    assert plan is not None and "years" not in plan
    kreis = plan["finance"]["eigenanteil"][0]
    assert (kreis["payer"], kreis["eur"], kreis["bestand_eur"]) == ("Kreis Mettmann", 7 * 16400, BESTAND_2022)
    assert "Bestand (bereits finanziert, nicht im Eigenanteil): Kreis Mettmann 147.600 €" in render_plan(plan)


def test_who_pays_the_bestand() -> None:
    # Adorf employs its 1.0 existing VZÄ itself: 1.0 × 16,400 at Adorf. The Träger's 0.5
    # existing VZÄ (serving Bedorf) without Defizitübernahme: 0.5 × 16,400 = 8,200 € at the
    # Träger; with it the Kreis pays. The Kreis has none of its own.
    traeger = {"name": "Caritas", "max_vzae": 0.5, "serves": ["Bedorf"], "cost_per_vzae": 71400, "existing_vzae": 0.5}
    data = with_kommune(tiny(traeger=[traeger]), "Adorf", max_vzae=1.0, existing_vzae=1.0)
    plan = solve(data).plan_json
    assert plan is not None
    paid = {p["payer"]: p.get("bestand_eur") for p in plan["finance"]["eigenanteil"]}
    assert paid == {"Kreis Klein": None, "Adorf": DEFICIT, "Caritas": DEFICIT // 2}

    data["traeger"][0]["deficit_coverage"] = True
    plan = solve(data).plan_json
    assert plan is not None
    paid = {p["payer"]: p.get("bestand_eur") for p in plan["finance"]["eigenanteil"]}
    assert paid == {"Kreis Klein": DEFICIT // 2, "Adorf": DEFICIT}


def test_a_plan_without_existing_positions_has_no_bestand() -> None:
    plan = solve(tiny()).plan_json
    assert plan is not None
    assert all("bestand_eur" not in p for p in plan["finance"]["eigenanteil"])
    assert "Bestand (bereits" not in render_plan(plan)


def test_a_sharing_host_pays_the_bestand_of_its_own_part_only() -> None:
    # Adorf's existing 1.0 VZÄ may serve Bedorf too; the Kreis (budget 0, no minimum share) places
    # nothing. N = 1.0 VZÄ, targets Adorf 1/3, Bedorf 1/6, Cedorf 1/2 (unserved): the deviation is
    # least with Adorf ≥ 1/3 and Bedorf ≥ 1/6, i.e. Bedorf 0.2 at the least Eigenanteil (Bedorf
    # pays its part in full, Adorf's own part is existing). So Bedorf pays 0.2 × 16,400 = 3,280 €
    # (Kostenausgleich) and Adorf's Bestand is its own 0.8 × 16,400 = 13,120 €: together the host's
    # whole deficit of 16,400 €.
    data = with_kommune(tiny(), "Adorf", max_vzae=1.0, existing_vzae=1.0, share_with=["Bedorf"])
    data["kreis"]["budget"] = 0
    plan = solve(data, kreis_min_share="0").plan_json
    assert plan is not None
    parts = {link["kommune"]: link["vzae"] for link in plan["links"] if link["host"] == "Adorf"}
    assert parts == {"Adorf": 0.8, "Bedorf": 0.2}
    paid = {p["payer"]: p for p in plan["finance"]["eigenanteil"]}
    assert (paid["Adorf"]["bestand_eur"], paid["Adorf"]["eur"]) == (13120, 0)
    assert paid["Bedorf"]["eur"] == 3280 and "bestand_eur" not in paid["Bedorf"]
    assert paid["Adorf"]["bestand_eur"] + paid["Bedorf"]["eur"] == DEFICIT


def test_the_bestand_follows_a_capped_coverage_and_a_short_year() -> None:
    # Caritas' 0.5 existing VZÄ with the Kreis covering at most 5,000 € per VZÄ: the Kreis pays
    # 0.5 × 5,000 = 2,500 €, Caritas the rest 0.5 × 11,400 = 5,700 €; in a year of 6 months half
    traeger = {
        "name": "Caritas",
        "max_vzae": 0.5,
        "serves": ["Bedorf"],
        "cost_per_vzae": 71400,
        "existing_vzae": 0.5,
        "deficit_coverage_eur_per_vzae": 5000,
    }
    data = tiny(traeger=[traeger])
    paid = {p["payer"]: p.get("bestand_eur") for p in (solve(data).plan_json or {})["finance"]["eigenanteil"]}
    assert (paid["Kreis Klein"], paid["Caritas"]) == (2500, 5700)
    data["funding"]["months"] = 6
    paid = {p["payer"]: p.get("bestand_eur") for p in (solve(data).plan_json or {})["finance"]["eigenanteil"]}
    assert (paid["Kreis Klein"], paid["Caritas"]) == (1250, 2850)
