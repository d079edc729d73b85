"""The rule families of DESIGN §2: one entry each, and every place a rule lives hangs off it.

An entry (:class:`Rule`) holds what is *about* the rule — its name, the German and English
label, which subjects it has, the number a planner can change to repair it — and collects the
rule's functions from the modules that need them, each registered with a decorator next to
its code::

    @FUNDING_CAP.model      # kimopt.cpsat.constraints: the CP-SAT constraints
    @FUNDING_CAP.check      # kimopt.check: the independent checker
    @FUNDING_CAP.describe   # kimopt.analysis.explain.texts: the rule with its numbers, in words
    @FUNDING_CAP.repair     # kimopt.analysis.explain.repair: the least change of its number

Every module iterates :data:`RULES` (in this order: cheap global rules first; explanations keep
the later families in a conflict where there is a choice), never a list of names of its own.
Adding a rule family means one entry here, its functions in those modules, and their tests;
``tests/test_architecture.py`` checks that every entry has every function.

This module imports nothing of the solver, so labels and reports can use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:  # the hooks' argument types; this module imports none of them when run
    from ortools.sat.python import cp_model

    from kimopt.analysis.explain.core import Scenario
    from kimopt.check import _Checker
    from kimopt.check_horizon import Year, _Horizon
    from kimopt.cpsat.switches import Switches
    from kimopt.cpsat.variables import Variables
    from kimopt.data import PlanningModel
    from kimopt.horizon import HorizonYear
    from kimopt.problem import Problem

Scope = Literal["global", "host", "kommune"]
"""What one instance of the rule is about: the whole plan, one host, or one Kommune."""

HOOKS = ("model", "check", "describe", "repair")
"""The functions every rule family has (``repair`` only when it has a number)."""

ModelHook = Callable[["cp_model.CpModel", "Problem", "Variables", "Switches"], None]
"""The CP-SAT constraints of a rule family (:mod:`kimopt.cpsat.constraints`)."""
CheckHook = Callable[["_Checker"], None]
"""The checker's test of a rule family, adding a violation per breach (:mod:`kimopt.check`)."""
DescribeHook = Callable[["Scenario", str, str], str]
"""``(scenario, subject, lang)``: the rule with its numbers (:mod:`kimopt.analysis.explain.texts`)."""
RepairHook = Callable[["Scenario", tuple[str, str], float], "Fraction | None"]
"""``(scenario, rule_id, time_limit)``: the least change of the rule's number (explain's repairs)."""
YearCheckHook = Callable[["_Horizon", "Year"], None]
"""A rule of Bausteine 1 and 3, checked in one year of a plan (:mod:`kimopt.check_horizon`)."""
YearDescribeHook = Callable[["HorizonYear", "PlanningModel", str, str], str]
"""``(year, settings, subject, lang)``: a rule of Bausteine 1 and 3 with that year's positions."""


@dataclass(frozen=True)
class Number:
    """The number in a rule that a planner can change so the rule gives way (explain's repairs).

    ``label_*`` may name the subject (``{subject}``); ``per_subject`` is false for one number of
    the whole plan (the funding cap), true for one per Kommune, host or payer.
    """

    name: str
    label_de: str
    label_en: str
    unit: Literal["VZÄ", "EUR", "share"]
    per_subject: bool

    def label(self, lang: str, subject: str = "") -> str:
        """The label for people, with the subject filled in."""
        return (self.label_de if lang == "de" else self.label_en).format(subject=subject)


