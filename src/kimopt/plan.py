"""The allocation plan: free of solver types, every figure recomputed from the links.

A :class:`Plan` holds the units on each link and recomputes in plain Python (exact
fractions) the hosted VZÄ, coverage, targets, deviations, funding and the Eigenanteil of each
payer; :meth:`Plan.to_json` gives the contract of DESIGN §3.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING, Any

from kimopt import __version__
from kimopt import plan_file as pf
from kimopt.data import MONTHS, Instance, PlanningModel
from kimopt.numbers import decimal_vzae, fraction_text, round_euros, round_parts
from kimopt.problem import Problem
from kimopt.results import LevelResult, Status

if TYPE_CHECKING:
    import pandas as pd


def input_sha256(instance: Instance, model: PlanningModel) -> str:
    """Hash of the validated content (not the file's formatting): same content, same hash.

    The number of search workers and the time limit are left out: they do not change an
    optimal plan (see :mod:`kimopt.lexicographic`), so ``solve`` and ``batch`` agree on the hash.
    """
    payload = json.dumps(
        {
            "instance": instance.model_dump(mode="json"),
            "model": model.model_dump(mode="json", exclude={"workers", "time_limit_s"}),
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Payment:
    """One payer's yearly Eigenanteil for new positions."""

    payer: str
    payer_type: str  # "kreis", "kommune", "traeger"
    eur: Fraction
    budget: int | None


@dataclass
class Plan:
    """An allocation plan for one instance under one planning model."""

    problem: Problem
    units: list[int]
    status: Status = Status.OPTIMAL
    levels: list[LevelResult] = field(default_factory=list)
    solver: dict[str, Any] = field(default_factory=dict)
    model_name: str = "kim-standard"
    target_units: int | None = None  # N_used* of the targets, when it differs from the plan's own N

    def __post_init__(self) -> None:
        self.status = Status(self.status)

    @property
    def instance(self) -> Instance:
        return self.problem.instance

    def vzae(self, link: int) -> Fraction:
        """VZÄ on one link."""
        return self.problem.vzae(self.units[link])

    @cached_property
    def hosted(self) -> list[Fraction]:
        """``H_h`` in VZÄ for every host."""
        return [
            sum((self.vzae(li) for li in self.problem.links_of_host[h]), Fraction(0))
            for h in range(len(self.problem.hosts))
        ]

    @cached_property
    def coverage(self) -> list[Fraction]:
        """``c_i`` in VZÄ for every Kommune."""
        return [
            sum((self.vzae(li) for li in self.problem.links_of_kommune[i]), Fraction(0))
            for i in range(len(self.instance.kommunen))
        ]

    @cached_property
    def used(self) -> Fraction:
        """``N_used`` in VZÄ."""
        return sum(self.hosted, Fraction(0))

    def key_share(self, kommune: int) -> Fraction:
        """``w_i / W``."""
        return Fraction(self.problem.weights[kommune], self.problem.total_weight)

    @cached_property
    def target_basis(self) -> Fraction:
        """``N_used*`` in VZÄ: the most positions any plan can use (the plan's own N by default)."""
        return self.used if self.target_units is None else self.problem.vzae(self.target_units)

    @cached_property
    def targets(self) -> list[Fraction]:
        """``e_i = N_used* × w_i / W`` in VZÄ."""
        return [self.target_basis * self.key_share(i) for i in range(len(self.instance.kommunen))]

    @cached_property
    def deviations(self) -> list[Fraction]:
        """``|c_i − e_i|`` in VZÄ."""
        return [abs(c - e) for c, e in zip(self.coverage, self.targets, strict=True)]

    @cached_property
    def new_vzae(self) -> list[Fraction]:
        """Positions above the existing ones, per host."""
        return [
            max(Fraction(0), self.hosted[h] - self.problem.vzae(host.existing_units))
            for h, host in enumerate(self.problem.hosts)
        ]

    @cached_property
    def payments(self) -> list[Payment]:
        """Eigenanteil by payer: the Kreis first, then Kommunen and Träger in file order.

        Rule: each host's deficit ``d_h = max(0, cost − rate)`` per VZÄ and year is due for its
        new positions, times ``months/12`` in a year of fewer months. The Kreis pays all of it
        for its own, for Träger with deficit coverage and, with ``kreis_covers_kommunen``, for
        Kommune hosts; at most ``deficit_coverage_eur_per_vzae`` of it for a Träger or Kommune
        with that cap. The rest is due as without coverage: a Träger pays for itself; a Kommune
        pays for the part of every Kommune host serving it (the host's own part counts above
        its existing positions only, a partner's part counts in full).
        """
        problem, kommunen = self.problem, self.instance.kommunen
        share = problem.year_share
        kreis = Fraction(0)
        by_kommune = [Fraction(0)] * len(kommunen)
        by_traeger = [Fraction(0)] * len(self.instance.traeger)
        for h, host in enumerate(problem.hosts):
            if host.kind != "kommune":
                kreis += share * host.kreis_deficit_per_vzae * self.new_vzae[h]
                if host.kind == "traeger":
                    by_traeger[host.record] += share * host.payer_deficit_per_vzae * self.new_vzae[h]
                continue
            existing = problem.vzae(host.existing_units)
            for li in problem.links_of_host[h]:
                link = problem.links[li]
                part = self.vzae(li) if link.shared else max(Fraction(0), self.vzae(li) - existing)
                kreis += share * host.kreis_deficit_per_vzae * part
                by_kommune[link.kommune] += share * host.payer_deficit_per_vzae * part
        payments = [Payment(self.instance.kreis.name, "kreis", kreis, self.instance.kreis.budget)]
        payments += [Payment(k.name, "kommune", by_kommune[i], k.budget) for i, k in enumerate(kommunen)]
        payments += [Payment(t.name, "traeger", by_traeger[j], None) for j, t in enumerate(self.instance.traeger)]
        return payments

    @cached_property
    def bestand(self) -> list[Fraction]:
        """„Bestand“: the own cost of the existing positions per payer, in the order of :attr:`payments`.

        Rule (DESIGN §5): positions filled before the plan are financed already, so they are not in
        the Eigenanteil (nor in a budget); their deficit ``d_h × min(H_h, existing_h)`` (a Kommune
        host: its own part instead of ``H_h``, as in :attr:`payments`) is paid by whoever pays the
        host's deficit: the Kreis its part (all, or up to a cap), the host the rest; a year of fewer
        months pro rata, as every euro of it.
        """
        problem, n = self.problem, len(self.instance.kommunen)
        out = [Fraction(0)] * (1 + n + len(self.instance.traeger))
        for h, host in enumerate(problem.hosts):
            held = self.hosted[h]
            if host.kind == "kommune":  # the link to itself; partners pay their parts in full
                own = (li for li in problem.links_of_host[h] if not problem.links[li].shared)
                held = sum((self.vzae(li) for li in own), Fraction(0))
            filled = min(held, problem.vzae(host.existing_units)) * problem.year_share
            out[0] += host.kreis_deficit_per_vzae * filled
            if host.kind != "kreis":
                out[1 + host.record + (n if host.kind == "traeger" else 0)] += host.payer_deficit_per_vzae * filled
        return out

    @cached_property
    def shown_bestand(self) -> list[int]:
        """Each payer's „Bestand“ in whole euros, rounded so that the payers add up to the rounded total."""
        return round_parts(self.bestand)

    @cached_property
    def shown_payments(self) -> list[int]:
        """Each payer's Eigenanteil in whole euros, rounded so that the parts add up: Kreis and
        Kommunen to the rounded ``own_cost`` total, the Träger among themselves."""
        payments = self.payments
        public = [n for n, p in enumerate(payments) if p.payer_type != "traeger"]
        private = [n for n, p in enumerate(payments) if p.payer_type == "traeger"]
        shown = [0] * len(payments)
        for group in (public, private):
            for n, euros in zip(group, round_parts([payments[n].eur for n in group]), strict=True):
                shown[n] = euros
        return shown

    @cached_property
    def eigenanteil(self) -> Fraction:
        """Total yearly Eigenanteil of Kreis and Kommunen (the ``own_cost`` level)."""
        return sum((p.eur for p in self.payments if p.payer_type != "traeger"), Fraction(0))

    @cached_property
    def funding(self) -> Fraction:
        """The year's funding: the flat rate per VZÄ, paid up to the real cost, times ``months/12``."""
        rate = self.instance.funding.rate_per_vzae
        return self.problem.year_share * sum(
            (min(rate, host.cost_per_vzae) * self.hosted[h] for h, host in enumerate(self.problem.hosts)), Fraction(0)
        )

    @cached_property
    def total_cost(self) -> Fraction:
        """The year's real cost of every position, times ``months/12``."""
        return self.problem.year_share * sum(
            (host.cost_per_vzae * self.hosted[h] for h, host in enumerate(self.problem.hosts)), Fraction(0)
        )

    @property
    def kreis_vzae(self) -> Fraction:
        return self.hosted[self.problem.kreis]

    @property
    def partner_vzae(self) -> Fraction:
        return self.used - self.kreis_vzae

    @cached_property
    def indices(self) -> dict[str, Any]:
        """Disproportionality indices: L1, max, Loosemore–Hanby, Gallagher, quota rule."""
        n = len(self.instance.kommunen)
        shares = [c / self.used if self.used else Fraction(0) for c in self.coverage]
        gaps = [shares[i] - self.key_share(i) for i in range(n)]
        g = self.problem.g
        own = [self.used * self.key_share(i) for i in range(n)]  # the quota rule uses the plan's own N
        quota = all(math.floor(e / g) * g <= c <= math.ceil(e / g) * g for c, e in zip(self.coverage, own, strict=True))
        return {
            "deviation_l1": sum(self.deviations, Fraction(0)),
            "deviation_max": max(self.deviations, default=Fraction(0)),
            "loosemore_hanby": sum((abs(x) for x in gaps), Fraction(0)) / 2,
            "gallagher": math.sqrt(float(sum((x * x for x in gaps), Fraction(0)) / 2)),
            "quota_rule_holds": quota,
        }

    def objective_value(self, name: str, measure: str | None = None) -> Fraction:
        """A level's value recomputed from the plan (VZÄ, euros or a count)."""
        if name == "use_positions":
            return self.used
        if name == "proportionality":
            return self.indices["deviation_max" if measure == "max" else "deviation_l1"]
        if name == "partner_share":
            return min(self.partner_vzae, (1 - self.problem.model.kreis_min_share) * self.used)
        if name == "own_cost":
            return self.eigenanteil
        if name == "stability":
            return sum(
                (abs(self.hosted[h] - self.problem.vzae(self.problem.held_units(h))) for h in range(len(self.hosted))),
                Fraction(0),
            )
        if name == "fewer_hosts":
            shared = sum(1 for li, link in enumerate(self.problem.links) if link.shared and self.units[li])
            return Fraction(sum(1 for x in self.hosted if x > 0) + shared)
        raise KeyError(name)

    # ---- serialisation -------------------------------------------------------------------

    def _levels(self) -> list[pf.LevelEntry]:
        out = []
        for level in self.levels:
            value = level.value if level.value is not None else self.objective_value(level.name, level.measure)
            entry: dict[str, Any] = {
                "name": level.name,
                "unit": level.unit,
                "value": _figure(value, level.unit),
                "bound": None if level.bound is None else _figure(level.bound, level.unit),
                "proven_optimal": level.proven,
            }
            if level.measure:
                entry["measure"] = level.measure
            if level.unit == "VZÄ":
                entry["value_exact"] = fraction_text(value)
            if level.bound is not None and level.value is not None and not level.proven:
                entry["gap"] = _figure(abs(level.value - level.bound), level.unit)
            out.append(pf.LevelEntry(**entry))
        return out

    def to_file(self) -> pf.PlanFile:
        """The plan file of DESIGN §3, typed (VZÄ decimal, euros integral)."""
        problem, inst = self.problem, self.instance
        kommunen = inst.kommunen
        idx = self.indices
        payments = self.payments
        shown = self.shown_payments
        summary = pf.Summary(
            positions_used=decimal_vzae(self.used),
            positions_fundable=decimal_vzae(inst.funding.positions_vzae),
            unused_vzae=decimal_vzae(inst.funding.positions_vzae - self.used),
            target_basis_vzae=decimal_vzae(self.target_basis),
            kreis_vzae=decimal_vzae(self.kreis_vzae),
            partner_vzae=decimal_vzae(self.partner_vzae),
            kreis_share=decimal_vzae(self.kreis_vzae / self.used if self.used else Fraction(0)),
            funding_eur=round_euros(self.funding),
            eigenanteil_eur=pf.Eigenanteil(
                kreis=shown[0],
                kommunen=sum(e for p, e in zip(payments, shown, strict=True) if p.payer_type == "kommune"),
                traeger=sum(e for p, e in zip(payments, shown, strict=True) if p.payer_type == "traeger"),
                total=sum(e for p, e in zip(payments, shown, strict=True) if p.payer_type != "traeger"),
            ),
            deviation_l1=decimal_vzae(idx["deviation_l1"]),
            deviation_max=decimal_vzae(idx["deviation_max"]),
            loosemore_hanby=decimal_vzae(idx["loosemore_hanby"]),
            gallagher=round(idx["gallagher"], 6),
            quota_rule_holds=idx["quota_rule_holds"],
        )
        hosts = [
            pf.Host(
                name=host.name,
                host_type=host.kind,
                vzae=decimal_vzae(self.hosted[h]),
                existing_vzae=decimal_vzae(problem.vzae(host.existing_units)),
                new_vzae=decimal_vzae(self.new_vzae[h]),
                max_vzae=None if host.max_units is None else decimal_vzae(problem.vzae(host.max_units)),
                cost_per_vzae=host.cost_per_vzae,
                deficit_per_vzae=host.deficit_per_vzae,
                deficit_paid_by_kreis=host.kreis_pays,
                **(
                    {"deficit_kreis_per_vzae": host.kreis_deficit_per_vzae}
                    if host.kreis_pays and host.payer_deficit_per_vzae
                    else {}
                ),
            )
            for h, host in enumerate(problem.hosts)
        ]
        links = self._links()
        kommunen_entries = []
        for i, kommune in enumerate(kommunen):
            served = [
                pf.Served(
                    host=problem.hosts[problem.links[li].host].name,
                    host_type=problem.hosts[problem.links[li].host].kind,
                    vzae=decimal_vzae(self.vzae(li)),
                )
                for li in problem.links_of_kommune[i]
                if self.units[li]
            ]
            kommunen_entries.append(
                pf.Kommune(
                    name=kommune.name,
                    ags=kommune.ags,
                    population=kommune.population,
                    key_share=decimal_vzae(self.key_share(i), 8),
                    target_vzae=decimal_vzae(self.targets[i]),
                    coverage_vzae=decimal_vzae(self.coverage[i]),
                    deviation_vzae=decimal_vzae(self.coverage[i] - self.targets[i]),
                    served_by=served,
                    eigenanteil_eur=shown[1 + i],
                    budget_eur=kommune.budget,
                )
            )
        finance = pf.Finance(
            rate_per_vzae=inst.funding.rate_per_vzae,
            funding_eur=round_euros(self.funding),
            total_cost_eur=round_euros(self.total_cost),
            eigenanteil=[
                pf.Payment(
                    payer=p.payer,
                    payer_type=p.payer_type,
                    eur=e,
                    budget_eur=p.budget,
                    **({"bestand_eur": b} if exact else {}),
                )
                for p, e, exact, b in zip(payments, shown, self.bestand, self.shown_bestand, strict=True)
                if p.eur or exact or p.payer_type == "kreis"
            ],
            **({"months": inst.funding.months} if inst.funding.months != MONTHS else {}),
        )
        # every time is here, so that the rest of the plan is the same between runs
        solver = pf.Solver(**self.solver, level_seconds={lv.name: round(lv.seconds, 3) for lv in self.levels})
        return pf.PlanFile(
            schema_version=pf.SCHEMA_VERSION,
            kimopt=__version__,
            instance=inst.name,
            model=self.model_name,
            status=self.status,
            objectives=self._levels(),
            summary=summary,
            hosts=hosts,
            kommunen=kommunen_entries,
            links=links,
            finance=finance,
            solver=solver,
            input_sha256=input_sha256(inst, problem.model),
        )

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The plan as pandas DataFrames, one row each: ``kommunen``, ``hosts`` and ``links``.

        Columns are the plan file's keys (VZÄ decimal, euros whole); who serves a Kommune is in
        ``links``, so ``kommunen`` leaves out ``served_by``.
        """
        import pandas as pd

        file = self.to_file()

        def frame(entries: list[Any], entry: type[pf._Entry], leave_out: frozenset[str] = frozenset()) -> pd.DataFrame:
            columns = [c for c in entry.model_fields if c not in leave_out]
            return pd.DataFrame([e.model_dump(include=set(columns)) for e in entries], columns=columns)

        return {
            "kommunen": frame(file.kommunen, pf.Kommune, frozenset({"served_by"})),
            "hosts": frame(file.hosts, pf.Host),
            "links": frame(file.links, pf.Link),
        }

    def _links(self) -> list[pf.Link]:
        problem, kommunen = self.problem, self.instance.kommunen
        return [
            pf.Link(
                host=problem.hosts[link.host].name,
                host_type=problem.hosts[link.host].kind,
                kommune=kommunen[link.kommune].name,
                vzae=decimal_vzae(self.vzae(li)),
            )
            for li, link in enumerate(problem.links)
            if self.units[li]
        ]

    def to_json(self) -> dict[str, Any]:
        """The plan file as JSON-ready data (:meth:`to_file`), the keys of DESIGN §3 in order."""
        return self.to_file().to_json()

    def links_json(self) -> dict[str, Any]:
        """Only the plan file's ``links``: all the checker needs to check the rules, without
        the figures a whole plan file reports (for plans built on the way to the optimum)."""
        return {"links": [link.to_json() for link in self._links()]}


def _figure(value: Fraction, unit: str) -> float | int:
    if unit == "EUR":
        return round_euros(value)
    if unit in {"count", "rank"}:
        return int(value)
    return decimal_vzae(value)


def dumps(data: dict[str, Any]) -> str:
    """Stable JSON text: fixed key order as built, UTF-8, two-space indent, final newline."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
