"""The second level: one instance per territory with its VZÄ, their optimal plans, one summary.

Each territory becomes an instance (``instances/<ags>-<name>.yaml``): the Kreis (or
kreisfreie Stadt) with the VZÄ the round gave it, its Kommunen from the GV100AD (name, AGS,
population). What the GV100AD does not know comes from an optional *overlay* folder, one file
per territory named by its AGS (``05170.yaml`` or ``05170-kreis-wesel.yaml``), written like an
instance but partial:

* ``kreis``: any of its keys (``cost_per_vzae``, ``budget``, ``existing_vzae`` …);
* ``kommunen``: entries found by ``ags`` or ``name``, adding ``max_vzae`` (interest),
  ``budget``, ``share_with``, ``cost_per_vzae``, ``existing_vzae``, ``indicators`` …;
* ``traeger``: the territory's Träger, as in an instance.

A whole instance works as well (as ``kimopt import gv100 --land`` writes them, then edited):
its ``name`` and ``funding`` are replaced by the round's, its Kommunen must agree with the
GV100AD (AGS, population).

Without an overlay the Kreis holds the round's Bestand (``existing``) as its existing positions
and costs ``cost_per_vzae`` of the round file. The instances go through the usual batch
(:mod:`kimopt.analysis.batch`: parallel, resumable with ``--resume``, every plan checked); the
summary reads every plan back and adds up exactly: Land → territory → Kommune, the
Kommunen's coverage adds up to what the territory uses, the territories' VZÄ to the Land's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from kimopt.errors import Finding, InputError
from kimopt.io.gv100 import SOURCE, short_names, slug
from kimopt.io.reader import read_document
from kimopt.labels import t
from kimopt.land.allocate import Allocation
from kimopt.land.territories import Territory
from kimopt.numbers import decimal_vzae, fmt_number, to_fraction

OVERLAY_SUFFIXES = (".yaml", ".yml", ".json")


def overlay_files(folder: Path | None, found: list[Territory]) -> dict[str, Path]:
    """The overlay file of each territory that has one (``<ags>.yaml`` or ``<ags>-….yaml``)."""
    if folder is None:
        return {}
    if not folder.is_dir():
        raise InputError(folder, [Finding((), "file_missing", {})])
    keys = {t.ags for t in found}
    out: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in OVERLAY_SUFFIXES or path.name.startswith("."):
            continue
        ags = path.stem.split("-")[0]
        if ags in keys:
            if ags in out:
                raise InputError(path, [Finding((), "overlay_twice", {"value": ags})])
            out[ags] = path
    return out


def _number(value: Fraction) -> int | float:
    """A VZÄ for YAML: an int, or a float whose repr is the exact decimal (steps are decimals)."""
    return int(value) if value.denominator == 1 else float(value)


def instance_data(
    territory: Territory, vzae: Fraction, existing: Fraction, year: int, rate: int, cost: int, overlay: Path | None
) -> dict[str, Any]:
    """The instance of one territory (see the module docstring), overlay applied."""
    gemeinden = list(territory.gemeinden)
    kommunen: list[dict[str, Any]] = [
        {"name": name, "ags": g.ags, "population": g.population}
        for g, name in zip(gemeinden, short_names(gemeinden), strict=True)
    ]
    data: dict[str, Any] = {
        "name": f"{territory.name} {year}",
        "kreis": {
            "name": territory.name,
            "ags": territory.ags,
            "cost_per_vzae": cost,
            "budget": None,
            "existing_vzae": _number(existing),
        },
        "funding": {"year": year, "positions_vzae": _number(vzae), "rate_per_vzae": rate},
        "kommunen": kommunen,
        "traeger": [],
    }
    if overlay is None:
        return data
    document = read_document(overlay)
    extra = document.data
    findings = []
    for key in extra:
        # a whole instance may serve as overlay (as `import gv100` wrote it, then edited):
        # its name and funding are the round's
        if key not in ("kreis", "kommunen", "traeger", "name", "funding"):
            findings.append(Finding((key,), "overlay_key", {"value": key}))
    kreis = extra.get("kreis") or {}
    if not isinstance(kreis, dict):
        findings.append(Finding(("kreis",), "not_mapping", {"value": kreis}))
        kreis = {}
    if kreis.get("ags", territory.ags) != territory.ags:
        findings.append(Finding(("kreis", "ags"), "overlay_differs", {"value": kreis["ags"], "limit": territory.ags}))
    data["kreis"].update({k: v for k, v in kreis.items() if k not in ("name", "ags")})
    if "existing_vzae" not in kreis:
        # the round's Bestand counts positions anywhere in the territory
        elsewhere = sum(
            (
                to_fraction(e.get("existing_vzae", 0))
                for section in ("kommunen", "traeger")
                for e in (extra.get(section) or [])
                if isinstance(e, dict)
            ),
            Fraction(0),
        )
        data["kreis"]["existing_vzae"] = _number(max(Fraction(0), existing - elsewhere))
    index = {}
    for n, k in enumerate(kommunen):
        index[k["name"]] = n
        index[k["ags"]] = n
    for j, entry in enumerate(extra.get("kommunen") or []):
        if not isinstance(entry, dict):
            findings.append(Finding(("kommunen", j), "not_mapping", {"value": entry}))
            continue
        ref = entry.get("ags", entry.get("name"))
        if ref not in index:
            findings.append(Finding(("kommunen", j), "overlay_kommune", {"value": ref}))
            continue
        target = kommunen[index[ref]]
        if "population" in entry and entry["population"] != target["population"]:
            findings.append(
                Finding(
                    ("kommunen", j, "population"),
                    "overlay_differs",
                    {"value": entry["population"], "limit": target["population"]},
                )
            )
        target.update({k: v for k, v in entry.items() if k not in ("name", "ags", "population")})
    data["traeger"] = list(extra.get("traeger") or [])
    if findings:
        raise document.error(findings)
    return data


class _Dumper(yaml.SafeDumper):
    """Quotes keys made of digits (``"05170"``), so no YAML reader takes an AGS for a number."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "'" if value.isdigit() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def instance_text(data: dict[str, Any], territory: Territory, round_name: str) -> str:
    header = (
        f"# {territory.name}: die VZÄ aus der Förderrunde {round_name!r} (kimopt round).\n"
        f"# Kommunen aus dem GV100AD; {SOURCE}.\n"
    )
    return header + yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)