@dataclass(eq=False)
class Rule:
    """One rule family: its name (as in DESIGN §2, the checker and the explanations) and labels."""

    name: str
    label_de: str
    label_en: str
    scope: Scope
    number: Number | None = None
    """The number a planner can change so the rule gives way (``None``: only the rule itself)."""
    grouped: bool = False
    """Explanations list its instances in one line over the Kommunen (``reachability``)."""
    subject_first: bool = False
    """Its label names the subject right after the label (``Budget Voerde (budget_kommune)``)."""
    horizon: bool = False
    """A rule of DESIGN §5 that joins years or Bausteine (see :data:`HORIZON_RULES`)."""
    hooks: dict[str, Callable[..., Any]] = field(default_factory=dict, repr=False)

    def label(self, lang: str) -> str:
        """The German or English label."""
        return self.label_de if lang == "de" else self.label_en

    def _register(self, hook: str, function: Callable[..., Any]) -> None:
        if hook in self.hooks:
            raise ValueError(f"rule {self.name}: {hook} registered twice")
        self.hooks[hook] = function

    def hook(self, name: str) -> Callable[..., Any]:
        """A registered function (the module that defines it must have been imported)."""
        try:
            return self.hooks[name]
        except KeyError:
            raise LookupError(f"rule {self.name} has no {name} function registered") from None

    # ---- registering, each with the signature mypy checks -----------------------------------

    def model(self, function: ModelHook) -> ModelHook:
        """Decorator: the CP-SAT constraints ``(model, problem, variables, switches) -> None``."""
        self._register("model", function)
        return function

    def check(self, function: CheckHook) -> CheckHook:
        """Decorator: the checker's test ``(checker) -> None``, adding a violation per breach."""
        self._register("check", function)
        return function

    def describe(self, function: DescribeHook) -> DescribeHook:
        """Decorator: ``(scenario, subject, lang) -> str``, the rule with its numbers."""
        self._register("describe", function)
        return function

    def repair(self, function: RepairHook) -> RepairHook:
        """Decorator: ``(scenario, rule_id, time_limit) -> value | None``, the least change."""
        self._register("repair", function)
        return function

    def check_year(self, function: YearCheckHook) -> YearCheckHook:
        """Decorator (Bausteine 1 and 3): ``(horizon_checker, year) -> None``."""
        self._register("check_year", function)
        return function

    def describe_year(self, function: YearDescribeHook) -> YearDescribeHook:
        """Decorator (Bausteine 1 and 3): ``(year, settings, subject, lang) -> str``."""
        self._register("describe_year", function)
        return function

    # ---- calling ------------------------------------------------------------------------------

    def add_constraints(
        self, model: cp_model.CpModel, problem: Problem, variables: Variables, switches: Switches
    ) -> None:
        """Add the rule family's constraints to a CP-SAT model."""
        cast(ModelHook, self.hook("model"))(model, problem, variables, switches)

    def check_plan(self, checker: _Checker) -> None:
        """Let the checker test the rule family."""
        cast(CheckHook, self.hook("check"))(checker)

    def text(self, scenario: Scenario, subject: str, lang: str) -> str:
        """The rule instance with its numbers, in words."""
        return cast(DescribeHook, self.hook("describe"))(scenario, subject, lang)

    def least_change(self, scenario: Scenario, rule_id: tuple[str, str], time_limit: float) -> Fraction | None:
        """The least change of the rule's number that lets it give way (``None``: none helps)."""
        return cast(RepairHook, self.hook("repair"))(scenario, rule_id, time_limit)

    def check_in_year(self, horizon: _Horizon, year: Year) -> None:
        """Let the horizon checker test a rule of Bausteine 1 and 3 in one year."""
        cast(YearCheckHook, self.hook("check_year"))(horizon, year)

    def year_text(self, year: HorizonYear, settings: PlanningModel, subject: str, lang: str) -> str:
        """A rule of Bausteine 1 and 3 with that year's positions, in words."""
        return cast(YearDescribeHook, self.hook("describe_year"))(year, settings, subject, lang)

    def required_hooks(self) -> tuple[str, ...]:
        """The functions this rule must have."""
        if self.horizon:
            return HORIZON_HOOKS
        return HOOKS if self.number is not None else tuple(h for h in HOOKS if h != "repair")


