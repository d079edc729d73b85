"""The independent checker and the model's rules, each tested so that switching it off fails a test.

Part 1, the checker: for every rule family a plan broken by hand on the 3-Kommune instance
of ``conftest.tiny`` (Adorf 20,000, Bedorf 10,000, Cedorf 30,000 inhabitants, 3 VZÄ, targets
1.0, 0.5, 1.5), which the checker must reject naming exactly that rule — and ``kimopt check``
must exit 5 naming it.

Part 2, the model: for every function in :mod:`kimopt.cpsat.constraints` the CP-SAT model is
pushed by an objective that the rule alone stops (e.g. "as much as possible at the Träger"),
and the optimum must be what the rule allows, with the arithmetic in a comment. A rule whose
bound is also in the variable domains of a plain solve is pushed in the switchable model of
``explain`` (every rule switched on), where the domains are the universe bound.
``tests/test_mutation.py`` switches each rule off in turn and makes sure these tests fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from ortools.sat.python import cp_model
from typer.testing import CliRunner

from kimopt.check import check_plan
from kimopt.cli import app
from kimopt.cpsat.variables import Variables
from kimopt.labels import rule_label
from kimopt.lexicographic import build
from kimopt.plan import Plan
from kimopt.problem import Carried, Problem, compile_problem
from tests.conftest import TEST_SETTINGS, instance, model, tiny, write_yaml

runner = CliRunner()

CARITAS = {
    "name": "Caritas",
    "max_vzae": 1.0,
    "serves": ["Bedorf", "Cedorf"],
    "cost_per_vzae": 71400,
    "deficit_coverage": True,
}


def kommunen(**fields: dict[str, Any]) -> list[dict[str, Any]]:
    """The three Kommunen of ``tiny`` with extra fields per name."""
    return [{**k, **fields.get(k["name"], {})} for k in tiny()["kommunen"]]


def link(host: str, kommune: str, vzae: object, host_type: str = "") -> dict[str, Any]:
    kind = host_type or ("kreis" if host == "Kreis Klein" else "traeger" if host == "Caritas" else "kommune")
    return {"host": host, "host_type": kind, "kommune": kommune, "vzae": vzae}


def kreis_only(adorf: object = 1.0, bedorf: object = 0.5, cedorf: object = 1.5) -> list[dict[str, Any]]:
    return [
        link("Kreis Klein", "Adorf", adorf),
        link("Kreis Klein", "Bedorf", bedorf),
        link("Kreis Klein", "Cedorf", cedorf),
    ]


# ---- part 1: the checker -----------------------------------------------------------------


@dataclass
class Broken:
    """A plan that breaks exactly one rule family, on ``tiny`` changed by ``data``."""

    rule: str
    links: list[dict[str, Any]] | None
    data: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # other plan keys (reported figures)
    before: Carried | None = None  # a later year: what the year before left

    def plan(self) -> dict[str, Any]:
        return {**({} if self.links is None else {"links": self.links}), **self.extra}


BROKEN: dict[str, Broken] = {
    # 1.05 + 0.45 + 1.5 = 3.0 VZÄ, but 1.05 and 0.45 are not multiples of g = 0.1
    "granularity": Broken("granularity", kreis_only(1.05, 0.45)),
    # 1.5 + 0.5 + 1.5 = 3.5 VZÄ > 3 fundable
    "funding_cap": Broken("funding_cap", kreis_only(adorf=1.5)),
    # Adorf hosts 2.5 for itself and both partners, the Kreis 0.5 < 1/3 × 3.0 = 1.0
    "kreis_share": Broken(
        "kreis_share",
        [
            link("Adorf", "Adorf", 1.0),
            link("Adorf", "Bedorf", 0.5),
            link("Adorf", "Cedorf", 1.0),
            link("Kreis Klein", "Cedorf", 0.5),
        ],
        {"kommunen": kommunen(Adorf={"max_vzae": 2.5, "share_with": ["Bedorf", "Cedorf"]})},
    ),
    # the Kreis hosts 0.8 + 0.5 + 1.5 = 2.8 VZÄ, not a multiple of the 0.5 step
    "host_size_step": Broken("host_size", kreis_only(adorf=0.8)),
    # Adorf hosts 0.5 + 0.5 = 1.0 VZÄ but wants at most 0.5
    "host_size_max": Broken(
        "host_size",
        [
            link("Adorf", "Adorf", 0.5),
            link("Adorf", "Bedorf", 0.5),
            link("Kreis Klein", "Adorf", 0.5),
            link("Kreis Klein", "Cedorf", 1.5),
        ],
        {"kommunen": kommunen(Adorf={"max_vzae": 0.5, "share_with": ["Bedorf"]})},
    ),
    # Bedorf employs nobody (max_vzae 0) but hosts 0.5 VZÄ
    "host_size_no_host": Broken(
        "host_size",
        [link("Bedorf", "Bedorf", 0.5), link("Kreis Klein", "Adorf", 1.0), link("Kreis Klein", "Cedorf", 1.5)],
    ),
    # Adorf serves its partner Bedorf but not itself
    "sharing_not_self": Broken(
        "sharing",
        [link("Adorf", "Bedorf", 0.5), link("Kreis Klein", "Adorf", 1.0), link("Kreis Klein", "Cedorf", 1.5)],
        {"kommunen": kommunen(Adorf={"max_vzae": 1.0, "share_with": ["Bedorf"]})},
    ),
    # Adorf serves Bedorf, which is not its sharing partner
    "sharing_not_partner": Broken(
        "sharing",
        [
            link("Adorf", "Adorf", 0.5),
            link("Adorf", "Bedorf", 0.5),
            link("Kreis Klein", "Adorf", 0.5),
            link("Kreis Klein", "Cedorf", 1.5),
        ],
        {"kommunen": kommunen(Adorf={"max_vzae": 1.0})},
    ),
    # two partners where the model allows one
    "sharing_too_many": Broken(
        "sharing",
        [
            link("Adorf", "Adorf", 0.5),
            link("Adorf", "Bedorf", 0.5),
            link("Adorf", "Cedorf", 0.5),
            link("Kreis Klein", "Adorf", 0.5),
            link("Kreis Klein", "Cedorf", 1.0),
        ],
        {"kommunen": kommunen(Adorf={"max_vzae": 1.5, "share_with": ["Bedorf", "Cedorf"]})},
        {"max_sharing_partners": 1},
    ),
    # a part of 0.1 VZÄ below the smallest part 0.2 of this model
    "sharing_tiny_part": Broken(
        "sharing",
        [
            link("Adorf", "Adorf", 0.4),
            link("Adorf", "Bedorf", 0.1),
            link("Kreis Klein", "Adorf", 0.6),
            link("Kreis Klein", "Bedorf", 0.4),
            link("Kreis Klein", "Cedorf", 1.5),
        ],
        {"kommunen": kommunen(Adorf={"max_vzae": 1.0, "share_with": ["Bedorf"]})},
        {"min_share_vzae": 0.2},
    ),
    # Caritas hosts 0.5 + 1.0 = 1.5 VZÄ, its capacity is 1.0
    "provider_capacity": Broken(
        "provider_area",
        [
            link("Caritas", "Bedorf", 0.5),
            link("Caritas", "Cedorf", 1.0),
            link("Kreis Klein", "Adorf", 1.0),
            link("Kreis Klein", "Cedorf", 0.5),
        ],
        {"traeger": [CARITAS]},
    ),
    # Caritas serves Adorf, outside its area
    "provider_outside": Broken(
        "provider_area", [link("Caritas", "Adorf", 0.5), *kreis_only(adorf=0.5)], {"traeger": [CARITAS]}
    ),
    # Adorf has 1.0 VZÄ filled; the plan moves them to the Kreis
    "existing": Broken("existing", kreis_only(), {"kommunen": kommunen(Adorf={"max_vzae": 1.0, "existing_vzae": 1.0})}),
    # a later year: Adorf held 1.0 the year before, now 0 (the Kreis serves all), no cut allowed
    "continuity": Broken(
        "continuity",
        kreis_only(),
        {"kommunen": kommunen(Adorf={"max_vzae": 1.0})},
        before=Carried({("kommune", "Adorf"): Fraction(1)}),
    ),
    # the year may cut 0.5 VZÄ in all, Adorf is cut by 1.0
    "continuity_allowance": Broken(
        "continuity",
        kreis_only(),
        {"kommunen": kommunen(Adorf={"max_vzae": 1.0})},
        before=Carried({("kommune", "Adorf"): Fraction(1)}, Fraction(1, 2)),
    ),
    # continuity: total, the year before held 2.5 (Kreis) + 1.0 (Adorf) = 3.5 VZÄ, now 3.0 in all, no cut
    "continuity_total": Broken(
        "continuity",
        kreis_only(),
        {"kommunen": kommunen(Adorf={"max_vzae": 1.0})},
        {"continuity": "total"},
        before=Carried({("kreis", "Kreis Klein"): Fraction(5, 2), ("kommune", "Adorf"): Fraction(1)}),
    ),
    # continuity: total, 3.0 + 1.0 = 4.0 held, now 3.0: a cut of 1.0 where 0.5 is allowed
    "continuity_total_allowance": Broken(
        "continuity",
        kreis_only(),
        {"kommunen": kommunen(Adorf={"max_vzae": 1.0})},
        {"continuity": "total"},
        before=Carried({("kreis", "Kreis Klein"): Fraction(3), ("kommune", "Adorf"): Fraction(1)}, Fraction(1, 2)),
    ),
    # Adorf pays 1.0 × (71,400 − 55,000) = 16,400 € for its own new position, budget 0 €
    "budget_kommune": Broken(
        "budget_kommune",
        [link("Adorf", "Adorf", 1.0), link("Kreis Klein", "Bedorf", 0.5), link("Kreis Klein", "Cedorf", 1.5)],
        {"kommunen": kommunen(Adorf={"max_vzae": 1.0, "budget": 0})},
    ),
    # the Kreis pays 3.0 × 16,400 = 49,200 €, budget 16,400 €
    "budget_kreis": Broken(
        "budget_kreis", kreis_only(), {"kreis": {"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": 16400}}
    ),
    # Bedorf gets nothing, the model promises every Kommune 0.5 VZÄ
    "reachability": Broken("reachability", kreis_only(adorf=1.5, bedorf=0), settings={"min_coverage_vzae": 0.5}),
    # targets 1.0/0.5/1.5: Adorf 1.5 and Cedorf 1.0 lie outside [⌊e⌋, ⌈e⌉]
    "quota_rule": Broken("quota_rule", kreis_only(adorf=1.5, cedorf=1.0), settings={"quota_rule": True}),
    # what the plan reports must match its links: 2.5 VZÄ used, the links give 3.0
    "reported_figure": Broken("plan", kreis_only(), extra={"summary": {"positions_used": 2.5}}),
    "reported_host": Broken(
        "plan", kreis_only(), extra={"hosts": [{"name": "Kreis Klein", "host_type": "kreis", "vzae": 2.0}]}
    ),
    "reported_target": Broken("plan", kreis_only(), extra={"kommunen": [{"name": "Adorf", "target_vzae": 1.2}]}),
    # plans that cannot be read as a plan
    "no_links": Broken("plan", None),
    "unknown_kommune": Broken("plan", [*kreis_only(), link("Kreis Klein", "Zedorf", 0.5)]),
    "unknown_host_type": Broken("plan", [*kreis_only(), link("Adorf", "Adorf", 0.5, "stadt")]),
    "vzae_text": Broken("plan", [*kreis_only(), link("Kreis Klein", "Adorf", "viel")]),
    "vzae_negative": Broken("plan", [*kreis_only(), link("Kreis Klein", "Adorf", -0.5)]),
    "wrong_kreis": Broken("plan", [*kreis_only(adorf=0.5), link("Kreis Anders", "Adorf", 0.5, "kreis")]),
    "duplicate_link": Broken("plan", [*kreis_only(adorf=0.5), link("Kreis Klein", "Adorf", 0.5)]),
}


def violated(case: Broken) -> list[str]:
    return [v.rule for v in check_plan(instance(tiny(**case.data)), model(**case.settings), case.plan(), case.before)]


def test_valid_plan_passes() -> None:
    # the Kreis serves every target exactly: 1.0 + 0.5 + 1.5 = 3.0 VZÄ
    assert violated(Broken("", kreis_only())) == []


@pytest.mark.parametrize("name", list(BROKEN))
def test_checker_names_exactly_the_broken_rule(name: str) -> None:
    case = BROKEN[name]
    rules = violated(case)
    assert rules, f"{name}: the checker accepts a plan that breaks {case.rule}"
    assert set(rules) == {case.rule}, rules


@pytest.mark.parametrize(
    "name",
    [
        "funding_cap",
        "kreis_share",
        "host_size_step",
        "sharing_not_self",
        "provider_capacity",
        "existing",
        "budget_kommune",
        "budget_kreis",
        "reachability",
        "quota_rule",
        "granularity",
        "unknown_kommune",
    ],
)
def test_cli_check_exits_5_naming_the_rule(name: str, tmp_path: Path) -> None:
    case = BROKEN[name]
    data_file = write_yaml(tmp_path / "instance.yaml", tiny(**case.data))
    model_file = write_yaml(tmp_path / "model.yaml", {**TEST_SETTINGS, **case.settings})
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(case.plan()), encoding="utf-8")
    result = runner.invoke(app, ["check", str(data_file), str(plan_file), "-m", str(model_file)])
    assert result.exit_code == 5, result.output
    assert "Regelverletzung" in result.output
    assert f"  {rule_label(case.rule, 'de')}" in result.output  # the rule in words, not its identifier


def test_cli_check_accepts_solved_plan(tmp_path: Path) -> None:
    data_file = write_yaml(tmp_path / "instance.yaml", tiny())
    model_file = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    plan_file = tmp_path / "plan.json"
    solved = runner.invoke(
        app, ["solve", str(data_file), "-m", str(model_file), "-o", str(plan_file), "-q", "--no-binding"]
    )
    assert solved.exit_code == 0, solved.output
    result = runner.invoke(app, ["check", str(data_file), str(plan_file), "-m", str(model_file), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


# ---- part 2: the model -------------------------------------------------------------------


def host(p: Problem, name: str) -> int:
    return next(h for h, x in enumerate(p.hosts) if x.name == name)


def kommune(p: Problem, name: str) -> int:
    return next(i for i, k in enumerate(p.instance.kommunen) if k.name == name)


def link_of(p: Problem, host_name: str, kommune_name: str) -> int:
    h, i = host(p, host_name), kommune(p, kommune_name)
    return next(li for li in p.links_of_host[h] if p.links[li].kommune == i)


Goal = Callable[[Problem, Variables], Any]


def push(
    data: dict[str, Any], goal: Goal, switchable: bool = False, carried: Carried | None = None, **settings: Any
) -> tuple[float, list[str]]:
    """Maximise ``goal`` under every rule; the optimum in VZÄ and the rules its plan breaks.

    With ``switchable`` the model is the one explanations use, every rule switched on;
    ``carried``: the problem is a later year.
    """
    p = compile_problem(instance(data), model(**settings), carried)
    cm = build(p, switchable=switchable)
    for literal in cm.switches.literals.values():
        cm.model.add(literal == 1)
    cm.model.maximize(goal(p, cm.variables))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 20
    assert solver.solve(cm.model) == cp_model.OPTIMAL
    units = [solver.value(x) for x in cm.variables.a]
    rules = [v.rule for v in check_plan(p.instance, p.model, Plan(p, units).to_json(), carried)]
    return float(p.g * int(solver.objective_value)), rules


def test_model_funding_cap() -> None:
    # as many positions as possible: N ≤ P = 3.0 (the plain model has P in N's domain too)
    assert push(tiny(), lambda p, v: v.used_total, switchable=True) == (3.0, [])


def test_model_kreis_share() -> None:
    # as much as possible away from the Kreis: H_kreis ≥ N/3 and N ≤ 3.0 leave Adorf 2.0 (not 3.0)
    data = tiny(kommunen=kommunen(Adorf={"max_vzae": 3.0, "share_with": ["Bedorf", "Cedorf"]}))
    assert push(data, lambda p, v: v.hosted(host(p, "Adorf"))) == (2.0, [])


def test_model_host_size() -> None:
    # Adorf would take 0.7 VZÄ, hosts come in 0.5 steps: 0.5
    data = tiny(kommunen=kommunen(Adorf={"max_vzae": 0.7}))
    assert push(data, lambda p, v: v.hosted(host(p, "Adorf"))) == (0.5, [])
    # the Kommune's maximum (in the domains of a plain solve, here from the rule itself)
    assert push(
        tiny(kommunen=kommunen(Adorf={"max_vzae": 1.0})), lambda p, v: v.hosted(host(p, "Adorf")), switchable=True
    ) == (1.0, [])


def test_model_sharing() -> None:
    # Adorf's partner part minus its own: it must serve itself (≥ 0.1), so 0.9 − 0.1 = 0.8, not 1.0 − 0
    data = tiny(kommunen=kommunen(Adorf={"max_vzae": 1.0, "share_with": ["Bedorf"]}))
    assert push(data, lambda p, v: v.a[link_of(p, "Adorf", "Bedorf")] - v.a[link_of(p, "Adorf", "Adorf")]) == (0.8, [])


def test_model_sharing_partners() -> None:
    # the links Adorf uses, at most 1 partner: its own and one partner = 2 links (not 3)
    data = tiny(kommunen=kommunen(Adorf={"max_vzae": 1.5, "share_with": ["Bedorf", "Cedorf"]}))
    value, rules = push(
        data, lambda p, v: sum(v.link_used[li] for li in p.links_of_host[host(p, "Adorf")]), max_sharing_partners=1
    )
    assert (value * 10, rules) == (2, [])  # a count, scaled by g in push


def test_model_provider_area() -> None:
    # as much as possible at Caritas: its capacity 1.0 (in a plain solve also in the domains)
    data = tiny(traeger=[CARITAS])
    assert push(data, lambda p, v: v.hosted(host(p, "Caritas")), switchable=True) == (1.0, [])


def test_model_existing() -> None:
    # as little as possible at Adorf: its 1.0 filled VZÄ stay
    data = tiny(kommunen=kommunen(Adorf={"max_vzae": 2.0, "existing_vzae": 1.0}))
    assert push(data, lambda p, v: -v.hosted(host(p, "Adorf"))) == (-1.0, [])


def test_model_continuity() -> None:
    # a later year, as little as possible at Adorf: it held 1.0 the year before, so 1.0 stays;
    # with a cut of 0.5 allowed in all, 0.5 (one host step) stays
    data = tiny(kommunen=kommunen(Adorf={"max_vzae": 2.0}))
    held = {("kommune", "Adorf"): Fraction(1)}
    assert push(data, lambda p, v: -v.hosted(host(p, "Adorf")), carried=Carried(held)) == (-1.0, [])
    assert push(data, lambda p, v: -v.hosted(host(p, "Adorf")), carried=Carried(held, Fraction(1, 2))) == (-0.5, [])


def test_model_continuity_total() -> None:
    # continuity: total, a later year, as few positions as possible: Adorf 1.0 + Kreis 1.5 = 2.5 held,
    # so N ≥ 2.5; with a cut of 0.5 allowed, N ≥ 2.0; Adorf itself may drop to 0 (its positions move)
    data = tiny(kommunen=kommunen(Adorf={"max_vzae": 2.0}))
    held = {("kommune", "Adorf"): Fraction(1), ("kreis", "Kreis Klein"): Fraction(3, 2)}
    total = {"continuity": "total"}
    assert push(data, lambda p, v: -v.used_total, carried=Carried(held), **total) == (-2.5, [])
    assert push(data, lambda p, v: -v.used_total, carried=Carried(held, Fraction(1, 2)), **total) == (-2.0, [])
    assert push(data, lambda p, v: -v.hosted(host(p, "Adorf")), carried=Carried(held), **total) == (0.0, [])


def test_model_budget_kommune() -> None:
    # as much as possible at Adorf: budget 8,200 € / 16,400 € deficit per VZÄ = 0.5 VZÄ (not 1.0)
    data = tiny(kommunen=kommunen(Adorf={"max_vzae": 1.0, "budget": 8200}))
    assert push(data, lambda p, v: v.hosted(host(p, "Adorf"))) == (0.5, [])


def test_model_budget_kreis() -> None:
    # as much as possible at the Kreis: budget 16,400 € / 16,400 € = 1.0 VZÄ (not 3.0)
    data = tiny(kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": 16400})
    assert push(data, lambda p, v: v.hosted(host(p, "Kreis Klein"))) == (1.0, [])


def test_model_reachability() -> None:
    # as little as possible for Bedorf: every Kommune gets at least 0.5 VZÄ
    assert push(tiny(), lambda p, v: -v.coverage(kommune(p, "Bedorf")), min_coverage_vzae=0.5) == (-0.5, [])


def test_model_quota_rule() -> None:
    # all 3.0 VZÄ used and as little as possible for Cedorf: its quota 1.5 is exact, so 1.5 (not 0);
    # (a plain solve has the quotas rounded up in the domains, which with N = 3.0 force it too)
    value, rules = push(
        tiny(), lambda p, v: 100 * v.used_total - v.coverage(kommune(p, "Cedorf")), switchable=True, quota_rule=True
    )
    assert (round(value, 6), rules) == (300 - 1.5, [])
