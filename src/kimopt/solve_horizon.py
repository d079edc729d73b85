"""The years of a horizon, decided in order (DESIGN §5): one year at a time, each given the ones before.

Year 1 is optimised as if it were alone, by the one lexicographic loop of kimopt
(:func:`kimopt.lexicographic.solve_problem`: its largest-remainder shortcut, its blocks, its
deterministic tie-break). Each later year is the same one-year problem with what the year
before left it (:class:`kimopt.problem.Carried`): under ``keep_existing`` every host keeps what
it held. Where that leaves the year without a plan (its funding falls, a budget is too small),
the year's first level is ``continuity``, the least total cut in whole host steps
(:func:`kimopt.cpsat.horizon.least_cuts`), and the year is solved again with that allowance.
So a later year never takes from an earlier one, and a one-year instance is simply a horizon of
one year: the same path, the same plan as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from kimopt.cpsat.horizon import least_cuts, year_problem
from kimopt.data import Instance, PlanningModel
from kimopt.horizon import HorizonYear, expand
from kimopt.lexicographic import _solver_info, solve_problem
from kimopt.plan import Plan
from kimopt.problem import Carried, HostKey, Problem
from kimopt.results import LevelResult, SolveResult, Status


@dataclass(frozen=True)
class HeldBack:
    """``lookahead``: VZÄ a host of an earlier year holds less than the years decided in order
    would, so that a later year (``for_year``, the first the in-order plan cuts) needs no cut."""

    host_type: str
    host: str
    vzae: Fraction
    for_year: int | None


@dataclass
class YearResult:
    """One year: its problem (with what the year before left), what the solver found, the cut level."""

    horizon: HorizonYear
    problem: Problem
    result: SolveResult
    cut: LevelResult | None = None  # the ``continuity`` level, in a year that had to cut
    held_back: list[HeldBack] = field(default_factory=list)  # ``lookahead``: given way for a later year

    @property
    def label(self) -> str:
        return self.horizon.label

    @property
    def status(self) -> Status:
        return self.result.status

    @property
    def units(self) -> list[int] | None:
        return self.result.units

    def plan(self, model_name: str = "kim-standard") -> Plan:
        """The year's plan on the problem the solver saw (budgets less Bausteine 1 and 3): what the
        analyses that re-solve the year (binding rules, alternatives, sensitivity) start from."""
        assert self.units is not None
        result = self.result
        return Plan(
            self.problem, self.units, result.status, result.levels, result.solver, model_name, result.target_units
        )


@dataclass
class HorizonResult:
    """What the solver found, year by year; it stops after the first year without a plan."""

    status: Status
    years: list[YearResult]
    horizon: list[HorizonYear]  # every year of the instance, also those not reached
    solver: dict[str, Any] = field(default_factory=dict)

    @property
    def failed_year(self) -> str | None:
        """The first year without a plan, if any."""
        if len(self.years) < len(self.horizon):
            return self.horizon[len(self.years)].label
        return next((y.label for y in self.years if y.units is None), None)


def held(problem: Problem, units: list[int]) -> dict[HostKey, Fraction]:
    """The VZÄ of every host of a year's plan, by (kind, name): what the next year carries."""
    out: dict[HostKey, Fraction] = {}
    for h, host in enumerate(problem.hosts):
        out[(host.kind, host.name)] = problem.vzae(sum(units[li] for li in problem.links_of_host[h]))
    return out


def solve_horizon(
    instance: Instance,
    settings: PlanningModel,
    time_limit: float | None = None,
    progress: Callable[[str], None] | None = None,
    fixed: Mapping[int, dict[int, int]] | None = None,
) -> HorizonResult:
    """Every year in order, each by the one-year lexicographic loop given the years before.

    ``fixed``: per year (its index) the links the planner fixed (link index → units of that
    year's problem). The time limit holds for all years together.
    """
    years = expand(instance)
    if settings.lookahead and len(years) > 1:
        return solve_lookahead(instance, settings, time_limit, progress, fixed)
    started, deadline = _clock(settings, time_limit)
    workers, seed = settings.workers or 1, settings.seed
    several = len(years) > 1
    results: list[YearResult] = []
    status = Status.OPTIMAL
    carried: Carried | None = None
    for n, year in enumerate(years):
        report = _labelled(progress, year.label) if several else progress
        rows = (fixed or {}).get(n)
        problem, result, cut = decide_year(year_problem(year, settings, carried), deadline, report, rows)
        results.append(YearResult(year, problem, result, cut))
        if not result.status.has_plan:
            status = result.status
            break
        if result.status is Status.FEASIBLE:
            status = Status.FEASIBLE
        assert result.units is not None
        carried = Carried(held(problem, result.units))
    info = _solver_info(started, workers, seed)
    if not several and results:
        info = {**results[0].result.solver, "seconds": info["seconds"]}
    return HorizonResult(status, results, years, info)


