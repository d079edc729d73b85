"""A plain formulation of the same rules and levels, for CP-SAT and for a MILP solver (HiGHS).

"Plain" is what a first model would look like: every VZÄ variable in ``[0, P]``, every
on/off link a big-M with ``M = P``, and the generic proportionality form
``dev_i ≥ ±(c_i·W − N·w_i)`` with ``dev_i ∈ [0, P·W]`` (for the MILP the same with the float
coefficient ``w_i/W``, which keeps it numerically sane). No tight domains, no around-target
deviation, no hints between levels. The rules are those of :mod:`kimopt.cpsat.constraints`
(quota rule and indicator keys are not used by the benchmark instances and are left out).

The model is written once as plain rows (:class:`Lin`) and emitted to either backend.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

from kimopt.problem import Problem

Terms = list[tuple[float, int]]


@dataclass
class Lin:
    """Variables ``(lb, ub, integer)`` and rows ``lo ≤ Σ coef·x ≤ hi``."""

    bounds: list[tuple[int, int]] = field(default_factory=list)
    rows: list[tuple[Terms, float, float]] = field(default_factory=list)
    continuous: set[int] = field(default_factory=set)  # MILP only: no integrality needed

    def var(self, lb: int, ub: int, continuous: bool = False) -> int:
        self.bounds.append((lb, ub))
        if continuous:
            self.continuous.add(len(self.bounds) - 1)
        return len(self.bounds) - 1

    def add(self, terms: Terms, lo: float = -math.inf, hi: float = math.inf) -> None:
        self.rows.append((terms, lo, hi))


@dataclass
class Level:
    name: str
    terms: Terms
    maximize: bool
    factor: Fraction  # solver value × factor = value in the reported unit


def formulate(p: Problem, milp: bool) -> tuple[Lin, list[Level]]:
    """The rules as rows and the objective levels of the planning model."""
    lin = Lin()
    cap = p.positions
    big = cap  # the big-M of every on/off link
    g_num, g_den = p.g.numerator, p.g.denominator
    a = [lin.var(0, cap) for _ in p.links]
    used = [lin.var(0, 1) for _ in p.hosts]
    new = [lin.var(0, cap) for _ in p.hosts]
    hosted: list[Terms] = [[(1, a[li]) for li in p.links_of_host[h]] for h in range(len(p.hosts))]
    coverage: list[Terms] = [[(1, a[li]) for li in p.links_of_kommune[i]] for i in range(len(p.instance.kommunen))]
    # N as its own variable: written out inside every deviation row it would make O(n²) terms
    used_total = lin.var(0, cap)
    lin.add([(1, used_total), *((-1, x) for x in a)], lo=0, hi=0)
    total: Terms = [(1, used_total)]
    model = p.model
    step = p.units(model.host_step_vzae)
    lowest = max(1, -(-p.units_up(model.min_host_vzae) // step)) * step
    for h, host in enumerate(p.hosts):
        lin.add([*hosted[h], (-big, used[h])], hi=0)
        lin.add([*hosted[h], (-lowest, used[h])], lo=0)  # host_size: at least the minimum when used
        steps = lin.var(0, cap)
        lin.add([*hosted[h], (-step, steps)], lo=0, hi=0)
        if host.max_units is not None:
            lin.add(hosted[h], hi=host.max_units)  # host_size / provider_area
        lin.add([(1, new[h]), *((-c, x) for c, x in hosted[h])], lo=-host.existing_units)
        if model.keep_existing and host.existing_units:
            lin.add(hosted[h], lo=host.existing_units)
    lin.add(total, hi=cap)  # funding_cap
    share = model.kreis_min_share
    if share:
        lin.add(
            [
                *((share.denominator * c, x) for c, x in hosted[p.kreis]),
                *((-share.numerator * c, x) for c, x in total),
            ],
            lo=0,
        )
    link_used: dict[int, int] = {}
    own_new: dict[int, int] = {}
    min_share = p.units_up(model.share)
    for h, host in enumerate(p.hosts):
        if host.kind != "kommune":
            continue
        own = p.self_link(h)
        for li in p.links_of_host[h]:
            s = lin.var(0, 1)
            link_used[li] = s
            lin.add([(1, a[li]), (-big, s)], hi=0)
            lin.add([(1, a[li]), (-min_share, s)], lo=0)
            if not p.links[li].shared:
                own_new[h] = lin.var(0, cap)
                lin.add([(1, own_new[h]), (-1, a[li])], lo=-host.existing_units)
        partners = [li for li in p.links_of_host[h] if p.links[li].shared]
        if own is not None:
            for li in partners:
                lin.add([(1, link_used[li]), (-1, link_used[own])], hi=0)
        if len(partners) > model.max_sharing_partners:
            lin.add([(1, link_used[li]) for li in partners], hi=model.max_sharing_partners)

    def kommune_payment(i: int) -> Terms:
        terms: Terms = []
        for li in p.links_of_kommune[i]:
            link, host = p.links[li], p.hosts[p.links[li].host]
            if host.kind == "kommune" and host.deficit_per_vzae:
                terms.append((host.deficit_per_vzae * g_num, a[li] if link.shared else own_new[link.host]))
        return terms

    kreis_pay: Terms = [
        (host.deficit_per_vzae * g_num, new[h])
        for h, host in enumerate(p.hosts)
        if host.kind != "kommune" and host.kreis_pays and host.deficit_per_vzae
    ]
    if model.kreis_covers_kommunen:
        for i in range(len(p.instance.kommunen)):
            kreis_pay += kommune_payment(i)
    else:
        for i, kommune in enumerate(p.instance.kommunen):
            if kommune.budget is not None:
                lin.add(kommune_payment(i), hi=kommune.budget * g_den)
    if p.instance.kreis.budget is not None:
        lin.add(kreis_pay, hi=p.instance.kreis.budget * g_den)
    minimum = p.units_up(model.min_coverage_vzae)
    if minimum:
        for terms in coverage:
            lin.add(terms, lo=minimum)
    own_cost = list(kreis_pay)
    if not model.kreis_covers_kommunen:
        for i in range(len(p.instance.kommunen)):
            own_cost += kommune_payment(i)

    weight_sum = p.total_weight
    levels: list[Level] = []
    for objective in model.objectives:
        name = objective.name
        if name == "use_positions":
            levels.append(Level(name, total, True, p.g))
        elif name == "proportionality":
            devs = []
            for i, w in enumerate(p.weights):
                if milp:  # dev_i ≥ ±(c_i − N·w_i/W), in units
                    dev = lin.var(0, cap, continuous=True)
                    scaled = [*coverage[i], *((-w / weight_sum, x) for _, x in total)]
                else:  # dev_i ≥ ±(c_i·W − N·w_i)
                    dev = lin.var(0, cap * weight_sum)
                    scaled = [
                        *((weight_sum, x) for _, x in coverage[i]),
                        *((-w, x) for _, x in total),
                    ]
                lin.add([(1, dev), *((-c, x) for c, x in scaled)], lo=0)
                lin.add([(1, dev), *scaled], lo=0)
                devs.append((1, dev))
            if objective.measure == "max":
                worst = lin.var(0, cap if milp else cap * weight_sum, continuous=milp)
                for _, dev in devs:
                    lin.add([(1, worst), (-1, dev)], lo=0)
                devs = [(1, worst)]
            levels.append(Level(name, devs, False, p.g if milp else p.g / weight_sum))
        elif name == "partner_share":
            den, num = share.denominator, share.numerator
            z = lin.var(0, den * cap)
            lin.add(
                [(1, z), *((-den, x) for _, x in total), *((den, x) for _, x in hosted[p.kreis])],
                hi=0,
            )
            lin.add([(1, z), *((-(den - num), x) for _, x in total)], hi=0)
            levels.append(Level(name, [(1, z)], True, p.g / den))
        elif name == "own_cost":
            levels.append(Level(name, own_cost, False, Fraction(1, g_den)))
        elif name == "stability":
            changes: Terms = []
            for h, host in enumerate(p.hosts):
                change = lin.var(0, max(cap, host.existing_units))
                lin.add([(1, change), *((-c, x) for c, x in hosted[h])], lo=-host.existing_units)
                lin.add([(1, change), *hosted[h]], lo=host.existing_units)
                changes.append((1, change))
            levels.append(Level(name, changes, False, p.g))
        elif name == "fewer_hosts":
            shared = [(1, link_used[li]) for li in link_used if p.links[li].shared]
            levels.append(Level(name, [*((1, y) for y in used), *shared], False, Fraction(1)))
    return lin, levels


@dataclass
class LevelFigure:
    name: str
    value: float | None
    bound: float | None
    proven: bool
    seconds: float


def solve_cpsat(p: Problem, time_limit: float, workers: int) -> list[LevelFigure]:
    """The plain model with CP-SAT, level by level (each optimum fixed before the next)."""
    from ortools.sat.python import cp_model

    lin, levels = formulate(p, milp=False)
    m = cp_model.CpModel()
    xs = [m.new_int_var(lb, ub, f"x{i}") for i, (lb, ub) in enumerate(lin.bounds)]

    def expr(terms: Terms) -> cp_model.LinearExpr:
        return cp_model.LinearExpr.weighted_sum([xs[i] for _, i in terms], [int(c) for c, _ in terms])

    for terms, lo, hi in lin.rows:
        e = expr(terms)
        if lo == hi:
            m.add(e == int(lo))
        else:
            if lo > -math.inf:
                m.add(e >= math.ceil(lo))
            if hi < math.inf:
                m.add(e <= math.floor(hi))
    deadline = time.perf_counter() + time_limit
    out = []
    for level in levels:
        e = expr(level.terms)
        m.maximize(e) if level.maximize else m.minimize(e)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = workers
        solver.parameters.max_time_in_seconds = max(0.01, deadline - time.perf_counter())
        t0 = time.perf_counter()
        code = solver.solve(m)
        seconds = time.perf_counter() - t0
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            out.append(LevelFigure(level.name, None, None, False, seconds))
            break
        value = int(solver.objective_value)
        proven = code == cp_model.OPTIMAL
        out.append(
            LevelFigure(
                level.name,
                float(value * level.factor),
                float(solver.best_objective_bound) * float(level.factor),
                proven,
                seconds,
            )
        )
        if not proven:
            break
        m.add(e >= value) if level.maximize else m.add(e <= value)
    return out


def solve_milp(p: Problem, time_limit: float) -> list[LevelFigure]:
    """The plain model with HiGHS through OR-Tools' linear solver wrapper, level by level."""
    from ortools.linear_solver import pywraplp

    lin, levels = formulate(p, milp=True)
    solver = pywraplp.Solver.CreateSolver("HIGHS")
    xs = [
        (solver.NumVar if i in lin.continuous else solver.IntVar)(lb, ub, f"x{i}")
        for i, (lb, ub) in enumerate(lin.bounds)
    ]
    infinity = solver.infinity()
    for terms, lo, hi in lin.rows:
        row = solver.RowConstraint(lo if lo > -math.inf else -infinity, hi if hi < math.inf else infinity)
        for c, i in terms:
            row.SetCoefficient(xs[i], row.GetCoefficient(xs[i]) + c)
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, 0.0)
    deadline = time.perf_counter() + time_limit
    out = []
    for level in levels:
        objective = solver.Objective()
        objective.Clear()
        for c, i in level.terms:
            objective.SetCoefficient(xs[i], objective.GetCoefficient(xs[i]) + c)
        objective.SetMaximization() if level.maximize else objective.SetMinimization()
        solver.SetTimeLimit(int(max(0.01, deadline - time.perf_counter()) * 1000))
        t0 = time.perf_counter()
        code = solver.Solve(params)
        seconds = time.perf_counter() - t0
        if code not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            out.append(LevelFigure(level.name, None, None, False, seconds))
            break
        value = objective.Value()
        proven = code == pywraplp.Solver.OPTIMAL
        out.append(
            LevelFigure(
                level.name,
                value * float(level.factor),
                objective.BestBound() * float(level.factor),
                proven,
                seconds,
            )
        )
        if not proven:
            break
        slack = 1e-6 * max(1.0, abs(value))
        row = (
            solver.RowConstraint(value - slack, infinity)
            if level.maximize
            else solver.RowConstraint(-infinity, value + slack)
        )
        for c, i in level.terms:
            row.SetCoefficient(xs[i], row.GetCoefficient(xs[i]) + c)
    return out
