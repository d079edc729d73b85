"""One state of the page solved: a checked plan, the ``explain`` answer, or the input problems.

Solving is cancellable between levels: ``stop`` is called before every objective level (and
before every rule the binding analysis tries) and raises :class:`Superseded` when a newer
change has arrived, so an older solve gives up at its next step instead of delaying the newer.

An instance of several years or Bausteine (DESIGN §5) is solved whole, every year in order
(:func:`kimopt.pipeline.plan_instance`); the page shows one year at a time (:class:`YearView`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kimopt.analysis.explain.core import ExplainTimeout, Wish
from kimopt.analysis.explain.core import Scenario as ExplainScenario
from kimopt.analysis.explain.wish import WishError, parse_wish
from kimopt.check import check_plan
from kimopt.data import Instance, PlanningModel
from kimopt.errors import Finding, finding_message
from kimopt.lexicographic import ModelTooLarge, solve_levels
from kimopt.plan import Plan
from kimopt.report.horizon import year_plan
from kimopt.report.scenarios import apply_scenario
from kimopt.results import Status
from kimopt.serve.form import Form, field_of, length_errors, objective_findings, scenario_entry

Stop = Callable[[str], None]
BUDGETS_LESS_FIXED = "Budgets hier: was nach den Eigenanteilen der Bausteine 1 und 3 bleibt."
NO_PLAN_IN_TIME = "Kein Plan im Zeitlimit gefunden (time_limit_s im Modell erhöhen)."
MULTI_YEAR_WISH = (
    "Wünsche gelten je Jahr – auf dieser Seite noch nicht; prüfen mit "
    '„kimopt explain INSTANZ --want "2023: Kommune=1"“.'
)


class Superseded(Exception):
    """A newer change arrived; this solve's answer would be shown to nobody."""


@dataclass(frozen=True)
class YearView:
    """One year of a plan as the page shows it: its plan (real budgets; for the price), the year
    shaped as a one-year plan (for the report's tables), and what its binding rules re-solve."""

    label: str
    plan: Plan
    plan_json: dict[str, Any]
    scenario: ExplainScenario
    analysed: Plan  # the year's plan on the problem the solver saw (budgets less Bausteine 1 and 3)
    fixed: bool = False  # the year has positions of Bausteine 1 or 3: its analyses see budgets less their share


@dataclass
class Outcome:
    """What the page shows for one state of the form.

    ``kind`` is ``plan`` (a checked plan), ``infeasible`` (``lines`` explain why), ``invalid``
    (``errors`` by field name, ``general`` for problems of no single field) or ``no_plan``.
    """

    kind: str
    instance: Instance
    model: PlanningModel
    wish: Wish | None = None
    plan: Plan | None = None
    plan_json: dict[str, Any] | None = None
    lines: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    seconds: float = 0.0
    years: list[YearView] = field(default_factory=list)  # several years: each of them, in order

    @property
    def scenario(self) -> ExplainScenario:
        return ExplainScenario(self.instance, self.model, self.wish)

    def view(self, index: int) -> YearView | None:
        """The year ``index`` of the plan (a one-year plan is its only year); ``None`` without a plan."""
        if self.plan is None or self.plan_json is None:
            return None
        if not self.years:
            return YearView("", self.plan, self.plan_json, self.scenario, self.plan)
        return self.years[min(max(index, 0), len(self.years) - 1)]


def _invalid(findings: list[Finding], instance: Instance, model: PlanningModel) -> Outcome:
    outcome = Outcome("invalid", instance, model)
    for finding in findings:
        text = finding_message(finding, "de")
        name = field_of(finding.loc, instance)
        if name is None:
            outcome.general.append(text)
        elif name not in outcome.errors:
            outcome.errors[name] = text
    return outcome


def inputs_of(form: Form, instance: Instance, model: PlanningModel) -> Outcome:
    """The form's instance, model and wish, validated like a scenario file and ``--want``.

    Returns an ``invalid`` outcome with every problem by field, or a ``plan`` outcome without
    a plan yet (the inputs to solve).
    """
    too_long = length_errors(form)
    if too_long:  # before any field is read: nothing unbounded is converted
        return Outcome("invalid", instance, model, errors=too_long)
    findings = objective_findings(form)
    entry = scenario_entry(form, instance, model, "Seite")
    if findings:
        return _invalid(findings, instance, model)
    if "model" in entry or "instance" in entry:
        scenario, findings = apply_scenario(entry, instance, model)
        if scenario is None:
            return _invalid(findings, instance, model)
        instance, model = scenario.instance, scenario.model
    wish = None
    if form["wish"] and instance.multi:
        outcome = Outcome("invalid", instance, model)
        outcome.errors["wish"] = MULTI_YEAR_WISH
        return outcome
    if form["wish"]:
        try:
            wish = parse_wish(form["wish"], instance, model)
        except WishError as exc:
            outcome = Outcome("invalid", instance, model)
            outcome.errors["wish"] = exc.text("de").removeprefix("--want").lstrip(": ")
            return outcome
    return Outcome("plan", instance, model, wish)