def decide_year(
    problem: Problem,
    deadline: float,
    progress: Callable[[str], None] | None = None,
    rows: dict[int, int] | None = None,
) -> tuple[Problem, SolveResult, LevelResult | None]:
    """One year given what the year before held (``problem.carried``, no cut allowed yet): the
    one-year solve; where that has no plan under ``keep_existing``, the least cut
    (:func:`kimopt.cpsat.horizon.least_cuts`) and the solve with it. Returns the problem solved
    (with the cut allowed), the result and the ``continuity`` level (``None``: no cut needed)."""
    settings, carried = problem.model, problem.carried
    result = solve_problem(problem, _left(deadline), progress, rows)
    cut: LevelResult | None = None
    if (
        result.status is Status.INFEASIBLE
        and carried is not None
        and settings.keep_existing
        and settings.continuity != "none"
    ):
        if progress:
            progress("continuity")
        cut_status, cut = least_cuts(problem, deadline, settings.workers or 1, settings.seed, rows)
        if cut is not None and cut.value is not None:
            problem = replace(problem, carried=Carried(carried.held, cut.value))
            result = solve_problem(problem, _left(deadline), progress, rows)
            if cut_status is not Status.OPTIMAL and result.status is Status.OPTIMAL:
                result.status = Status.FEASIBLE  # the cut is not proven least
        else:
            result.status = cut_status
    return problem, result, cut


def _clock(settings: PlanningModel, time_limit: float | None) -> tuple[float, float]:
    """Now and the deadline: the time limit (else the model's) holds for all years together."""
    started = time.perf_counter()
    return started, started + (float(settings.time_limit_s) if time_limit is None else time_limit)


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.perf_counter())


def _labelled(progress: Callable[[str], None] | None, label: str) -> Callable[[str], None] | None:
    if progress is None:
        return None
    report = progress
    return lambda name: report(f"{label}: {name}")


NO_LOOKAHEAD = "years in order, each given the years before (lookahead: no plan of all years without a cut)"
"""``solver.method`` of a ``lookahead`` plan whose years could not all be kept without a cut."""


def solve_lookahead(
    instance: Instance,
    settings: PlanningModel,
    time_limit: float | None = None,
    progress: Callable[[str], None] | None = None,
    fixed: Mapping[int, dict[int, int]] | None = None,
) -> HorizonResult:
    """``lookahead: true``: all years in one model (:func:`kimopt.cpsat.lookahead.solve_together`),
    earlier years giving way so that no later year cuts; then the years decided in order, to say
    per earlier year and host what it held back and for which later year (:func:`held_back`).

    Each year's problem is the one-year problem given the year before's plan (nothing to cut), as
    in order, so that the analyses of a year and the checker see it the same way. Where no plan
    of all years keeps every position, the years are decided in order (with their cuts) and the
    plan's ``solver.method`` says so (:data:`NO_LOOKAHEAD`).
    """
    from kimopt.cpsat.lookahead import solve_together

    started, deadline = _clock(settings, time_limit)
    workers, seed = settings.workers or 1, settings.seed
    years = expand(instance)
    alone = [year_problem(year, settings) for year in years]
    together = solve_together(alone, deadline, workers, seed, [_labelled(progress, y.label) for y in years], fixed)
    in_order_settings = settings.model_copy(update={"lookahead": False})
    if together.status is Status.INFEASIBLE:  # no plan of all years without a cut: decided in order
        fallback = solve_horizon(instance, in_order_settings, _left(deadline), progress, fixed)
        fallback.solver["method"] = NO_LOOKAHEAD
        return fallback
    results: list[YearResult] = []
    carried: Carried | None = None
    for n, year in enumerate(years):
        problem = year_problem(year, settings, carried)
        units = None if together.units is None else together.units[n]
        if units is not None:
            # a Kommune that wants no positions any more but held some stays a host of 0 VZÄ,
            # listed last (kimopt.problem): its links carry nothing, its positions are cut
            units = units + [0] * (len(problem.links) - len(units))
        info = {**_solver_info(started, workers, seed), **({"tie_break": together.tie[n]} if together.tie else {})}
        found = SolveResult(together.status, units, together.levels[n], info, together.used[n])
        results.append(YearResult(year, problem, found))
        if units is None:
            break
        carried = Carried(held(problem, units))
    outcome = HorizonResult(together.status, results, years, _solver_info(started, workers, seed))
    if together.units is not None and together.status.has_plan:
        in_order = solve_horizon(instance, in_order_settings, _left(deadline), None, fixed)
        held_back(outcome, in_order)
    return outcome


def held_back(lookahead: HorizonResult, in_order: HorizonResult) -> None:
    """Per earlier year and host the VZÄ the lookahead plan holds less than the in-order plan,
    for the first later year the in-order plan cuts (none when it cuts in no later year)."""
    cutting = [n for n, year in enumerate(in_order.years) if year.cut is not None]
    for n, (ahead, alone) in enumerate(zip(lookahead.years, in_order.years, strict=False)):
        later = next((m for m in cutting if m > n), None)
        if later is None or ahead.units is None or alone.units is None:
            continue
        mine = held(ahead.problem, ahead.units)
        theirs = held(alone.problem, alone.units)
        ahead.held_back = [
            HeldBack(kind, name, vzae - mine.get((kind, name), Fraction(0)), in_order.horizon[later].year)
            for (kind, name), vzae in sorted(theirs.items())
            if vzae > mine.get((kind, name), Fraction(0))
        ]
