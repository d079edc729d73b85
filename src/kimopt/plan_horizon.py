"""The plan of several years and Bausteine (DESIGN §5), solver-free and recomputed exactly.

Each year is a one-year :class:`~kimopt.plan.Plan` of its Baustein 2 links (its figures are
those of §3) plus the fixed Baustein 1 and 3 positions, the continuity cuts and the Eigenanteil
per payer over all Bausteine. The top level keeps the one-year contract for the first year and
adds ``years`` and ``summary.eigenanteil_eur_by_year``; a one-year instance without Bausteine 1
and 3 is a horizon of one year whose file is the one-year plan of §3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING, Any

from kimopt.cut_text import cut_text
from kimopt.data import Instance, PlanningModel
from kimopt.horizon import FixedPosition, HorizonYear
from kimopt.numbers import decimal_vzae, round_euros, round_parts
from kimopt.plan import Plan, input_sha256
from kimopt.plan_file import Cut, PlanFile
from kimopt.problem import compile_problem
from kimopt.results import Status
from kimopt.solve_horizon import HeldBack, HorizonResult, YearResult

if TYPE_CHECKING:
    import pandas as pd

    from kimopt.analysis.explain.cuts import CutReasons


def _position_json(position: FixedPosition, instance: Instance, model: PlanningModel) -> dict[str, Any]:
    return {
        "role": position.role,
        "host": position.host,
        "host_type": position.host_type,
        "vzae": decimal_vzae(position.vzae),
        "cost_per_vzae": position.cost_per_vzae,
        "rate_per_vzae": position.rate_per_vzae,
        "funding_eur": round_euros(position.funding),
        "eigenanteil_eur": round_euros(position.eigenanteil),
        "payer": position.payer(instance, model),
    }


METHODS = {False: "years in order, each given the years before", True: "all years together (lookahead)"}
"""``solver.method`` of a multi-year plan, by the model's ``lookahead``; the continuity mode follows."""

TOTAL_CUT = "alle Arbeitgeber"
"""The host named by the one cut of a year under ``continuity: total``: the positions in number."""


