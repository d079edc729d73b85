"""Which instance of the start page's folder a plan workbook was written for.

A plan workbook (``report -o plan.xlsx``) records on its sheet „Übersicht“ the instance's name
and the checksum of the inputs (:func:`kimopt.plan.input_sha256`). The instance of the folder
with that checksum is the one; failing that, the one instance of that name (the file or the
model changed since, which the page then says); failing that, the page names the instance the
workbook needs. The workbook itself is only read (within the bounds of every table reader).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kimopt.errors import InputError

if TYPE_CHECKING:
    from kimopt.data import Instance
    from kimopt.io.excel.plan_sheet import PlanSheet


@dataclass(frozen=True)
class Match:
    """The instance a workbook belongs to (``None``: none of the folder), and what to say about it."""

    workbook: str
    instance: Path | None
    text: str
    years: tuple[tuple[dict[str, Any], ...], ...] = ()  # the workbook's „Zuordnung“ per year, to compare


def instance_for(workbook: Path, candidates: Sequence[Path], model_path: Path | None, name: str = "") -> Match:
    """The instance among ``candidates`` that ``workbook`` (called ``name`` on the page) was written
    for: by checksum, else by name."""
    from kimopt.io.plan_file import read_plan_source
    from kimopt.load import load_inputs
    from kimopt.plan_source import recorded_for

    name = name or workbook.name
    try:
        sheet = read_plan_source(workbook).sheet  # the one plan reader: a workbook gives its sheet
    except InputError as exc:
        return Match(name, None, exc.render("de", limit=10).replace(str(workbook), name))
    assert sheet is not None, "serve opens only workbooks as plans"
    recorded, checksum = sheet.instance, sheet.input_sha256
    if not recorded and not checksum:
        return Match(
            name,
            None,
            f"{name} nennt keine Instanz (Blatt „Übersicht“ ohne „Instanz“ und Prüfsumme): die Instanz selbst "
            f"öffnen; prüfen mit „kimopt check INSTANZ {name}“.",
        )
    named: list[tuple[Path, tuple[tuple[dict[str, Any], ...], ...]]] = []
    for path in candidates:
        try:
            inputs = load_inputs(path, model_path)
            years = _links_by_year(sheet, inputs.instance)
        except InputError:
            continue  # an instance that cannot be read (or whose years the sheet lacks) is no match
        verdict = recorded_for(recorded, checksum, inputs.instance, inputs.model)
        if verdict == "same":
            return Match(name, path, f"Geöffnet aus der Planmappe {name}: sie wurde für {path.name} berechnet.", years)
        if recorded and inputs.instance.name == recorded:  # "changed", or no checksum recorded
            named.append((path, years))
    wanted = f"„{recorded}“" if recorded else "ihre Instanz"
    if len(named) == 1:
        path, years = named[0]
        return Match(
            name,
            path,
            f"Geöffnet aus der Planmappe {name} mit {path.name} ({wanted}); die Prüfsumme passt nicht: "
            "Instanz oder Modell wurden seit der Berechnung geändert. Die Seite rechnet mit der Datei.",
            years,
        )
    if named:
        files = ", ".join(p.name for p, _ in named)
        return Match(
            name, None, f"{name} gehört zu {wanted}; so heißen mehrere Dateien ({files}): die richtige öffnen."
        )
    fingerprint = f" (Prüfsumme {checksum[:16]}…)" if checksum else ""
    return Match(
        name,
        None,
        f"{name} ist eine Planmappe für die Instanz {wanted}{fingerprint}; keine Instanz in diesem Ordner passt: "
        "die Instanzdatei, aus der sie berechnet wurde, in den Ordner legen.",
    )


def _key(link: dict[str, Any]) -> tuple[str, str, str, Fraction]:
    return (str(link["host_type"]), str(link["host"]), str(link["kommune"]), Fraction(str(link["vzae"])))


def _links_by_year(sheet: PlanSheet, instance: Instance) -> tuple[tuple[dict[str, Any], ...], ...]:
    """The sheet's links of each year of ``instance`` (a sheet without „Jahr“: the one year)."""
    from kimopt.horizon import expand
    from kimopt.io.excel.plan_sheet import link_entries

    years = [year.year for year in expand(instance)]
    return tuple(tuple(link_entries(rows)) for rows in sheet.by_year(years))


def agreement(match: Match, plan: dict[str, Any] | None, instance: str) -> str:
    """Whether the workbook's „Zuordnung“ is the plan the page computed from the file, every year."""
    if plan is None:
        return ""
    computed = [entry["links"] for entry in plan["years"]] if plan.get("years") else [plan["links"]]
    differ = set()
    for mine, theirs in zip(match.years, computed, strict=False):
        differ |= {_key(link) for link in mine} ^ {_key(link) for link in theirs}
    if not differ and len(match.years) == len(computed):
        return "Ihre „Zuordnung“ ist der Plan aus der Datei" + (" in jedem Jahr." if len(computed) > 1 else ".")
    hosts = len({(kind, host) for kind, host, _, _ in differ})
    return (
        f"Ihre „Zuordnung“ weicht vom Plan aus der Datei ab (bei {hosts} Anstellungsträger(n)); "
        f"prüfen mit „kimopt check {instance} {match.workbook}“."
    )
