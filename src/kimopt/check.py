"""The independent plan checker: plain Python and exact fractions, no solver, no shared model code.

It reads a plan's ``links`` (kimopt's own or edited by hand), derives who may serve whom
straight from the instance, and checks every rule of DESIGN §2 plus the granularity. It
also recomputes the figures the plan reports (hosted VZÄ, coverage, Eigenanteil) and flags
any that do not match the links. Deliberately written apart from :mod:`kimopt.problem` and
:mod:`kimopt.plan`, so a mistake there is not repeated here.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, Protocol

from kimopt.data import MAX_VZAE, Instance, PlanningModel
from kimopt.numbers import NumberError, fmt_euros, fmt_vzae, to_fraction
from kimopt.rules import (
    BUDGET_KOMMUNE,
    BUDGET_KREIS,
    CONTINUITY,
    EXISTING,
    FUNDING_CAP,
    HOST_SIZE,
    KREIS_SHARE,
    PROVIDER_AREA,
    QUOTA_RULE,
    REACHABILITY,
    RULES,
    SHARING,
    Rule,
)

FileCheck = Literal["granularity", "plan"]
FILE_CHECKS: tuple[FileCheck, ...] = ("granularity", "plan")
"""What the checker reports besides the rule families: VZÄ off the grid, and the plan file
itself (unreadable links, unknown hosts, figures that do not match the links)."""


class YearBefore(Protocol):
    """What the year before leaves a later year of a horizon: VZÄ per host (kind, name), and how
    many VZÄ this year may cut in total."""

    @property
    def held(self) -> Mapping[tuple[str, str], Fraction]: ...

    @property
    def allowance(self) -> Fraction: ...


# Decimals in a plan are rounded to 6 places; a reported figure may differ by this much.
TOLERANCE = Fraction(1, 10**6)


@dataclass(frozen=True)
class Violation:
    """One broken rule: the rule's DESIGN name, whom it concerns, and the numbers."""

    rule: str  # a rule family's name (kimopt.rules) or one of FILE_CHECKS
    subject: str
    de: str
    en: str

    def text(self, lang: str = "de") -> str:
        """One line for people: the rule's label (its identifier stays in :attr:`rule`)."""
        from kimopt.labels import rule_label

        where = f" ({self.subject})" if self.subject else ""
        return f"{rule_label(self.rule, lang)}{where}: {self.de if lang == 'de' else self.en}"


def _nfc(value: object) -> object:
    """Names compared as the instance stores them (Unicode NFC: ``Hünxe`` typed either way)."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _shown(value: object) -> str:
    """A value from the plan file as written, cut short (a hand-edited plan may hold anything)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _v(value: Fraction, lang: str) -> str:
    """VZÄ in the one format of every message: ``0,862 VZÄ`` (up to three places)."""
    text = fmt_vzae(value, lang, places=3).rstrip("0").rstrip(",.")
    return f"{text} VZÄ"


def _reported(value: object, lang: str, unit: str = "VZÄ") -> str:
    """A figure as the plan reports it, in the same format as the computed one."""
    try:
        number = to_fraction(value)
    except NumberError:
        return _shown(value)
    return fmt_euros(number, lang) if unit == "€" else _v(number, lang)