@dataclass
class YearPlan:
    """One year of a horizon plan."""

    horizon: HorizonYear
    plan: Plan  # Baustein 2 of this year, with the real (not reduced) budgets
    previous: YearPlan | None = None
    held_back: list[HeldBack] | None = None  # ``lookahead``: what this year gives way for a later one
    reasons: CutReasons | None = None  # why the year cuts and what would avoid it (a year with cuts)

    @property
    def year(self) -> int | None:
        return self.horizon.year

    @cached_property
    def cuts(self) -> list[tuple[str, str, Fraction, Fraction]]:
        """(host type, host, VZÄ the year before, VZÄ now) of every host below the year before;
        with ``continuity: total`` one entry (``total``, :data:`TOTAL_CUT`) when the positions fall
        in number (a host below the year before then moved positions, it did not cut them)."""
        if self.previous is None or not self.model.keep_existing or self.model.continuity == "none":
            return []
        before = {
            (h.kind, h.name): self.previous.plan.hosted[i] for i, h in enumerate(self.previous.plan.problem.hosts)
        }
        if self.model.continuity == "total":
            # a member that left took its positions with it (no cut): only this year's hosts count
            here = {(h.kind, h.name) for h in self.plan.problem.hosts}
            held = sum((v for key, v in before.items() if key in here), Fraction(0))
            now = self.plan.used
            return [("total", TOTAL_CUT, held, now)] if now < held else []
        out: list[tuple[str, str, Fraction, Fraction]] = []
        for h, host in enumerate(self.plan.problem.hosts):
            held = before.get((host.kind, host.name), Fraction(0))
            if self.plan.hosted[h] < held:
                out.append((host.kind, host.name, held, self.plan.hosted[h]))
        return out

    @cached_property
    def members(self) -> tuple[list[tuple[str, str]], list[tuple[str, str, Fraction]]]:
        """(joined, left): the Kommunen and Träger (type, name) that take part from this year on,
        and those that stopped, each with the VZÄ it held the year before (gone with it)."""
        if self.previous is None:
            return [], []
        before, now = _members(self.previous.horizon.instance), _members(self.horizon.instance)
        held: dict[tuple[str, str], Fraction] = {
            (h.kind, h.name): self.previous.plan.hosted[i] for i, h in enumerate(self.previous.plan.problem.hosts)
        }
        joined = [m for m in now if m not in before]
        left = [(kind, name, held.get((kind, name), Fraction(0))) for kind, name in before if (kind, name) not in now]
        return joined, left

    @property
    def model(self) -> PlanningModel:
        return self.plan.problem.model

    @property
    def unused_vzae(self) -> Fraction:
        """Fundable VZÄ of the year the plan leaves unused (a cut in whole host steps may leave some)."""
        return max(Fraction(0), self.horizon.instance.funding.positions_vzae - self.plan.used)

    def cuts_json(self) -> list[dict[str, Any]]:
        """``years[].cuts``: each cut with the rules that force it, their numbers and the sentence."""
        reasons = [r.to_json() for r in self.reasons.reasons] if self.reasons else []
        out = []
        for kind, name, before, now in self.cuts:
            cut: dict[str, Any] = {
                "host": name,
                "host_type": kind,
                "from_vzae": decimal_vzae(before),
                "to_vzae": decimal_vzae(now),
                "vzae": decimal_vzae(before - now),
                "reasons": reasons,
                "reasons_joint": bool(self.reasons and self.reasons.joint),
            }
            cut["text"] = cut_text(self.horizon.label, Cut.model_validate(cut), decimal_vzae(self.unused_vzae))
            out.append(cut)
        return out

    @cached_property
    def payers(self) -> list[dict[str, Any]]:
        """Eigenanteil per payer and Baustein; the budget holds for their sum. ``bestand``: the own
        cost of the payer's existing positions (whole euros), outside the Eigenanteil and the budget."""
        inst = self.horizon.instance
        rows: dict[str, dict[str, Any]] = {}
        for p, exact, bestand in zip(self.plan.payments, self.plan.bestand, self.plan.shown_bestand, strict=True):
            rows[p.payer] = {
                "payer": p.payer,
                "payer_type": p.payer_type,
                "b1": Fraction(0),
                "b2": p.eur,
                "b3": Fraction(0),
                "budget_eur": p.budget,
                "bestand": bestand if exact else None,
            }
        for position in self.horizon.fixed:
            for payer, amount in position.payments(inst, self.model).items():
                rows[payer]["b1" if position.baustein == 1 else "b3"] += amount
        return [r for r in rows.values() if r["b1"] or r["b2"] or r["b3"] or r["bestand"] or r["payer_type"] == "kreis"]

    @cached_property
    def shown(self) -> dict[str, dict[str, int]]:
        """Whole euros per payer and Baustein that add up everywhere they are shown.

        Baustein 2 is the year's finance table (:attr:`Plan.shown_payments`); Baustein 1 and 3
        together get the euros still missing to the group's rounded exact total (Kreis and
        Kommunen; Träger), by largest remainders (:func:`round_parts`), and each payer's share
        of that is split between Baustein 1 and 3 the same way. So the parts of a payer add up
        to its Eigenanteil, and the payers add up to the year's totals.
        """
        b2 = dict(zip((p.payer for p in self.plan.payments), self.plan.shown_payments, strict=True))
        out: dict[str, dict[str, int]] = {}
        for public in (True, False):
            group = [r for r in self.payers if (r["payer_type"] != "traeger") == public]
            exact = sum((r["b1"] + r["b2"] + r["b3"] for r in group), Fraction(0))
            missing = round_euros(exact) - sum(b2[r["payer"]] for r in group)
            others = round_parts([r["b1"] + r["b3"] for r in group], missing)
            for r, euros in zip(group, others, strict=True):
                one, three = round_parts([r["b1"], r["b3"]], euros)
                two = b2[r["payer"]]
                out[r["payer"]] = {"b1": one, "b2": two, "b3": three, "eur": one + two + three}
        return out

    def eigenanteil_json(self) -> list[dict[str, Any]]:
        return [
            {
                "payer": r["payer"],
                "payer_type": r["payer_type"],
                "baustein_1_eur": self.shown[r["payer"]]["b1"],
                "baustein_2_eur": self.shown[r["payer"]]["b2"],
                "baustein_3_eur": self.shown[r["payer"]]["b3"],
                "eur": self.shown[r["payer"]]["eur"],
                "budget_eur": r["budget_eur"],
                **({"bestand_eur": r["bestand"]} if r["bestand"] is not None else {}),
            }
            for r in self.payers
        ]

    def by_year_json(self) -> dict[str, Any]:
        """``summary.eigenanteil_eur_by_year`` entry: Kreis, Kommunen, Träger, total, and by payer."""

        def total(kind: str) -> int:
            return sum(self.shown[r["payer"]]["eur"] for r in self.payers if r["payer_type"] == kind)

        return {
            "kreis": total("kreis"),
            "kommunen": total("kommune"),
            "traeger": total("traeger"),
            "total": total("kreis") + total("kommune"),
            "by_payer": {r["payer"]: self.shown[r["payer"]]["eur"] for r in self.payers},
        }

    def vzae_by_baustein(self) -> list[dict[str, Any]]:
        """Every employer with VZÄ in this year, per Baustein."""
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        problem = self.plan.problem
        for h, host in enumerate(problem.hosts):
            if self.plan.hosted[h]:
                rows[(host.kind, host.name)] = {
                    "employer": host.name,
                    "host_type": host.kind,
                    "b1": Fraction(0),
                    "b2": self.plan.hosted[h],
                    "b3": Fraction(0),
                }
        for position in self.horizon.fixed:
            row = rows.setdefault(
                (position.host_type, position.host),
                {
                    "employer": position.host,
                    "host_type": position.host_type,
                    "b1": Fraction(0),
                    "b2": Fraction(0),
                    "b3": Fraction(0),
                },
            )
            row["b1" if position.baustein == 1 else "b3"] += position.vzae
        order = {"kreis": 0, "kommune": 1, "traeger": 2}
        return [
            {
                "employer": r["employer"],
                "host_type": r["host_type"],
                "baustein_1_vzae": decimal_vzae(r["b1"]),
                "baustein_2_vzae": decimal_vzae(r["b2"]),
                "baustein_3_vzae": decimal_vzae(r["b3"]),
                "vzae": decimal_vzae(r["b1"] + r["b2"] + r["b3"]),
            }
            for r in sorted(rows.values(), key=lambda r: (order[r["host_type"]], r["employer"]))
        ]

    def to_json(self) -> dict[str, Any]:
        data = self.plan.to_json()
        inst, model = self.horizon.instance, self.model
        return {
            "year": self.horizon.year,
            "status": self.plan.status,
            "objectives": data["objectives"],
            "summary": data["summary"],
            "hosts": data["hosts"],
            "kommunen": data["kommunen"],
            "links": data["links"],
            "finance": data["finance"],
            "coordination": [_position_json(p, inst, model) for p in self.horizon.coordination],
            "authorities": [_position_json(p, inst, model) for p in self.horizon.authorities],
            "cuts": self.cuts_json(),
            "joined": [{"name": name, "member_type": kind, "vzae": 0.0} for kind, name in self.members[0]],
            "left": [
                {"name": name, "member_type": kind, "vzae": decimal_vzae(vzae)} for kind, name, vzae in self.members[1]
            ],
            "eigenanteil": self.eigenanteil_json(),
            "vzae_by_baustein": self.vzae_by_baustein(),
            **({} if self.held_back is None else {"held_back": [_held_back_json(h) for h in self.held_back]}),
        }