def solve(inputs: Outcome, stop: Stop, workers: int, model_name: str = "kim-standard") -> Outcome:
    """The lexicographically optimal, checked plan of valid inputs, or why there is none."""
    from kimopt.analysis.explain.answer import conflict_answer
    from kimopt.pipeline import PlanRejected

    if inputs.instance.multi:
        return solve_years(inputs, stop, workers, model_name)
    scenario = inputs.scenario
    model = inputs.model
    limit = float(model.time_limit_s)
    try:
        cm = scenario.build(switchable=False)
        result = solve_levels(cm, limit, min(model.workers or 1, workers), model.seed, progress=stop)
    except ModelTooLarge as exc:
        return Outcome("invalid", inputs.instance, model, general=[str(exc)])
    if result.units is None:
        if result.status is not Status.INFEASIBLE:
            return Outcome(
                "no_plan",
                inputs.instance,
                model,
                inputs.wish,
                lines=[NO_PLAN_IN_TIME],
            )
        stop("explain")
        try:
            answer = conflict_answer(scenario, "de", limit)
        except ExplainTimeout:
            answer = None
        if answer is None:  # every rule holds together: the lexicographic solve itself failed
            return Outcome(
                "no_plan",
                inputs.instance,
                model,
                inputs.wish,
                lines=[
                    "Ein Plan ist möglich (keine Regel widerspricht), aber die Optimierung hat ihn nicht "
                    "gefunden – ein Fehler in kimopt, bekannt für Wünsche, die die Abweichung vergrößern."
                ],
            )
        return Outcome("infeasible", inputs.instance, model, inputs.wish, lines=answer.lines)
    plan = Plan(cm.problem, result.units, result.status, result.levels, result.solver, model_name, result.target_units)
    data = plan.to_json()
    violations = check_plan(inputs.instance, model, data)
    if violations:
        raise PlanRejected(violations)
    return Outcome(
        "plan", inputs.instance, model, inputs.wish, plan, data, seconds=float(result.solver.get("seconds", 0.0))
    )


def solve_years(inputs: Outcome, stop: Stop, workers: int, model_name: str) -> Outcome:
    """Every year of a §5 instance in order (a change of one year may change the later ones), or why
    a year has no plan (the years before it are decided)."""
    from kimopt.analysis.explain.answer import conflict_answer
    from kimopt.pipeline import plan_instance

    model = inputs.model
    limit = float(model.time_limit_s)
    try:
        run = plan_instance(
            inputs.instance,
            model.model_copy(update={"workers": min(model.workers or 1, workers)}),
            model_name,
            progress=stop,
        )
    except ModelTooLarge as exc:
        return Outcome("invalid", inputs.instance, model, general=[str(exc)])
    if run.plan_json is None or run.horizon is None:
        failed = run.years[-1]
        if failed.status is not Status.INFEASIBLE:
            return Outcome("no_plan", inputs.instance, model, lines=[f"{failed.label}: {NO_PLAN_IN_TIME}"])
        stop("explain")
        year = failed.problem
        try:
            answer = conflict_answer(ExplainScenario(year.instance, model, carried=year.carried), "de", limit)
        except ExplainTimeout:
            answer = None
        head = f"{failed.label}: kein zulässiger Plan" + (", gegeben die Jahre davor." if len(run.years) > 1 else ".")
        if failed.horizon.fixed:
            head += f" {BUDGETS_LESS_FIXED}"
        return Outcome("infeasible", inputs.instance, model, lines=[head, *(answer.lines if answer else [])])
    views = [
        YearView(
            result.label,
            shown.plan,
            year_plan(run.plan_json, entry),
            ExplainScenario(result.problem.instance, model, carried=result.problem.carried),
            result.plan(model_name),
            bool(result.horizon.fixed),
        )
        for result, shown, entry in zip(run.years, run.horizon.years, run.plan_json["years"], strict=True)
    ]
    seconds = float(run.plan_json["solver"].get("seconds", 0.0))
    return Outcome("plan", inputs.instance, model, None, run.plan, run.plan_json, seconds=seconds, years=views)