@dataclass
class PlannedTerritory:
    """One territory's line of the two-level summary (read back from its plan)."""

    ags: str
    name: str
    population: int
    vzae: Fraction
    instance: str = ""
    status: str = ""
    error: str = ""
    plan: dict[str, Any] | None = None
    kommunen: list[dict[str, Any]] = field(default_factory=list)

    def _figure(self, key: str) -> Fraction:
        if self.plan is None:
            return Fraction(0)
        return to_fraction(self.plan["summary"][key])

    @property
    def used(self) -> Fraction:
        return self._figure("positions_used")

    @property
    def kreis_vzae(self) -> Fraction:
        return self._figure("kreis_vzae")

    def hosted(self, kind: str) -> Fraction:
        if self.plan is None:
            return Fraction(0)
        return sum((to_fraction(h["vzae"]) for h in self.plan["hosts"] if h["host_type"] == kind), Fraction(0))

    @property
    def eigenanteil(self) -> int:
        return int(self.plan["summary"]["eigenanteil_eur"]["total"]) if self.plan else 0


def read_plans(
    allocation: Allocation, instances: dict[str, Path], plans: dict[str, Path], rows: dict[str, Any]
) -> list[PlannedTerritory]:
    """Every territory with its plan (where one was made), in AGS order."""
    out = []
    for territory, vzae in zip(allocation.territories, allocation.vzae, strict=True):
        entry = PlannedTerritory(territory.ags, territory.name, territory.population, vzae)
        if territory.ags in instances:
            entry.instance = instances[territory.ags].name
            row = rows.get(territory.ags)
            entry.status = row.status if row else ""
            entry.error = row.error if row else ""
            path = plans[territory.ags]
            if row is not None and row.has_plan and path.exists():
                entry.plan = json.loads(path.read_text(encoding="utf-8"))
                entry.kommunen = entry.plan["kommunen"]
        else:
            entry.status = "NO_POSITIONS"
        out.append(entry)
    return out


