"""Features of DESIGN §5 where they meet: each was built and tested alone, these are the defects a
review found in their combinations (every test failed, or crashed, before its fix)."""

from __future__ import annotations

import copy
from typing import Any

from kimopt.api import load_instance
from kimopt.pipeline import check, plan_instance
from tests.conftest import INSTANCES, instance, model

KREIS = {"name": "Kreis X", "ags": "05999", "cost_per_vzae": 71400, "budget": 100000, "existing_vzae": 0}
KOMMUNEN = [
    {"name": "Aa", "ags": "05999001", "population": 30000},
    {"name": "Bb", "ags": "05999002", "population": 20000},
    {"name": "Cc", "ags": "05999003", "population": 10000},
]


def leaving_traeger() -> dict[str, Any]:
    """6 VZÄ; Diakonie (no deficit coverage, cost 60,000 €: 5,000 € per VZÄ for itself) leaves in
    2023, when the Kreis's budget falls to 60,000 €: 60,000 / 16,400 leaves 3.5 VZÄ at the Kreis
    and Caritas (whose deficit the Kreis covers)."""
    return {
        "name": "C total leave",
        "kreis": dict(KREIS),
        "funding": {"year": 2022, "positions_vzae": 6, "rate_per_vzae": 55000},
        "years": [{"year": 2023, "leave": ["Diakonie X"], "budgets": {"Kreis X": 60000}}],
        "kommunen": copy.deepcopy(KOMMUNEN),
        "traeger": [
            {
                "name": "Caritas X",
                "max_vzae": 2.0,
                "serves": ["Aa", "Bb", "Cc"],
                "cost_per_vzae": 71400,
                "deficit_coverage": True,
            },
            {"name": "Diakonie X", "max_vzae": 2.0, "serves": ["Aa", "Bb", "Cc"], "cost_per_vzae": 60000},
        ],
    }


def solved(data: dict[str, Any], **settings: Any) -> dict[str, Any]:
    inst, settings_model = instance(data), model(**settings)
    outcome = plan_instance(inst, settings_model)
    assert outcome.plan_json is not None, outcome.status
    assert check(inst, settings_model, outcome.plan_json) == []
    return outcome.plan_json


def test_total_continuity_does_not_count_the_positions_of_a_member_that_left() -> None:
    # 2022: Kreis 2.0 (a third), Caritas 2.0, Diakonie 2.0; Diakonie's 2.0 leave with it, so of the
    # 4.0 that stay 2023 can pay 3.5: a cut of 0.5 (the plan stated 2.5 and its checker refused it)
    plan = solved(leaving_traeger(), continuity="total")
    assert [(c["host_type"], c["vzae"]) for c in plan["years"][1]["cuts"]] == [("total", 0.5)]
    assert "bei allen Arbeitgebern zusammen" in plan["years"][1]["cuts"][0]["text"]


def test_lookahead_under_total_holds_back_only_what_stays() -> None:
    # 2023 can pay 3.5 VZÄ at the Kreis and Caritas; Diakonie leaves with its own 2.0, so 2022
    # holds back 0.5 of the Kreis's and Caritas' 4.0 and uses 5.5 (it used 3.5 before the fix)
    plan = solved(leaving_traeger(), continuity="total", lookahead=True)
    assert plan["years"][0]["summary"]["positions_used"] == 5.5
    assert plan["years"][1]["cuts"] == []


def test_lookahead_with_a_kommune_that_wants_no_positions_any_more() -> None:
    # Aa hosts 2.0 in 2022 and wants none in 2023 (max_vzae 0): its positions are cut, also when
    # the years are planned together (this crashed with an IndexError)
    data = {
        "name": "E lowered limit",
        "kreis": {**KREIS, "budget": None},
        "funding": {"year": 2022, "positions_vzae": 6, "rate_per_vzae": 55000},
        "years": [{"year": 2023, "kommunen": {"Aa": {"max_vzae": 0}}}],
        "kommunen": [{**KOMMUNEN[0], "max_vzae": 2}, *copy.deepcopy(KOMMUNEN[1:])],
    }
    for settings in ({"lookahead": True}, {"lookahead": True, "continuity": "total"}):
        plan = solved(data, **settings)
        hosts = {h["name"]: h["vzae"] for h in plan["years"][1]["hosts"]}
        assert hosts.get("Aa", 0.0) == 0.0


def test_lookahead_plans_have_no_binding_rules_of_their_own() -> None:
    # a year planned together with the next gives way for it: its plan is no optimum of its own,
    # so binding rules are not defined (the analysis crashed with a KeyError on Kreis Wesel)
    inst = load_instance(INSTANCES / "kreis-wesel-2022-2023.yaml")
    settings = model(lookahead=True)
    outcome = plan_instance(inst, settings)
    assert outcome.plan_json is not None

    from kimopt.analysis.explain.binding import add_year_binding_rules

    plan = add_year_binding_rules(outcome)
    assert [y["summary"]["binding_rules"] for y in plan["years"]] == [None, None]
    assert check(inst, settings, plan) == []


def test_a_cut_at_the_kreis_reads_beim_kreis() -> None:
    # 2023: the Kreis's budget falls to 16,400 € (one VZÄ of deficit) while it held 2.0
    data = {
        "name": "A Kreis cut",
        "kreis": dict(KREIS),
        "funding": {"year": 2022, "positions_vzae": 3, "rate_per_vzae": 55000},
        "years": [{"year": 2023, "budgets": {"Kreis X": 16400}}],
        "kommunen": copy.deepcopy(KOMMUNEN),
    }
    plan = solved(data)
    texts = [c["text"] for c in plan["years"][1]["cuts"]]
    assert texts and all("beim Kreis X" in text for text in texts), texts


def test_a_total_cut_larger_than_needed_is_refused() -> None:
    # the least total cut is 0.5 (above); a hand-edited plan that cuts 1.0 in all is refused: some
    # link can take 0.5 back and every rule of 2023 still holds (the check tried no link before)
    inst, settings = instance(leaving_traeger()), model(continuity="total")
    plan = copy.deepcopy(solved(leaving_traeger(), continuity="total"))
    second = plan["years"][1]
    link = next(x for x in second["links"] if x["vzae"] >= 0.5 and x["host_type"] == "kreis")
    link["vzae"] -= 0.5
    second["cuts"][0].update(to_vzae=second["cuts"][0]["to_vzae"] - 0.5, vzae=1.0)
    for key in ("summary", "hosts", "kommunen"):  # edited by hand: the links and the cuts, no figures
        second.pop(key)
    plan["summary"].pop("eigenanteil_eur_by_year")
    texts = [v.de for v in check(inst, settings, plan) if v.rule == "continuity"]
    assert any("Kürzung größer als nötig" in text for text in texts), texts
