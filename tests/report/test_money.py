"""Money that adds up: shown euros are rounded so that the parts give the totals, to the euro.

A plan with fractional euros (deficit 16.405 € per VZÄ, parts of 0,1 VZÄ) is built by hand, so
rounding each payer on its own would miss the total by a euro; the tests check every sum a
committee member can add up on the page.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import pytest

from kimopt.numbers import round_euros, round_parts
from kimopt.plan import Plan
from kimopt.plan_file import PlanFile
from kimopt.problem import compile_problem
from kimopt.report.money import existing_deficit, finance_table, transfers_table
from tests.conftest import instance, model, tiny


def euros(text: str) -> int:
    """``24.607 €`` back to 24607."""
    return int(re.sub(r"[^\d-]", "", text))


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([Fraction(23, 2), Fraction(9, 2)], [12, 4]),  # 11,5 + 4,5 = 16: one of the halves goes down
        ([Fraction(1, 3)] * 3, [1, 0, 0]),  # 1/3 three times = 1: the first part gets the euro
        ([Fraction(5), Fraction(7)], [5, 7]),  # whole euros stay as they are
        ([], []),  # nothing to share
    ],
)
def test_round_parts_adds_up(parts: list[Fraction], expected: list[int]) -> None:
    shown = round_parts(parts)
    assert shown == expected
    assert sum(shown) == round_euros(sum(parts, Fraction(0)))
    assert all(abs(s - p) < 1 for s, p in zip(shown, parts, strict=True))


@pytest.fixture
def plan() -> dict[str, Any]:
    """Adorf (cost 71.405 €) employs 0,7 VZÄ for itself and 0,3 for its partner Bedorf; the Kreis
    (71.405 €) serves the rest. Deficit 16.405 € per VZÄ:
    Adorf 0,7 × 16.405 = 11.483,50 €, Bedorf 0,3 × 16.405 = 4.921,50 €, Kreis 2,0 × 16.405 = 32.810 €;
    total 49.215 €. Rounding each half up would give 49.216 €."""
    data = tiny(kreis={"name": "Kreis Klein", "cost_per_vzae": 71405, "budget": None})
    data["kommunen"][0].update(max_vzae=1.0, cost_per_vzae=71405, share_with=["Bedorf"])
    problem = compile_problem(instance(data), model())
    wanted = {
        ("Adorf", "Adorf"): 7,
        ("Adorf", "Bedorf"): 3,
        ("Kreis Klein", "Bedorf"): 2,
        ("Kreis Klein", "Cedorf"): 15,
        ("Kreis Klein", "Adorf"): 3,
    }
    units = [
        wanted.get((problem.hosts[link.host].name, problem.instance.kommunen[link.kommune].name), 0)
        for link in problem.links
    ]
    return Plan(problem, units).to_json()


def test_payers_add_up_to_the_totals(plan: dict[str, Any]) -> None:
    own = plan["summary"]["eigenanteil_eur"]
    assert own["total"] == 49215  # 11.483,5 + 4.921,5 + 32.810, exactly
    kommunen = {k["name"]: k["eigenanteil_eur"] for k in plan["kommunen"]}
    assert sum(kommunen.values()) == own["kommunen"] == 16405
    assert own["kreis"] + own["kommunen"] == own["total"]
    assert sorted(kommunen.values()) == [0, 4921, 11484]  # one half down, one half up
    payments = {p["payer"]: p["eur"] for p in plan["finance"]["eigenanteil"]}
    assert sum(payments.values()) == own["total"] + own["traeger"]


def test_finance_table_explains_the_gap(plan: dict[str, Any]) -> None:
    table = finance_table(PlanFile.model_validate(plan), "de")
    amounts = {row[0].strip(): euros(row[1]) for row in table.rows}
    cost, funding = amounts["Gesamtkosten der Stellen"], amounts["− Förderung (55.000 € / VZÄ)"]
    gap = amounts["= nicht durch Förderung gedeckt"]
    assert cost - funding == gap == 3 * 16405  # 3 VZÄ, each 16.405 € above the funding
    assert sum(v for k, v in amounts.items() if k.startswith("davon")) == gap
    assert (
        amounts["davon bestehende Stellen (bereits finanziert)"]
        == round_euros(existing_deficit(PlanFile.model_validate(plan)))
        == 0
    )


def test_who_pays_whom(plan: dict[str, Any]) -> None:
    table = transfers_table(PlanFile.model_validate(plan), "de")
    rows = [(r[0], r[1], r[2], euros(r[3])) for r in table.rows]
    land = next(r for r in rows if r[0] == "Land NRW")
    assert land[3] == plan["summary"]["funding_eur"] == 3 * 55000
    passed = [r for r in rows if "weitergeleitete Förderung" in r[2]]
    assert passed == [("Kreis Klein", "Adorf", "weitergeleitete Förderung für 1,0 VZÄ", 55000)]
    partner = next(r for r in rows if r[0] == "Bedorf")
    assert (partner[1], partner[3]) == ("Adorf", 4921)  # the Kostenausgleich, as in Bedorf's Eigenanteil
    assert "Kostenausgleich" in partner[2]
    total = next(r for r in rows if r[0].startswith("Summe"))
    assert total[3] == sum(r[3] for r in rows if "Kostenausgleich" in r[2] or "Defizitübernahme" in r[2])


def test_mettmann_kreis_covers_the_traeger(tmp_path: Any) -> None:
    """Kreis Mettmann (DESIGN §1): 7 new VZÄ at 16.400 € deficit, all carried by the Kreis."""
    from kimopt.load import load_instance
    from kimopt.pipeline import plan_instance
    from tests.conftest import INSTANCES

    mettmann, _ = load_instance(INSTANCES / "kreis-mettmann-2022.yaml")
    outcome = plan_instance(mettmann, model())
    assert outcome.plan_json is not None
    plan = outcome.plan_json
    rows = transfers_table(PlanFile.model_validate(plan), "de").rows
    cover = [euros(r[3]) for r in rows if "Defizitübernahme" in r[2]]
    assert sum(cover) == 114800 - 16400 * sum(  # the Kreis's own new positions are no transfer
        h["new_vzae"] for h in plan["hosts"] if h["host_type"] == "kreis"
    )
    amounts = {r[0].strip(): euros(r[1]) for r in finance_table(PlanFile.model_validate(plan), "de").rows}
    assert amounts["davon Eigenanteil Kreis"] == 114800
    assert amounts["davon bestehende Stellen (bereits finanziert)"] == 9 * 16400  # the 9 existing VZÄ