def _held_back_json(held: HeldBack) -> dict[str, Any]:
    return {"host": held.host, "host_type": held.host_type, "vzae": decimal_vzae(held.vzae), "for_year": held.for_year}


def _members(instance: Instance) -> list[tuple[str, str]]:
    """(type, name) of every Kommune and Träger of a year, in the file's order."""
    return [("kommune", k.name) for k in instance.kommunen] + [("traeger", t.name) for t in instance.traeger]


def year_plans(model: PlanningModel, result: HorizonResult, model_name: str) -> list[YearPlan]:
    """The per-year plans of a solved horizon (every year must have its units)."""
    return reached_plans(model, result.years, model_name)


def reached_plans(model: PlanningModel, years: Sequence[YearResult], model_name: str) -> list[YearPlan]:
    """The plans of the years given (each with its units), in order: those a solve reached; a year
    that had to cut says why (:func:`kimopt.analysis.explain.cuts.cut_reasons` on the year as solved)."""
    from kimopt.analysis.explain.cuts import cut_reasons
    from kimopt.analysis.explain.horizon import year_scenario

    out: list[YearPlan] = []
    for yr in years:
        assert yr.units is not None
        # the plan shows the real budgets, not those less Bausteine 1 and 3 the solver saw
        problem = compile_problem(yr.horizon.instance, model, yr.problem.carried)
        levels = ([yr.cut] if yr.cut is not None else []) + yr.result.levels
        plan = Plan(problem, yr.units, yr.status, levels, yr.result.solver, model_name, yr.result.target_units)
        reasons = None
        if yr.cut is not None and yr.cut.value:
            scenario = year_scenario(yr.horizon, model, yr.problem.carried)
            reasons = cut_reasons(scenario, float(model.time_limit_s))
        held_back = yr.held_back if model.lookahead else None
        out.append(YearPlan(yr.horizon, plan, out[-1] if out else None, held_back, reasons))
    return out