def sums(planned: list[PlannedTerritory], allocation: Allocation) -> dict[str, Any]:
    """The exact sums of both levels and whether they add up."""
    allocated = sum((p.vzae for p in planned), Fraction(0))
    used = sum((p.used for p in planned), Fraction(0))
    coverage_ok = all(
        sum((to_fraction(k["coverage_vzae"]) for k in p.kommunen), Fraction(0)) == p.used
        for p in planned
        if p.plan is not None
    )
    hosted_ok = all(
        p.hosted("kreis") + p.hosted("kommune") + p.hosted("traeger") == p.used for p in planned if p.plan is not None
    )
    return {
        "allocated_vzae": decimal_vzae(allocated),
        "total_vzae": decimal_vzae(allocation.total),
        "used_vzae": decimal_vzae(used),
        "kreis_vzae": decimal_vzae(sum((p.hosted("kreis") for p in planned), Fraction(0))),
        "kommunen_vzae": decimal_vzae(sum((p.hosted("kommune") for p in planned), Fraction(0))),
        "traeger_vzae": decimal_vzae(sum((p.hosted("traeger") for p in planned), Fraction(0))),
        "eigenanteil_eur": sum(p.eigenanteil for p in planned),
        "territories_with_plan": sum(p.plan is not None for p in planned),
        "adds_up": allocated + (allocation.undecided.seats * allocation.step if allocation.undecided else 0)
        == allocation.total
        and coverage_ok
        and hosted_ok,
    }


HEAD = [
    ("Ebene", "Level"),
    ("AGS", "AGS"),
    ("Name", "Name"),
    ("Einwohner", "Population"),
    ("VZÄ zugeteilt", "VZÄ allocated"),
    ("Status", "Status"),
    ("VZÄ genutzt / Ist", "VZÄ used / coverage"),
    ("Soll (Schlüssel)", "Target (key)"),
    ("beim Kreis", "at the Kreis"),
    ("bei Kommunen", "at Kommunen"),
    ("bei Trägern", "at Träger"),
    ("Eigenanteil €/Jahr", "Own share €/year"),
]


def summary_rows(planned: list[PlannedTerritory], allocation: Allocation, lang: str) -> list[list[Any]]:
    """Rows of the two-level summary as values (numbers stay exact fractions or ints)."""
    total = sums(planned, allocation)
    level = [t(lang, "Land", "Land"), t(lang, "Gebiet", "Territory"), t(lang, "Kommune", "Kommune")]
    out: list[list[Any]] = [
        [
            level[0],
            allocation.round.land,
            allocation.land_name or allocation.round.name,
            allocation.population,
            sum((p.vzae for p in planned), Fraction(0)),
            "",
            sum((p.used for p in planned), Fraction(0)),
            None,
            sum((p.hosted("kreis") for p in planned), Fraction(0)),
            sum((p.hosted("kommune") for p in planned), Fraction(0)),
            sum((p.hosted("traeger") for p in planned), Fraction(0)),
            total["eigenanteil_eur"],
        ]
    ]
    for p in planned:
        out.append(
            [
                level[1],
                p.ags,
                p.name,
                p.population,
                p.vzae,
                p.status or "",
                p.used,
                None,
                p.hosted("kreis"),
                p.hosted("kommune"),
                p.hosted("traeger"),
                p.eigenanteil,
            ]
        )
        hosts = {h["name"]: h for h in (p.plan or {}).get("hosts", []) if h["host_type"] == "kommune"}
        for k in p.kommunen:
            own = to_fraction(hosts[k["name"]]["vzae"]) if k["name"] in hosts else Fraction(0)
            out.append(
                [
                    level[2],
                    k.get("ags") or "",
                    k["name"],
                    k["population"],
                    None,
                    "",
                    to_fraction(k["coverage_vzae"]),
                    to_fraction(k["target_vzae"]),
                    None,
                    own,
                    None,
                    None,
                ]
            )
    return out


