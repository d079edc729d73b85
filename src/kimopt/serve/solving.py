"""One state of the page solved: a checked plan, the ``explain`` answer, or the input problems.

Solving is cancellable between levels: ``stop`` is called before every objective level (and
before every rule the binding analysis tries) and raises :class:`Superseded` when a newer
change has arrived, so an older solve gives up at its next step instead of delaying the newer.
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
from kimopt.report.scenarios import apply_scenario
from kimopt.results import Status
from kimopt.serve.form import Form, field_of, length_errors, objective_findings, scenario_entry

Stop = Callable[[str], None]


class Superseded(Exception):
    """A newer change arrived; this solve's answer would be shown to nobody."""


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

    @property
    def scenario(self) -> ExplainScenario:
        return ExplainScenario(self.instance, self.model, self.wish)


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
                lines=["Kein Plan im Zeitlimit gefunden (time_limit_s im Modell erhöhen)."],
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