@dataclass
class HorizonPlan:
    """A plan over every year of an instance (one year: a horizon of one); what ``kimopt.solve`` returns.

    ``years`` holds each year's plan (:class:`YearPlan`, its Baustein 2 plan as ``.plan``);
    :meth:`to_json` is the plan file, :meth:`to_frames` its tables with a ``year`` column. Other
    attributes are the first year's (``plan.used``, ``plan.coverage`` …), as for one year.
    """

    instance: Instance
    model: PlanningModel
    model_name: str
    status: Status
    years: list[YearPlan]
    solver: dict[str, Any] = field(default_factory=dict)

    @property
    def first(self) -> Plan:
        return self.years[0].plan

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("years", "instance", "model"):
            raise AttributeError(name)
        return getattr(self.first, name)

    @property
    def multi(self) -> bool:
        """Whether the file has the keys of DESIGN §5 (several years, Bausteine 1 or 3)."""
        return self.instance.multi

    def to_json(self) -> dict[str, Any]:
        """The plan file: one year's plan of §3, or with ``years`` (DESIGN §5)."""
        if not self.multi:
            data = self.first.to_json()
            data["solver"] = {**data["solver"], **{k: v for k, v in self.solver.items() if k == "seconds"}}
            return data
        return _horizon_json(self)

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The plan as pandas DataFrames, one row each, every year: ``kommunen``, ``hosts``, ``links``.

        Each frame's first column is ``year`` (the funding year; ``None`` when the file gives none),
        then the plan file's keys (VZÄ decimal, euros whole), as :meth:`kimopt.plan.Plan.to_frames`.
        """
        import pandas as pd

        frames: dict[str, list[pd.DataFrame]] = {}
        for year in self.years:
            for key, frame in year.plan.to_frames().items():
                frame.insert(0, "year", pd.Series([year.year] * len(frame), dtype="object"))
                frames.setdefault(key, []).append(frame)
        return {key: pd.concat(parts, ignore_index=True) for key, parts in frames.items()}


def horizon_plan(instance: Instance, model: PlanningModel, result: HorizonResult, model_name: str) -> HorizonPlan:
    """The plan of a solved horizon in which every year has a plan."""
    return HorizonPlan(instance, model, model_name, result.status, year_plans(model, result, model_name), result.solver)


def _horizon_json(plan: HorizonPlan) -> dict[str, Any]:
    """The plan of DESIGN §5: the first year's one-year plan with ``years`` and the yearly totals."""
    instance, model, plans = plan.instance, plan.model, plan.years
    years = [p.to_json() for p in plans]
    first = plans[0].plan.to_json()
    first["instance"] = instance.name
    first["status"] = plan.status
    first["summary"]["eigenanteil_eur_by_year"] = {str(p.horizon.label): p.by_year_json() for p in plans}
    first["years"] = years
    level_seconds = {f"{p.horizon.label}: {lv.name}": round(lv.seconds, 3) for p in plans for lv in p.plan.levels}
    first["solver"] = {
        **{k: v for k, v in plan.solver.items() if k in ("ortools", "seconds", "workers", "seed")},
        "level_seconds": level_seconds,
        "method": plan.solver.get("method", METHODS[model.lookahead]) + f"; continuity: {model.continuity}",
    }
    first["input_sha256"] = input_sha256(instance, model)
    return PlanFile.model_validate(first).to_json()  # the typed contract fixes keys and their order
