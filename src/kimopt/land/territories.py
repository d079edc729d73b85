"""The territories of a round: every Kreis and kreisfreie Stadt of the Land, with overrides.

A territory is what receives positions from the Land: by default each record of type 40 of
the GV100AD (a Kreis or kreisfreie Stadt) with its populated Gemeinden. The round file's
``territories`` change that list in file order (see :mod:`kimopt.land.round_file`): a split
takes Gemeinden out of their territory into a new one, a merge joins territories, an entry
with neither renames. A territory's population is the sum over its Gemeinden, as published.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace

from kimopt.errors import Finding
from kimopt.io.gv100 import Directory, Gemeinde, KreisRecord
from kimopt.io.reader import Document
from kimopt.land.round_file import RoundFile


@dataclass(frozen=True)
class Territory:
    """A KI-Kommune of the round: key, name and its Gemeinden (in AGS order)."""

    ags: str
    name: str
    gemeinden: tuple[Gemeinde, ...]
    kreisfrei: bool  # a single city: the instance's only Kommune is the city itself

    @property
    def population(self) -> int:
        return sum(g.population for g in self.gemeinden)


def gemeinde_name(gemeinde: Gemeinde) -> str:
    """``Aachen, Stadt`` → ``Stadt Aachen`` (as a kreisfreie Stadt is named)."""
    return KreisRecord(gemeinde.ags, gemeinde.name, "41").display_name


def territories(directory: Directory, round_: RoundFile, document: Document) -> list[Territory]:
    """The round's territories in key order; every override problem as one :class:`InputError`."""
    records = directory.land(round_.land)
    by_kreis: dict[str, list[Gemeinde]] = {r.key: [] for r in records}
    for g in directory.gemeinden:  # one pass, as Directory.populated does per Kreis
        if g.population > 0 and g.kreis in by_kreis:
            by_kreis[g.kreis].append(g)
    current: dict[str, Territory] = {
        r.key: Territory(r.key, r.display_name, tuple(by_kreis[r.key]), r.kreisfrei) for r in records
    }
    gemeinden = {g.ags: g for members in by_kreis.values() for g in members}
    findings: list[Finding] = []
    claimed: set[str] = set()
    for j, override in enumerate(round_.territories):
        loc = ("territories", j)
        if override.gemeinden:
            if override.ags in current:
                findings.append(Finding((*loc, "ags"), "round_territory_exists", {"value": override.ags}))
                continue
            taken = []
            for n, ags in enumerate(override.gemeinden):
                if ags not in gemeinden:
                    findings.append(Finding((*loc, "gemeinden", n), "round_unknown_gemeinde", {"value": ags}))
                elif ags in claimed:
                    findings.append(Finding((*loc, "gemeinden", n), "round_gemeinde_twice", {"value": ags}))
                else:
                    claimed.add(ags)
                    taken.append(gemeinden[ags])
            if not taken:
                continue
            for key, territory in list(current.items()):
                rest = tuple(g for g in territory.gemeinden if g.ags not in claimed)
                if len(rest) != len(territory.gemeinden):
                    current[key] = replace(territory, gemeinden=rest)
            name = override.name or (gemeinde_name(taken[0]) if len(taken) == 1 else override.ags)
            current[override.ags] = Territory(
                override.ags, name, tuple(sorted(taken, key=lambda g: g.ags)), len(taken) == 1
            )
        elif override.kreise:
            if override.ags in current and override.ags not in override.kreise:
                findings.append(Finding((*loc, "ags"), "round_territory_exists", {"value": override.ags}))
                continue
            parts = []
            for n, ags in enumerate(override.kreise):
                if ags not in current:
                    findings.append(
                        Finding((*loc, "kreise", n), "round_unknown_territory", {"value": ags, **_hint(ags, current)})
                    )
                else:
                    parts.append(current.pop(ags))
            if parts:
                joined = tuple(sorted((g for p in parts for g in p.gemeinden), key=lambda g: g.ags))
                name = override.name or " / ".join(p.name for p in parts)
                current[override.ags] = Territory(override.ags, name, joined, False)
        elif override.ags in current:
            if override.name:
                current[override.ags] = replace(current[override.ags], name=override.name)
        else:
            findings.append(
                Finding(
                    (*loc, "ags"), "round_unknown_territory", {"value": override.ags, **_hint(override.ags, current)}
                )
            )
    for key, territory in current.items():
        if not territory.gemeinden:
            findings.append(Finding(("territories",), "round_empty_territory", {"value": key}))
    if findings:
        raise document.error(findings)
    return [current[key] for key in sorted(current)]


def _hint(ags: str, current: dict[str, Territory]) -> dict[str, str]:
    hint = difflib.get_close_matches(ags, list(current), n=1, cutoff=0.6)
    return {"hint": hint[0]} if hint else {}


def check_keys(round_: RoundFile, found: list[Territory], document: Document) -> None:
    """Every AGS in ``existing``, ``maximum`` and ``tie_winners`` names a territory."""
    known = {t.ags: t for t in found}
    findings = []
    for section in ("existing", "maximum"):
        for ags in getattr(round_, section):
            if ags not in known:
                findings.append(Finding((section, ags), "round_unknown_territory", {"value": ags, **_hint(ags, known)}))
    for n, ags in enumerate(round_.tie_winners):
        if ags not in known:
            findings.append(Finding(("tie_winners", n), "round_unknown_territory", {"value": ags, **_hint(ags, known)}))
    if findings:
        raise document.error(findings)
