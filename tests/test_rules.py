"""One behaviour test per rule family on the 3-Kommune instance of ``conftest.tiny``.

Adorf 20,000, Bedorf 10,000, Cedorf 30,000 inhabitants; 3 VZÄ fundable, so the targets are
1.0, 0.5 and 1.5 VZÄ. Real cost 71,400 € against 55,000 € funding: 16,400 € deficit per VZÄ.
Each test shows the rule holding in an easy case, a known optimum with the arithmetic, and a
forced conflict that must come out INFEASIBLE.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from kimopt.pipeline import PlanRejected
from tests.conftest import coverage, hosted, level, solve, tiny, with_kommune

TRAEGER = {"name": "Caritas", "max_vzae": 1.0, "serves": ["Bedorf"], "cost_per_vzae": 71400, "deficit_coverage": True}


def test_funding_cap() -> None:
    # Only the Kreis hosts; nothing limits it but the cap: N = P = 3.0.
    outcome = solve(tiny())
    assert outcome.status == "OPTIMAL"
    assert outcome.plan is not None and outcome.plan.used == 3
    # 11 existing Kreis positions that must stay cannot fit under a cap of 3 VZÄ.
    assert (
        solve(tiny(kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "existing_vzae": 3.5})).status == "INFEASIBLE"
    )


def test_kreis_share() -> None:
    # Adorf may host 2.0 for itself and its partners: partner_share moves
    # min(N − H_kreis, 2/3 × 3) = 2.0 away from the Kreis, which keeps exactly 1/3 × 3.0 = 1.0.
    data = with_kommune(tiny(), "Adorf", max_vzae=2.0, share_with=["Bedorf", "Cedorf"])
    outcome = solve(data)
    assert hosted(outcome, "Kreis Klein") == 1
    assert hosted(outcome, "Adorf") == 2
    assert level(outcome, "partner_share") == 2
    # The Kreis must keep everything, but a Träger's existing 1.0 VZÄ must stay: 1.0 + K ≤ K is impossible.
    blocked = tiny(traeger=[{**TRAEGER, "existing_vzae": 1.0}])
    assert solve(blocked, kreis_min_share=1).status == "INFEASIBLE"


def test_host_size() -> None:
    # Adorf could take 0.7 VZÄ, but hosts come in 0.5 steps: it hosts 0.5, the Kreis 2.5.
    outcome = solve(with_kommune(tiny(), "Adorf", max_vzae=0.7))
    assert hosted(outcome, "Adorf") == Fraction(1, 2)
    assert hosted(outcome, "Kreis Klein") == Fraction(5, 2)
    # 0.3 VZÄ existing must stay, but a host has 0 or at least 0.5 and at most 0.3 here.
    data = with_kommune(tiny(), "Adorf", max_vzae=0.3, existing_vzae=0.3)
    assert solve(data).status == "INFEASIBLE"


def test_sharing() -> None:
    # Adorf (max 1.5) shares with Bedorf: it serves its own 1.0 and Bedorf's 0.5 (targets met exactly).
    data = with_kommune(tiny(), "Adorf", max_vzae=1.5, share_with=["Bedorf"])
    outcome = solve(data)
    assert outcome.plan is not None
    served = {(link["host"], link["kommune"]): link["vzae"] for link in outcome.plan_json["links"]}
    assert served[("Adorf", "Adorf")] == 1.0
    assert served[("Adorf", "Bedorf")] == 0.5
    # Without partners allowed, Adorf serves only itself.
    alone = solve(data, max_sharing_partners=0)
    assert all(link["kommune"] == "Adorf" for link in alone.plan_json["links"] if link["host"] == "Adorf")
    # Every served part must be ≥ 2.0 VZÄ, but Adorf keeps an existing 1.0 and can host 1.5 at most.
    stuck = with_kommune(tiny(), "Adorf", max_vzae=1.5, existing_vzae=1.0, share_with=["Bedorf"])
    assert solve(stuck, min_share_vzae=2).status == "INFEASIBLE"


def test_provider_area() -> None:
    # The Träger serves only Bedorf; Bedorf's target is 0.5, so it hosts 0.5 (the Kreis the other 2.5).
    outcome = solve(tiny(traeger=[TRAEGER]))
    assert hosted(outcome, "Caritas") == Fraction(1, 2)
    assert {link["kommune"] for link in outcome.plan_json["links"] if link["host"] == "Caritas"} == {"Bedorf"}
    # 1.5 VZÄ existing at a Träger whose capacity is 1.0.
    assert solve(tiny(traeger=[{**TRAEGER, "existing_vzae": 1.5}])).status == "INFEASIBLE"


def test_existing() -> None:
    # Adorf's existing 1.0 VZÄ are financed already, so its budget of 0 € does not stop them.
    data = with_kommune(tiny(), "Adorf", max_vzae=2.0, existing_vzae=1.0, budget=0)
    outcome = solve(data)
    assert hosted(outcome, "Adorf") == 1
    assert outcome.plan is not None and outcome.plan.payments[1].eur == 0  # Adorf pays nothing
    # The Kreis must keep all positions, yet Adorf's existing ones must stay: infeasible …
    assert solve(data, kreis_min_share=1).status == "INFEASIBLE"
    # … unless existing positions may go.
    assert hosted(solve(data, kreis_min_share=1, keep_existing=False), "Adorf") == 0


def test_budget_kommune() -> None:
    # Adorf can pay 8,200 € = 0.5 VZÄ × 16,400 €: it hosts 0.5 VZÄ, not its wished 1.0.
    outcome = solve(with_kommune(tiny(), "Adorf", max_vzae=1.0, budget=8200))
    assert hosted(outcome, "Adorf") == Fraction(1, 2)
    assert outcome.plan is not None and outcome.plan.payments[1].eur == 8200
    # Nobody but Adorf can host (the Kreis has no budget, no quota) and every Kommune needs
    # 0.5 VZÄ; Adorf must host its own 0.5 VZÄ first, which costs 8,200 €: 8,199 € is one too few.
    kreis = {"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": 0}
    base = with_kommune(tiny(kreis=kreis), "Adorf", max_vzae=3.0, share_with=["Bedorf", "Cedorf"], budget=8200)
    settings = {"kreis_min_share": 0, "min_coverage_vzae": 0.5}
    assert solve(base, **settings).status == "OPTIMAL"
    assert solve(with_kommune(base, "Adorf", budget=8199), **settings).status == "INFEASIBLE"


def test_budget_kreis() -> None:
    # A Kreis budget of 16,400 € pays for 1.0 new VZÄ; nobody else can host: N = 1.0.
    outcome = solve(tiny(kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": 16400}))
    assert level(outcome, "use_positions") == 1
    # A Träger keeps 1.0 existing VZÄ, so the Kreis needs ≥ 0.5 (one third, in 0.5 steps) at
    # 8,200 € — with a budget of 0 € that is impossible.
    blocked = tiny(
        kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": 0}, traeger=[{**TRAEGER, "existing_vzae": 1.0}]
    )
    assert solve(blocked).status == "INFEASIBLE"


def test_reachability() -> None:
    # Every Kommune needs 1.0 VZÄ: 3 × 1.0 = 3.0 = P, so Bedorf gets 1.0 although its target is 0.5.
    outcome = solve(tiny(), min_coverage_vzae=1)
    assert coverage(outcome) == {"Adorf": 1, "Bedorf": 1, "Cedorf": 1}
    assert level(outcome, "proportionality") == 1  # |1 − 1| + |1 − 0.5| + |1 − 1.5|
    # 3 × 1.1 = 3.3 VZÄ > 3.0 fundable.
    assert solve(tiny(), min_coverage_vzae=Fraction(11, 10)).status == "INFEASIBLE"


def test_quota_rule() -> None:
    # Targets 1.0, 0.5, 1.5 are multiples of 0.1: the quota rule pins coverage to them exactly.
    outcome = solve(tiny(), quota_rule=True)
    assert coverage(outcome) == {"Adorf": 1, "Bedorf": Fraction(1, 2), "Cedorf": Fraction(3, 2)}
    # Adorf keeps 1.5 existing VZÄ serving only itself, above its ⌈1.0⌉ = 1.0 quota.
    data = with_kommune(tiny(), "Adorf", max_vzae=1.5, existing_vzae=1.5)
    assert solve(data, quota_rule=True).status == "INFEASIBLE"
    assert solve(data).status == "OPTIMAL"


def test_quota_rule_fractional_target() -> None:
    # P = 0.7 VZÄ: targets 0.7 × (1/3, 1/6, 1/2) = 0.2333, 0.1167, 0.35 VZÄ, so each coverage
    # lies between the neighbouring multiples of 0.1 and they add up to 0.7.
    outcome = solve(
        tiny(funding={"positions_vzae": 0.7, "rate_per_vzae": 55000}),
        quota_rule=True,
        host_step_vzae=0.1,
        min_host_vzae=0.1,
    )
    cov = coverage(outcome)
    assert Fraction(2, 10) <= cov["Adorf"] <= Fraction(3, 10)
    assert Fraction(1, 10) <= cov["Bedorf"] <= Fraction(2, 10)
    assert Fraction(3, 10) <= cov["Cedorf"] <= Fraction(4, 10)
    assert sum(cov.values()) == Fraction(7, 10)


# ---- edge cases across the rules -----------------------------------------------------------


def test_existing_positions_of_a_kommune_that_wants_no_more_stay() -> None:
    """``existing``: a Kommune with 1.0 VZÄ filled and ``max_vzae: 0`` keeps them (filled
    positions count as wanted), and model and checker agree on it: a plan, never PlanRejected."""
    data = with_kommune(tiny(), "Adorf", existing_vzae=1.0, max_vzae=0)
    try:
        outcome = solve(data)
    except PlanRejected as exc:
        pytest.fail(f"model and checker disagree on existing positions of a non-host Kommune: {exc}")
    assert outcome.status in {"OPTIMAL", "INFEASIBLE"}


def test_sharing_with_min_share_zero_still_needs_an_own_part() -> None:
    """``sharing``: with ``min_share_vzae: 0`` a Kommune host still serves partners only if it
    serves itself with a positive part; model and checker agree (a plan, never PlanRejected)."""
    data = with_kommune(tiny(), "Adorf", population=0, max_vzae=0.5, share_with=["Bedorf"])
    try:
        outcome = solve(data, min_share_vzae=0)
    except PlanRejected as exc:
        pytest.fail(f"model allows a partner-only Kommune host, checker rejects: {exc}")
    assert outcome.status == "OPTIMAL"


def test_all_budgets_zero_give_an_empty_but_valid_plan() -> None:
    data = tiny(
        kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": 0},
        kommunen=[{**k, "budget": 0, "max_vzae": 1.0} for k in tiny()["kommunen"]],
    )
    outcome = solve(data)
    assert outcome.status == "OPTIMAL" and outcome.plan is not None
    assert outcome.plan.used == 0  # the Kreis may add nothing, so 1/3 of N forces N = 0
    assert outcome.plan_json is not None and outcome.plan_json["links"] == []


def test_positions_not_a_multiple_of_the_host_step() -> None:
    outcome = solve(tiny(funding={"year": 2022, "positions_vzae": 3.2, "rate_per_vzae": 55000}))
    assert outcome.plan is not None and outcome.plan_json is not None
    assert outcome.plan.used == 3  # hosts come in 0.5 steps; the Kreis alone hosts
    assert outcome.plan_json["summary"]["positions_fundable"] == 3.2


@pytest.mark.parametrize("share", ["0", "1"])
def test_kreis_min_share_extremes(share: str) -> None:
    data = with_kommune(tiny(), "Adorf", max_vzae=1.0)
    outcome = solve(data, kreis_min_share=share)
    assert outcome.plan is not None
    assert outcome.plan.used == 3
    if share == "1":
        assert hosted(outcome, "Kreis Klein") == 3
        assert level(outcome, "partner_share") == 0
    else:
        assert hosted(outcome, "Adorf") == 1
        assert level(outcome, "partner_share") == 1


def test_existing_above_a_hosts_maximum() -> None:
    """A Kommune's filled positions count as wanted (its maximum is at least its existing
    positions); a Träger's capacity is a hard limit, so there the conflict is infeasible."""
    data = with_kommune(tiny(), "Adorf", max_vzae=0.5, existing_vzae=1.0)
    outcome = solve(data)
    assert outcome.status == "OPTIMAL"
    assert outcome.plan is not None
    assert outcome.plan.hosted[next(h for h, host in enumerate(outcome.problem.hosts) if host.name == "Adorf")] == 1
    traeger = {"name": "Caritas", "max_vzae": 0.5, "serves": ["Bedorf"], "cost_per_vzae": 71400, "existing_vzae": 1.0}
    assert solve(tiny(traeger=[traeger])).status == "INFEASIBLE"
    # without keep_existing both are plannable and the checker agrees
    assert solve(data, keep_existing=False).status == "OPTIMAL"
    assert solve(tiny(traeger=[traeger]), keep_existing=False).status == "OPTIMAL"


def test_quota_rule_with_fractional_targets_agrees_with_checker() -> None:
    data = tiny(
        kommunen=[
            {"name": n, "population": p, "max_vzae": 1.0} for n, p in (("Adorf", 1), ("Bedorf", 1), ("Cedorf", 1))
        ]
    )
    outcome = solve(data, quota_rule=True)
    assert outcome.plan is not None
    for c in coverage(outcome).values():
        assert Fraction(9, 10) <= c <= Fraction(11, 10)  # e_i = 1.0 exactly at N = 3
    assert outcome.plan.indices["quota_rule_holds"]