class _Checker:
    def __init__(self, instance: Instance, model: PlanningModel, before: YearBefore | None = None) -> None:
        self.instance = instance
        self.model = model
        self.before = before
        self.violations: list[Violation] = []
        kommunen = instance.kommunen
        self.kommune_names = [k.name for k in kommunen]
        self.lookup: dict[str, int] = {}
        for i, k in enumerate(kommunen):
            self.lookup.setdefault(k.name, i)
            if k.ags:
                self.lookup.setdefault(k.ags, i)
        self.partners: dict[int, set[int]] = defaultdict(set)
        for i, k in enumerate(kommunen):
            for name in k.share_with:
                j = self.lookup.get(name)
                if j is not None and j != i:
                    self.partners[i].add(j)
                    self.partners[j].add(i)

    def add(self, rule: Rule | FileCheck, subject: str, de: str, en: str) -> None:
        self.violations.append(Violation(rule if isinstance(rule, str) else rule.name, subject, de, en))

    # ---- reading the plan ----------------------------------------------------------------

    def read_links(self, plan: dict[str, Any]) -> dict[tuple[str, str, int], Fraction]:
        """Links keyed by (host type, host name, Kommune index); unreadable ones are violations."""
        links: dict[tuple[str, str, int], Fraction] = {}
        raw = plan.get("links")
        if not isinstance(raw, list):
            self.add("plan", "links", "der Plan enthält keine Liste „links“", "the plan has no list 'links'")
            return links
        for n, entry in enumerate(raw, start=1):
            if not isinstance(entry, dict):
                self.add("plan", f"links[{n}]", "Eintrag ist kein Abschnitt", "entry is not a mapping")
                continue
            kind, host, kommune = entry.get("host_type"), _nfc(entry.get("host")), _nfc(entry.get("kommune"))
            try:
                vzae = to_fraction(entry.get("vzae"))
            except NumberError:
                self.add(
                    "plan",
                    f"links[{n}]",
                    f"VZÄ {_shown(entry.get('vzae'))} ist keine Zahl",
                    f"VZÄ {_shown(entry.get('vzae'))} is not a number",
                )
                continue
            if abs(vzae) > MAX_VZAE:
                self.add(
                    "plan",
                    f"links[{n}]",
                    f"VZÄ {_shown(entry.get('vzae'))} ist zu groß (höchstens {MAX_VZAE})",
                    f"VZÄ {_shown(entry.get('vzae'))} is too large (at most {MAX_VZAE})",
                )
                continue
            if kind not in {"kreis", "kommune", "traeger"}:
                self.add("plan", f"links[{n}]", f"unbekannter host_type {kind!r}", f"unknown host_type {kind!r}")
                continue
            i = self.lookup.get(kommune) if isinstance(kommune, str) else None
            if i is None:
                self.add("plan", f"links[{n}]", f"unbekannte Kommune {kommune!r}", f"unknown Kommune {kommune!r}")
                continue
            if vzae < 0:
                self.add("plan", f"{host} → {kommune}", f"negative VZÄ {vzae}", f"negative VZÄ {vzae}")
                continue
            key = (kind, str(host), i)
            if key in links:
                self.add("plan", f"{host} → {kommune}", "Verbindung doppelt aufgeführt", "link listed twice")
            links[key] = links.get(key, Fraction(0)) + vzae
        return links

    # ---- the rules -----------------------------------------------------------------------

    def granularity(self, links: dict[tuple[str, str, int], Fraction]) -> None:
        g = self.model.granularity_vzae
        for (_, host, i), vzae in links.items():
            if vzae % g:
                self.add(
                    "granularity",
                    f"{host} → {self.kommune_names[i]}",
                    f"{_v(vzae, 'de')} ist kein Vielfaches von {_v(g, 'de')}",
                    f"{_v(vzae, 'en')} is not a multiple of {_v(g, 'en')}",
                )

    def allowed_links(self, links: dict[tuple[str, str, int], Fraction]) -> None:
        kommunen = self.instance.kommunen
        areas = {t.name: {self.lookup.get(s) for s in t.serves} for t in self.instance.traeger}
        for (kind, host, i), vzae in links.items():
            if vzae == 0:
                continue
            target = self.kommune_names[i]
            if kind == "kreis" and host != self.instance.kreis.name:
                self.add("plan", host, f"{host!r} ist nicht der Kreis", f"{host!r} is not the Kreis")
            elif kind == "kommune":
                k = self.lookup.get(host)
                if k is None:
                    self.add("plan", host, "unbekannte Kommune als Stelle", "unknown Kommune as host")
                elif kommunen[k].max_vzae <= 0 and kommunen[k].existing_vzae <= 0:
                    self.add(
                        HOST_SIZE,
                        host,
                        "die Kommune stellt kein Personal (max_vzae 0)",
                        "the Kommune employs no positions (max_vzae 0)",
                    )
                elif i != k and i not in self.partners[k]:
                    self.add(
                        SHARING,
                        f"{host} → {target}",
                        f"{target} ist kein Teilungspartner von {host}",
                        f"{target} is not a sharing partner of {host}",
                    )
            elif kind == "traeger":
                area = areas.get(host)
                if area is None:
                    self.add("plan", host, "unbekannter Träger", "unknown Träger")
                elif i not in area:
                    self.add(
                        PROVIDER_AREA,
                        f"{host} → {target}",
                        f"{target} liegt nicht im Gebiet des Trägers",
                        f"{target} is outside the Träger's area",
                    )

    def totals(self, links: dict[tuple[str, str, int], Fraction]) -> None:
        self.links = links
        self.hosted: dict[tuple[str, str], Fraction] = defaultdict(Fraction)
        self.coverage = [Fraction(0)] * len(self.kommune_names)
        for (kind, host, i), vzae in links.items():
            self.hosted[(kind, host)] += vzae
            self.coverage[i] += vzae
        self.used = sum(self.hosted.values(), Fraction(0))
        self.kreis = self.hosted.get(("kreis", self.instance.kreis.name), Fraction(0))

    @FUNDING_CAP.check
    def funding_cap(self) -> None:
        cap = self.instance.funding.positions_vzae
        if self.used > cap:
            self.add(
                FUNDING_CAP,
                "",
                f"{_v(self.used, 'de')} verwendet > Förderobergrenze {_v(cap, 'de')}",
                f"{_v(self.used, 'en')} used > funding cap {_v(cap, 'en')}",
            )

    @KREIS_SHARE.check
    def kreis_share(self) -> None:
        share = self.model.kreis_min_share
        if self.kreis < share * self.used:
            self.add(
                KREIS_SHARE,
                self.instance.kreis.name,
                f"Kreis {_v(self.kreis, 'de')} < {share} × {_v(self.used, 'de')}",
                f"Kreis {_v(self.kreis, 'en')} < {share} × {_v(self.used, 'en')}",
            )

    def _maximum(self, kind: str, host: str) -> Fraction | None:
        if kind == "kommune" and host in self.lookup:
            kommune = self.instance.kommunen[self.lookup[host]]
            return max(kommune.max_vzae, kommune.existing_vzae)  # filled positions count as wanted
        return None

    @HOST_SIZE.check
    def host_size(self) -> None:
        step, lowest = self.model.host_step_vzae, self.model.min_host_vzae
        for (kind, host), size in self.hosted.items():
            if size == 0:
                continue
            limit = self._maximum(kind, host)
            if size % step:
                self.add(
                    HOST_SIZE,
                    host,
                    f"{_v(size, 'de')} ist kein Vielfaches von {_v(step, 'de')}",
                    f"{_v(size, 'en')} is not a multiple of {_v(step, 'en')}",
                )
            if size < lowest:
                self.add(
                    HOST_SIZE,
                    host,
                    f"{_v(size, 'de')} < Mindestgröße {_v(lowest, 'de')}",
                    f"{_v(size, 'en')} < minimum size {_v(lowest, 'en')}",
                )
            if limit is not None and size > limit:
                self.add(
                    HOST_SIZE,
                    host,
                    f"{_v(size, 'de')} > Obergrenze {_v(limit, 'de')}",
                    f"{_v(size, 'en')} > maximum {_v(limit, 'en')}",
                )

    @SHARING.check
    def sharing(self) -> None:
        smallest = self.model.share
        parts: dict[int, dict[int, Fraction]] = defaultdict(dict)
        for (kind, host, i), vzae in self.links.items():
            if kind == "kommune" and vzae > 0 and host in self.lookup:
                parts[self.lookup[host]][i] = vzae
        for k, served in parts.items():
            host = self.kommune_names[k]
            partners = [i for i in served if i != k]
            if partners and k not in served:
                self.add(SHARING, host, "versorgt Partner, aber nicht sich selbst", "serves partners but not itself")
            if len(partners) > self.model.max_sharing_partners:
                self.add(
                    SHARING,
                    host,
                    f"{len(partners)} Partner > höchstens {self.model.max_sharing_partners}",
                    f"{len(partners)} partners > at most {self.model.max_sharing_partners}",
                )
            for i, vzae in served.items():
                if vzae < smallest:
                    self.add(
                        SHARING,
                        f"{host} → {self.kommune_names[i]}",
                        f"Anteil {_v(vzae, 'de')} < Mindestanteil {_v(smallest, 'de')}",
                        f"part {_v(vzae, 'en')} < minimum part {_v(smallest, 'en')}",
                    )

    @PROVIDER_AREA.check
    def provider_area(self) -> None:
        for t in self.instance.traeger:
            size = self.hosted.get(("traeger", t.name), Fraction(0))
            if size > t.max_vzae:
                self.add(
                    PROVIDER_AREA,
                    t.name,
                    f"{_v(size, 'de')} > Kapazität {_v(t.max_vzae, 'de')}",
                    f"{_v(size, 'en')} > capacity {_v(t.max_vzae, 'en')}",
                )

    def _hosts(self) -> list[tuple[str, str, Fraction, int, int | None]]:
        """(kind, name, existing, cost, the most the Kreis covers of its deficit per VZÄ and year)
        of every possible host; ``None``: the whole deficit."""
        inst, kreis = self.instance, self.instance.kreis
        out: list[tuple[str, str, Fraction, int, int | None]] = [
            ("kreis", kreis.name, kreis.existing_vzae, kreis.cost_per_vzae, None)
        ]
        for k in inst.kommunen:
            cost = k.cost_per_vzae if k.cost_per_vzae is not None else kreis.cost_per_vzae
            if self.model.kreis_covers_kommunen:
                covers: int | None = None
            else:
                covers = k.deficit_coverage_eur_per_vzae if k.deficit_coverage_eur_per_vzae is not None else 0
            out.append(("kommune", k.name, k.existing_vzae, cost, covers))
        for t in inst.traeger:
            if t.deficit_coverage_eur_per_vzae is not None:
                covers = t.deficit_coverage_eur_per_vzae
            else:
                covers = None if t.deficit_coverage else 0
            out.append(("traeger", t.name, t.existing_vzae, t.cost_per_vzae, covers))
        return out

    @EXISTING.check
    def existing(self) -> None:
        if not self.model.keep_existing:
            return
        for kind, name, before, _, _ in self._hosts():
            now = self.hosted.get((kind, name), Fraction(0))
            if now < before:
                self.add(
                    EXISTING,
                    name,
                    f"{_v(now, 'de')} < vorhandene {_v(before, 'de')}",
                    f"{_v(now, 'en')} < existing {_v(before, 'en')}",
                )

    @CONTINUITY.check
    def continuity(self) -> None:
        """A later year keeps what the year before held, except cuts of at most the allowance in all:
        every host (``continuity: host``), or the positions in number (``total``); ``none``: no rule."""
        mode = self.model.continuity
        if self.before is None or not self.model.keep_existing or mode == "none":
            return
        allowance = self.before.allowance
        if mode == "total":
            held = sum(self.before.held.values(), Fraction(0))
            now = self.used
            if held - now > allowance:
                self.add(
                    CONTINUITY,
                    "",
                    f"{_v(held, 'de')} im Vorjahr, jetzt {_v(now, 'de')} insgesamt; Kürzungen höchstens "
                    f"{_v(allowance, 'de')}",
                    f"{_v(held, 'en')} the year before, now {_v(now, 'en')} in all; cuts at most {_v(allowance, 'en')}",
                )
            return
        cuts = {
            key: held - self.hosted.get(key, Fraction(0))
            for key, held in self.before.held.items()
            if self.hosted.get(key, Fraction(0)) < held
        }
        if sum(cuts.values(), Fraction(0)) <= allowance:
            return
        for (kind, name), cut in sorted(cuts.items()):
            held = self.before.held[(kind, name)]
            self.add(
                CONTINUITY,
                name,
                f"{_v(held, 'de')} im Vorjahr, jetzt {_v(held - cut, 'de')}; Kürzungen höchstens "
                f"{_v(allowance, 'de')} insgesamt",
                f"{_v(held, 'en')} the year before, now {_v(held - cut, 'en')}; cuts at most "
                f"{_v(allowance, 'en')} in all",
            )

    def payments(self, links: dict[tuple[str, str, int], Fraction]) -> None:
        """Eigenanteil per payer, computed from the rule text of DESIGN §2 and §5.

        Each new VZÄ costs its deficit ``max(0, cost − rate)`` a year, ``months/12`` of it in a
        shorter year; the Kreis pays up to what it covers, the employer the rest (for a Kommune
        host: each Kommune it serves, for its part)."""
        rate = self.instance.funding.rate_per_vzae
        share = Fraction(self.instance.funding.months, 12)
        self.pay_kreis = Fraction(0)
        self.pay_kommune = [Fraction(0)] * len(self.kommune_names)
        self.pay_traeger: dict[str, Fraction] = defaultdict(Fraction)
        served_by: dict[str, list[tuple[int, Fraction]]] = defaultdict(list)
        for (link_kind, host, i), vzae in links.items():
            if link_kind == "kommune":
                served_by[host].append((i, vzae))
        for kind, name, before, cost, covers in self._hosts():
            deficit = share * max(0, cost - rate)
            by_kreis = deficit if covers is None else min(deficit, share * covers)
            rest = deficit - by_kreis
            if kind != "kommune":
                new = max(Fraction(0), self.hosted.get((kind, name), Fraction(0)) - before)
                self.pay_kreis += by_kreis * new
                if kind == "traeger":
                    self.pay_traeger[name] += rest * new
                continue
            k = self.lookup[name]
            for i, vzae in served_by[name]:
                part = max(Fraction(0), vzae - before) if i == k else vzae
                self.pay_kreis += by_kreis * part
                self.pay_kommune[i] += rest * part

    @BUDGET_KOMMUNE.check
    def budget_kommune(self) -> None:
        if self.model.kreis_covers_kommunen:
            return
        for k, paid in zip(self.instance.kommunen, self.pay_kommune, strict=True):
            if k.budget is not None and paid > k.budget:
                self.add(
                    BUDGET_KOMMUNE,
                    k.name,
                    f"Eigenanteil {fmt_euros(paid)} > Budget {fmt_euros(k.budget)}",
                    f"own share {fmt_euros(paid, 'en')} > budget {fmt_euros(k.budget, 'en')}",
                )

    @BUDGET_KREIS.check
    def budget_kreis(self) -> None:
        budget = self.instance.kreis.budget
        if budget is not None and self.pay_kreis > budget:
            self.add(
                BUDGET_KREIS,
                self.instance.kreis.name,
                f"Eigenanteil {fmt_euros(self.pay_kreis)} > Budget {fmt_euros(budget)}",
                f"own share {fmt_euros(self.pay_kreis, 'en')} > budget {fmt_euros(budget, 'en')}",
            )

    @REACHABILITY.check
    def reachability(self) -> None:
        minimum = self.model.min_coverage_vzae
        for name, c in zip(self.kommune_names, self.coverage, strict=True):
            if c < minimum:
                self.add(
                    REACHABILITY,
                    name,
                    f"{_v(c, 'de')} < Mindestversorgung {_v(minimum, 'de')}",
                    f"{_v(c, 'en')} < minimum coverage {_v(minimum, 'en')}",
                )

    def targets(self, basis: Fraction | None = None) -> list[Fraction]:
        """``e_i = basis × share_i``; the basis is the plan's own N unless given."""
        basis = self.used if basis is None else basis
        key = self.model.key
        columns = {
            name: [
                Fraction(k.population) if name == "population" else k.indicators.get(name, Fraction(0))
                for k in self.instance.kommunen
            ]
            for name in key
        }
        shares = [Fraction(0)] * len(self.kommune_names)
        for name, weight in key.items():
            total = sum(columns[name], Fraction(0))
            for i, x in enumerate(columns[name]):
                shares[i] += weight * x / total if total else Fraction(0)
        whole = sum(shares, Fraction(0))
        return [basis * s / whole if whole else Fraction(0) for s in shares]

    @QUOTA_RULE.check
    def quota_rule(self) -> None:
        if not self.model.quota_rule:
            return
        g = self.model.granularity_vzae
        for name, c, e in zip(self.kommune_names, self.coverage, self.targets(), strict=True):
            low, high = math.floor(e / g) * g, math.ceil(e / g) * g
            if not low <= c <= high:
                self.add(
                    QUOTA_RULE,
                    name,
                    f"{_v(c, 'de')} außerhalb [{_v(low, 'de')}, {_v(high, 'de')}]",
                    f"{_v(c, 'en')} outside [{_v(low, 'en')}, {_v(high, 'en')}]",
                )

    # ---- reported figures ----------------------------------------------------------------

    def reported(self, plan: dict[str, Any]) -> None:
        """The plan's own figures must match what its links imply."""

        def differs(reported: object, exact: Fraction, tolerance: Fraction = TOLERANCE) -> bool:
            try:
                return abs(to_fraction(reported) - exact) > tolerance
            except NumberError:
                return True

        def section(data: Any, key: str, kind: type) -> Any:
            value = data.get(key) if isinstance(data, dict) else None
            return value if isinstance(value, kind) else kind()

        summary: dict[str, Any] = section(plan, "summary", dict)
        for key, exact in (
            ("positions_used", self.used),
            ("kreis_vzae", self.kreis),
            ("partner_vzae", self.used - self.kreis),
            ("unused_vzae", self.instance.funding.positions_vzae - self.used),
        ):
            if key in summary and differs(summary[key], exact):
                self.add(
                    "plan",
                    f"summary.{key}",
                    f"angegeben {_reported(summary[key], 'de')}, aus den Verbindungen {_v(exact, 'de')}",
                    f"reported {_reported(summary[key], 'en')}, the links give {_v(exact, 'en')}",
                )
        own: dict[str, Any] = section(summary, "eigenanteil_eur", dict)
        total = self.pay_kreis + (0 if self.model.kreis_covers_kommunen else sum(self.pay_kommune, Fraction(0)))
        for key, exact in (("kreis", self.pay_kreis), ("total", total)):
            # shown euros are rounded so that the parts add up (kimopt.numbers.round_parts): within 1 €
            if key in own and differs(own[key], exact, Fraction(1)):
                self.add(
                    "plan",
                    f"summary.eigenanteil_eur.{key}",
                    f"angegeben {_reported(own[key], 'de', '€')}, berechnet {fmt_euros(exact)}",
                    f"reported {_reported(own[key], 'en', '€')}, computed {fmt_euros(exact, 'en')}",
                )
        for entry in section(plan, "hosts", list):
            if isinstance(entry, dict) and "vzae" in entry:
                exact = self.hosted.get((str(entry.get("host_type")), str(_nfc(entry.get("name")))), Fraction(0))
                if differs(entry["vzae"], exact):
                    self.add(
                        "plan",
                        f"hosts: {entry.get('name')}",
                        f"angegeben {_reported(entry['vzae'], 'de')}, aus den Verbindungen {_v(exact, 'de')}",
                        f"reported {_reported(entry['vzae'], 'en')}, the links give {_v(exact, 'en')}",
                    )
        try:
            basis: Fraction | None = (
                to_fraction(summary["target_basis_vzae"]) if "target_basis_vzae" in summary else None
            )
        except NumberError:
            basis = None
        if basis is not None and not self.used <= basis <= self.instance.funding.positions_vzae:
            self.add(
                "plan",
                "summary.target_basis_vzae",
                f"Bezugsgröße der Soll-Werte {_v(basis, 'de')} liegt nicht zwischen {_v(self.used, 'de')} "
                "und der Förderobergrenze",
                f"target basis {_v(basis, 'en')} is not between {_v(self.used, 'en')} and the funding cap",
            )
            basis = None
        targets = self.targets(basis)
        for entry in section(plan, "kommunen", list):
            i = self.lookup.get(str(_nfc(entry.get("name")))) if isinstance(entry, dict) else None
            if i is None:
                continue
            for key, exact in (("coverage_vzae", self.coverage[i]), ("target_vzae", targets[i])):
                if key in entry and differs(entry[key], exact):
                    self.add(
                        "plan",
                        f"kommunen: {entry['name']}.{key}",
                        f"angegeben {_reported(entry[key], 'de')}, berechnet {_v(exact, 'de')}",
                        f"reported {_reported(entry[key], 'en')}, computed {_v(exact, 'en')}",
                    )


def check_plan(
    instance: Instance, model: PlanningModel, plan: dict[str, Any], before: YearBefore | None = None
) -> list[Violation]:
    """Every rule the plan breaks (empty when it is valid), rule families in the order of
    :data:`kimopt.rules.RULES`, after the links themselves and before the reported figures.
    ``before``: the plan is a later year of a horizon, and this is what the year before left."""
    return checked(instance, model, plan, before=before).violations


def checked(
    instance: Instance,
    model: PlanningModel,
    plan: dict[str, Any],
    leave_out: frozenset[Rule] = frozenset(),
    before: YearBefore | None = None,
    figures: bool = True,
) -> _Checker:
    """The checker after a whole check of ``plan``, except the rule families ``leave_out``
    (a year of several checks its budgets over all Bausteine itself); ``figures=False``: the
    links against the rules only, not the reported figures (a trial plan of the horizon checker)."""
    checker = _Checker(instance, model, before)
    links = checker.read_links(plan)
    checker.granularity(links)
    checker.allowed_links(links)
    checker.totals(links)
    checker.payments(links)
    for rule in RULES:
        if rule not in leave_out:
            rule.check_plan(checker)
    if figures:
        checker.reported(plan)
    return checker