def summary_csv(planned: list[PlannedTerritory], allocation: Allocation, lang: str) -> str:
    from kimopt.report.csv import tables_csv
    from kimopt.report.tables import Table

    def cell(value: Any, column: int) -> str:
        if value is None:
            return ""
        if isinstance(value, Fraction):
            return fmt_number(value, 3 if column == 7 else 1, lang)
        if isinstance(value, int) and column in (3, 11):
            return fmt_number(value, 0, lang)
        return str(value)

    body = [[cell(v, c) for c, v in enumerate(row)] for row in summary_rows(planned, allocation, lang)]
    table = Table("land", "", [h[0 if lang == "de" else 1] for h in HEAD], body)
    return tables_csv([table], lang)


def summary_xlsx(planned: list[PlannedTerritory], allocation: Allocation, lang: str) -> bytes:
    """One sheet, Land → Gebiet → Kommune as Excel outline levels (fold with +/−)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from kimopt.io.excel import set_text, workbook_bytes

    book = Workbook()
    sheet = book.active
    sheet.title = t(lang, "Land-Gebiet-Kommune", "Land-territory-Kommune")
    for c, head in enumerate(HEAD, start=1):
        set_text(sheet.cell(1, c), head[0 if lang == "de" else 1])
        sheet.cell(1, c).font = Font(bold=True)
    formats = {3: "#,##0", 4: "0.0", 6: "0.0", 7: "0.000", 8: "0.0", 9: "0.0", 10: "0.0", 11: '#,##0 "€"'}
    levels = {t(lang, "Land", "Land"): 0, t(lang, "Gebiet", "Territory"): 1, t(lang, "Kommune", "Kommune"): 2}
    for r, row in enumerate(summary_rows(planned, allocation, lang), start=2):
        for c, value in enumerate(row):
            cell = sheet.cell(r, c + 1)
            if isinstance(value, str):
                set_text(cell, value)
            elif value is not None:
                cell.value = float(value) if isinstance(value, Fraction) else value
                cell.number_format = formats.get(c, "General")
        depth = levels.get(row[0], 0)
        if depth:
            sheet.row_dimensions[r].outline_level = depth
        if depth < 2:
            for c in range(1, len(HEAD) + 1):
                sheet.cell(r, c).font = Font(bold=True) if depth == 0 else Font()
    sheet.sheet_properties.outlinePr.summaryBelow = False
    for c, width in enumerate([10, 10, 38, 12, 12, 12, 14, 12, 12, 12, 12, 16], start=1):
        sheet.column_dimensions[sheet.cell(1, c).column_letter].width = width
    sheet.freeze_panes = "A2"
    return workbook_bytes(book)


def summary_json(planned: list[PlannedTerritory], allocation: Allocation) -> dict[str, Any]:
    return {
        "round": allocation.round.name,
        "sums": sums(planned, allocation),
        "territories": [
            {
                "ags": p.ags,
                "name": p.name,
                "population": p.population,
                "vzae": decimal_vzae(p.vzae),
                "instance": p.instance,
                "status": p.status,
                "error": p.error,
                "used_vzae": decimal_vzae(p.used),
                "kreis_vzae": decimal_vzae(p.hosted("kreis")),
                "kommunen_vzae": decimal_vzae(p.hosted("kommune")),
                "traeger_vzae": decimal_vzae(p.hosted("traeger")),
                "eigenanteil_eur": p.eigenanteil,
                "kommunen": [
                    {
                        "name": k["name"],
                        "ags": k.get("ags"),
                        "population": k["population"],
                        "target_vzae": k["target_vzae"],
                        "coverage_vzae": k["coverage_vzae"],
                    }
                    for k in p.kommunen
                ],
            }
            for p in planned
        ],
    }


def instance_name(territory: Territory) -> str:
    return f"{territory.ags}-{slug(territory.name)}.yaml"


@dataclass(frozen=True)
class PlansResult:
    """What ``--plans`` wrote and how the batch went."""

    planned: list[PlannedTerritory]
    rows: list[Any]
    written: list[Path]
    exit_code: int
    interrupted: bool = False


def instance_texts(allocation: Allocation, overlay: Path | None, year: int) -> tuple[dict[str, Path], dict[str, str]]:
    """The overlay files and the instance text of every territory with VZÄ > 0 (by AGS).

    Every overlay is read here, so ``round --plans`` refuses a broken one before it writes
    anything (the round's own files included).
    """
    r = allocation.round
    overlays = overlay_files(overlay, list(allocation.territories))
    texts: dict[str, str] = {}
    for territory, vzae in zip(allocation.territories, allocation.vzae, strict=True):
        if vzae > 0:
            existing = r.existing.get(territory.ags, Fraction(0))
            data = instance_data(
                territory, vzae, existing, year, r.rate_per_vzae, r.cost_per_vzae, overlays.get(territory.ags)
            )
            texts[territory.ags] = instance_text(data, territory, r.name)
    return overlays, texts


def write_instances(
    allocation: Allocation, folder: Path, overlay: Path | None, year: int, protected: list[Path]
) -> dict[str, Path]:
    """One instance per territory with VZÄ > 0; unchanged files are left as they are (resume).

    No instance is written over an input (the round file, an overlay, …): that is refused.
    """
    from kimopt.io.atomic import Outputs

    overlays, texts = instance_texts(allocation, overlay, year)
    outputs = Outputs([*protected, *overlays.values()])
    for territory in allocation.territories:
        outputs.check(folder / instance_name(territory), folder_planned=True)
    outputs.folder(folder)
    written: dict[str, Path] = {}
    for territory in allocation.territories:
        if territory.ags not in texts:
            continue
        text = texts[territory.ags]
        path = folder / instance_name(territory)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            outputs.add(path, text)
        written[territory.ags] = path
    outputs.commit()  # every instance, or none
    return written


def run_plans(
    allocation: Allocation,
    folder: Path,
    overlay: Path | None,
    year: int,
    model: Path | None,
    processes: int,
    solver_workers: int,
    resume: bool,
    time_limit: float | None,
    lang: str,
    protected: list[Path] | None = None,
) -> PlansResult:
    """Instances, the batch of their plans and the two-level summary in ``folder``."""
    from kimopt.analysis.batch import Interrupted, Progress, Task, exit_code, run_batch, summary_outputs
    from kimopt.io.atomic import Outputs, make_folder
    from kimopt.plan import dumps

    instances = write_instances(allocation, folder / "instances", overlay, year, protected or [])
    plan_folder = folder / "plans"
    make_folder(plan_folder)
    plans = {ags: plan_folder / (path.name[: -len(".yaml")] + ".plan.json") for ags, path in instances.items()}
    order = list(instances)
    tasks = [Task(instances[a], plans[a], model, time_limit, solver_workers, resume, lang) for a in order]
    progress = Progress(len(tasks), lang)
    interrupted = False
    try:
        batch_rows = run_batch(tasks, processes, progress)
    except Interrupted as stop:
        batch_rows = [row for row in stop.rows if row is not None]
        interrupted = True
    progress.close()
    by_file = {row.file: row for row in batch_rows}
    rows = {a: by_file.get(str(instances[a])) for a in order}
    planned = read_plans(allocation, instances, plans, {a: r for a, r in rows.items() if r is not None})
    summaries = [
        *summary_outputs(batch_rows, folder, lang),
        (folder / "land-summary.csv", summary_csv(planned, allocation, lang).encode("utf-8")),
        (folder / "land-summary.xlsx", summary_xlsx(planned, allocation, lang)),
        (folder / "land-summary.json", dumps(summary_json(planned, allocation)).encode("utf-8")),
    ]
    outputs = Outputs(protected or [])
    for path, data in summaries:
        outputs.add(path, data)
    outputs.commit()  # both summaries, or neither
    code = 130 if interrupted else exit_code(batch_rows)
    return PlansResult(planned, batch_rows, [path for path, _ in summaries], code, interrupted)