FUNDING_CAP = Rule(
    "funding_cap",
    "Förderobergrenze",
    "Funding cap",
    "global",
    number=Number("positions_vzae", "Förderobergrenze", "Funding cap", "VZÄ", False),
)
KREIS_SHARE = Rule(
    "kreis_share",
    "Kreisanteil",
    "Kreis share",
    "global",
    number=Number("kreis_min_share", "Mindestanteil Kreis", "Kreis minimum share", "share", False),
)
HOST_SIZE = Rule(
    "host_size",
    "Stellengröße",
    "Host size",
    "host",  # only a Kommune host has a maximum
    number=Number("kommune_max_vzae", "Interesse {subject} (max. VZÄ)", "Interest {subject} (max. VZÄ)", "VZÄ", True),
)
SHARING = Rule("sharing", "Teilen", "Sharing", "host")
PROVIDER_AREA = Rule(
    "provider_area",
    "Trägergebiet",
    "Provider area",
    "host",
    number=Number("traeger_max_vzae", "Kapazität {subject} (max. VZÄ)", "Capacity {subject} (max. VZÄ)", "VZÄ", True),
)
EXISTING = Rule(
    "existing",
    "Bestand",
    "Existing positions",
    "host",
    number=Number("existing_vzae", "Bestand {subject}", "Existing positions {subject}", "VZÄ", True),
)
BUDGET_KOMMUNE = Rule(
    "budget_kommune",
    "Budget",
    "Budget",
    "kommune",
    subject_first=True,
    number=Number("kommune_budget", "Budget {subject}", "Budget {subject}", "EUR", True),
)
BUDGET_KREIS = Rule(
    "budget_kreis",
    "Budget",
    "Budget",
    "global",
    subject_first=True,
    number=Number("kreis_budget", "Budget Kreis", "Kreis budget", "EUR", False),
)
REACHABILITY = Rule(
    "reachability",
    "Erreichbarkeit",
    "Reachability",
    "kommune",
    grouped=True,
    number=Number("min_coverage_vzae", "Mindestversorgung je Kommune", "Minimum coverage per Kommune", "VZÄ", False),
)
QUOTA_RULE = Rule("quota_rule", "Quotenregel", "Quota rule", "kommune", grouped=True)
CONTINUITY = Rule("continuity", "Kontinuität", "Continuity", "host")
"""A later year of a horizon: every host keeps what it held the year before (DESIGN §5)."""

RULES: tuple[Rule, ...] = (
    FUNDING_CAP,
    KREIS_SHARE,
    HOST_SIZE,
    SHARING,
    PROVIDER_AREA,
    EXISTING,
    CONTINUITY,
    BUDGET_KOMMUNE,
    BUDGET_KREIS,
    REACHABILITY,
    QUOTA_RULE,
)
"""Every rule family, in the order they are added, checked and explained."""

COORDINATION = Rule("coordination", "Koordination (Baustein 1)", "Coordination (Baustein 1)", "global", horizon=True)
AUTHORITIES = Rule("authorities", "Ausländerbehörden (Baustein 3)", "Authorities (Baustein 3)", "global", horizon=True)

HORIZON_RULES: tuple[Rule, ...] = (COORDINATION, AUTHORITIES)
"""The rule families of DESIGN §5 about Bausteine 1 and 3; a plan without them has none.

They decide nothing (the positions are fixed; their Eigenanteil enters the model through the
budgets). Their hooks take the horizon rather than one year: ``check``
``(horizon_checker, year) -> None`` (:mod:`kimopt.check_horizon`), ``describe``
``(year, settings, subject, lang) -> str`` (:mod:`kimopt.analysis.explain.horizon`).
``continuity``, which joins the years, is a rule of each later year (:data:`RULES`).
"""

HORIZON_HOOKS = ("check_year", "describe_year")
"""The functions of a rule of Bausteine 1 and 3 (their own names: their signatures differ)."""

BY_NAME: dict[str, Rule] = {rule.name: rule for rule in (*RULES, *HORIZON_RULES)}


def rule(name: str) -> Rule:
    """The rule family of that name (:class:`KeyError` for an unknown one)."""
    return BY_NAME[name]


NUMBERS: dict[str, Number] = {rule.number.name: rule.number for rule in RULES if rule.number is not None}
"""Every repairable number by name (one rule each)."""


def position(name: str) -> int:
    """A family's place in :data:`RULES` (unknown names last), for a canonical order."""
    return next((n for n, entry in enumerate(RULES) if entry.name == name), len(RULES))
