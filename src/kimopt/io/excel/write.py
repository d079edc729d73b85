"""Writing workbooks: instances as commented, validated sheets, and the cell and format
helpers that other writers (the Excel report) share."""

from __future__ import annotations

import io
import math
import re
import zipfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kimopt.data import Instance
from kimopt.errors import Finding, InputError, Loc
from kimopt.io.excel.schema import (
    AUTHORITIES,
    BUDGET_COMMENT,
    BUDGET_PREFIX,
    CHANGES,
    COORDINATION,
    COST_COMMENT,
    COST_PREFIX,
    FROM_YEAR,
    FUNDING,
    INDICATOR_COMMENT,
    INDICATOR_PREFIX,
    KOMMUNEN,
    KREIS,
    NOTES_TITLE,
    TRAEGER,
    UNTIL_YEAR,
    YEARS,
    Field,
    Sheet,
)
from kimopt.numbers import fraction_text

TEMPLATE_ROWS = 500  # rows of the tables that get data validation and formats
EURO_FORMAT = '#,##0 "€"'
COUNT_FORMAT = "#,##0"
VZAE_FORMAT = "0.0###"
TEXT_FORMAT = "@"
FORMATS = {
    "count": COUNT_FORMAT,
    "euro": EURO_FORMAT,
    "vzae": VZAE_FORMAT,
    "text": TEXT_FORMAT,
    "ags5": TEXT_FORMAT,
    "ags8": TEXT_FORMAT,
    "names": TEXT_FORMAT,
    "number": "General",
    "flag": "General",
    "raw": "General",
}
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
WRAP = Alignment(wrap_text=True, vertical="top")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MAX_EXACT_INT = 10**15


def set_text(cell: Any, text: str) -> None:
    """Write ``text`` as a string Excel never evaluates, even when it starts with ``=``.

    The cell gets the string type explicitly (openpyxl would otherwise store ``=…`` as a
    formula) and, for text that looks like a formula, the quote prefix Excel sets for text
    typed with a leading apostrophe, so that editing the cell does not turn it into one.
    """
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True


def check_text(text: str) -> bool:
    """Whether Excel can store ``text`` (no control characters other than tab/newline)."""
    return ILLEGAL_CHARACTERS_RE.search(text) is None


_DATES = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def workbook_bytes(workbook: Any) -> bytes:
    """The workbook as ``.xlsx`` bytes that depend on its content only.

    openpyxl stamps the save time into the document properties and into every zip entry;
    both are removed, so the same input gives the same file (reproducible reports, tests).
    """
    buffer = io.BytesIO()
    workbook.save(buffer)
    stable = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(stable, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _DATES.sub(b"", data)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return stable.getvalue()


def _number_cell(value: Fraction | int) -> int | float | str:
    """The value to store: a number when Excel keeps it exactly, else exact text (``1/3``)."""
    number = Fraction(value)
    if number.denominator == 1 and abs(number) < _MAX_EXACT_INT:
        return int(number)
    as_float = float(number)
    if math.isfinite(as_float) and Fraction(Decimal(format(as_float, ".15g"))) == number:
        return as_float
    return fraction_text(number)


class _Writer:
    """Builds an instance workbook: the sheets of the contract with comments and validations."""

    def __init__(self, source: Path | None) -> None:
        self.workbook = Workbook()
        self.source = source
        self.findings: list[Finding] = []

    def _text(self, cell: Any, text: str, loc: Loc) -> None:
        if not check_text(text):
            self.findings.append(Finding(loc, "xlsx_illegal_text", {"value": text}))
            return
        set_text(cell, text)

    def value(self, cell: Any, value: Any, kind: str, loc: Loc) -> None:
        cell.number_format = FORMATS[kind]
        if value is None:
            return
        if kind == "flag":
            set_text(cell, "ja" if value else "nein")
        elif kind == "names":
            self._text(cell, "; ".join(value), loc)
        elif kind in {"text", "ags5", "ags8"} or (kind == "raw" and isinstance(value, str)):
            self._text(cell, str(value), loc)
        else:
            stored = _number_cell(value)
            if isinstance(stored, str):
                cell.number_format = TEXT_FORMAT
                set_text(cell, stored)
            else:
                cell.value = stored

    def header(self, cell: Any, text: str, comment: str, key: str | None) -> None:
        set_text(cell, text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
        if key:
            comment += f"\n\nSchlüssel in YAML/JSON: {key}"
        note = Comment(comment, "kimopt")
        note.width = 320
        note.height = 40 + 16 * (len(comment) // 45 + 3)
        cell.comment = note

    def pairs(self, sheet: Sheet, data: dict[str, Any]) -> Any:
        worksheet = self.workbook.create_sheet(sheet.title)
        for column, text in enumerate(("Angabe", "Wert", "Erläuterung"), start=1):
            cell = worksheet.cell(1, column)
            comment = {
                1: "Was angegeben wird (nicht ändern).",
                2: "Ihre Angabe; leere Zelle = nicht angegeben.",
                3: "Erklärung der Angabe; wird beim Einlesen nicht gelesen.",
            }[column]
            self.header(cell, text, comment, None)
        for row, field in enumerate(sheet.fields, start=2):
            label = worksheet.cell(row, 1)
            self.header(label, field.label, field.comment, ".".join(field.path))
            node: Any = data
            for key in field.path:
                node = node.get(key) if isinstance(node, dict) else None
            self.value(worksheet.cell(row, 2), node, field.kind, field.path)
            set_text(worksheet.cell(row, 3), field.comment)
            worksheet.cell(row, 3).alignment = WRAP
            _validate(
                worksheet, field.kind, f"B{row}", positive=field.key == "positions_vzae", year=field.key == "year"
            )
        worksheet.column_dimensions["A"].width = 28
        worksheet.column_dimensions["B"].width = 22
        worksheet.column_dimensions["C"].width = 90
        worksheet.freeze_panes = "A2"
        return worksheet

    def table(
        self,
        sheet: Sheet,
        records: list[dict[str, Any]],
        indicators: list[str],
        named: tuple[tuple[Field, str], ...] = (),
    ) -> Any:
        """A table sheet; ``indicators`` and ``named`` add one column per named entry of a mapping
        (``indicators``; a year's ``costs`` and ``budgets``), the field giving label, kind and section."""
        worksheet = self.workbook.create_sheet(sheet.title)
        columns: list[tuple[Field, str | None]] = [(f, None) for f in sheet.fields]
        columns += [
            (Field(("indicators",), INDICATOR_PREFIX + name, "number", INDICATOR_COMMENT), name) for name in indicators
        ]
        columns += list(named)
        assert sheet.record is not None
        for c, (field, indicator) in enumerate(columns, start=1):
            key = f"{field.key}.{indicator}" if indicator else (field.yaml or field.key)
            self.header(worksheet.cell(1, c), field.label, field.comment, key)
            letter = get_column_letter(c)
            texts = [str(r.get(field.key, "")) for r in records if field.kind == "text"]
            widest = max([len(field.label) + 2, field.width, *(len(t) + 2 for t in texts)])
            worksheet.column_dimensions[letter].width = min(widest, 50)
            if FORMATS[field.kind] != "General":
                worksheet.column_dimensions[letter].number_format = FORMATS[field.kind]
            last = max(TEMPLATE_ROWS, len(records) + 1)
            _validate(worksheet, field.kind, f"{letter}2:{letter}{last}")
            for i, record in enumerate(records):
                if indicator:
                    value = (record.get(field.key) or {}).get(indicator)
                    loc: Loc = (sheet.record, i, field.key, indicator)
                else:
                    value, loc = record.get(field.key), (sheet.record, i, field.key)
                self.value(worksheet.cell(i + 2, c), value, field.kind, loc)
        worksheet.row_dimensions[1].height = 32
        worksheet.freeze_panes = "B2"
        return worksheet

    def notes(self) -> None:
        worksheet = self.workbook.create_sheet(NOTES_TITLE)
        worksheet.column_dimensions["A"].width = 110
        for row, line in enumerate(NOTES, start=1):
            cell = worksheet.cell(row, 1)
            set_text(cell, line)
            cell.alignment = WRAP
            if row == 1:
                cell.font = TITLE_FONT

    def to_bytes(self) -> bytes:
        if self.findings:
            raise InputError(self.source, self.findings)
        self.workbook.active = 0
        return workbook_bytes(self.workbook)


def _validate(worksheet: Any, kind: str, ref: str, positive: bool = False, year: bool = False) -> None:
    """Data validation for typing: numbers ≥ 0 (whole where whole numbers are meant), ja/nein."""
    if kind == "flag":
        rule = DataValidation(type="list", formula1='"ja,nein"', allow_blank=True)
        rule.error = "Bitte „ja“ oder „nein“ wählen."
    elif year:
        rule = DataValidation(type="whole", operator="between", formula1="1990", formula2="2100", allow_blank=True)
        rule.error = "Bitte ein Jahr wie 2022 eingeben."
    elif kind in {"count", "euro"}:
        rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        rule.error = (
            "Bitte eine ganze Zahl ≥ 0 eingeben (Euro ohne Cent)."
            if kind == "euro"
            else "Bitte eine ganze Zahl ≥ 0 eingeben."
        )
    elif kind in {"vzae", "number"}:
        operator = "greaterThan" if positive else "greaterThanOrEqual"
        rule = DataValidation(type="decimal", operator=operator, formula1="0", allow_blank=True)
        rule.error = f"Bitte eine Zahl {'>' if positive else '≥'} 0 eingeben."
    else:
        return
    rule.errorTitle = "Ungültige Eingabe"
    rule.showErrorMessage = True
    rule.add(ref)
    worksheet.add_data_validation(rule)


def instance_records(instance: Instance) -> dict[str, Any]:
    """The instance as plain data with exact values (Fractions kept), defaults included."""
    return {
        "name": instance.name,
        "kreis": dict(instance.kreis),
        "funding": dict(instance.funding),
        "kommunen": [dict(k) for k in instance.kommunen],
        "traeger": [dict(t) for t in instance.traeger],
        "years": [dict(y) for y in instance.years],
        "coordination": dict(instance.coordination) if instance.coordination else None,
        "authorities": {
            "rate_per_vzae": instance.authorities.rate_per_vzae,
            "positions": [dict(p) for p in instance.authorities.positions],
        }
        if instance.authorities
        else None,
    }


def instance_workbook(instance: Instance, source: Path | None = None) -> bytes:
    """An instance as workbook bytes: the sheets of the contract, commented and validated.

    DESIGN §5's members by year: a Kommune or Träger that joins is a row of its sheet with „Ab
    Jahr“, one that leaves has „Austritt ab Jahr“, a changed value is a row of „Änderungen“.

    Raises
    ------
    InputError
        If a text holds characters Excel cannot store (naming ``source``), or a member joins
        or leaves twice (one row holds one year of each).
    """
    data = instance_records(instance)
    members = _members_with_years(instance, data, source)
    writer = _Writer(source)
    writer.workbook.remove(writer.workbook.active)
    merged = {
        "name": data["name"],
        "kreis": data["kreis"],
        "funding": data["funding"],
        "authorities": data["authorities"],
        "coordination": data["coordination"],
    }
    writer.pairs(KREIS, merged)
    writer.pairs(FUNDING, merged)
    indicators: list[str] = []
    for kommune in instance.kommunen:
        indicators += [name for name in kommune.indicators if name not in indicators]
    writer.table(KOMMUNEN, members["kommunen"], indicators)
    writer.table(TRAEGER, members["traeger"], [])
    # DESIGN §5: later years, Baustein 1, Baustein 3 (empty sheets when unused: the template shows them)
    named: list[tuple[Field, str]] = []
    for section, prefix, comment in (("costs", COST_PREFIX, COST_COMMENT), ("budgets", BUDGET_PREFIX, BUDGET_COMMENT)):
        names: list[str] = []
        for year in instance.years:
            names += [n for n in getattr(year, section) if n not in names]
        named += [(Field((section,), prefix + name, "euro", comment), name) for name in names]
    writer.table(YEARS, data["years"], [], tuple(named))
    writer.table(CHANGES, _change_rows(instance), [])
    writer.pairs(COORDINATION, merged)
    writer.table(AUTHORITIES, data["authorities"]["positions"] if data["authorities"] else [], [])
    writer.notes()
    return writer.to_bytes()


def _members_with_years(
    instance: Instance, data: dict[str, Any], source: Path | None
) -> dict[str, list[dict[str, Any]]]:
    """The rows of „Kommunen“ and „Träger“: the first year's members, then those joining in a
    later year (``from_year``), each with the year it leaves (``until_year``)."""
    rows = {"kommunen": list(data["kommunen"]), "traeger": list(data["traeger"])}
    findings: list[Finding] = []
    for y, year in enumerate(instance.years):
        joining: list[tuple[str, str, list[dict[str, Any]]]] = [
            ("kommunen", "join", [dict(k) for k in year.join]),
            ("traeger", "join_traeger", [dict(t) for t in year.join_traeger]),
        ]
        for section, key, members in joining:
            for j, member in enumerate(members):
                if any(r["name"] == member["name"] for r in rows[section]):
                    findings.append(Finding(("years", y, key, j), "excel_joins_twice", {"value": member["name"]}))
                rows[section].append({**member, FROM_YEAR: year.year})
        for j, name in enumerate(year.leave):
            for record in (r for section in rows.values() for r in section if r["name"] == name):
                if UNTIL_YEAR in record:
                    findings.append(Finding(("years", y, "leave", j), "excel_leaves_twice", {"value": name}))
                record[UNTIL_YEAR] = year.year
    if findings:
        raise InputError(source, findings, instance.model_dump(mode="json"))
    return rows


def _change_rows(instance: Instance) -> list[dict[str, Any]]:
    """The rows of „Änderungen“: per later year, member and changed field, the value as its
    column shows it (ja/nein, a list joined by „;“, a number)."""
    labels = {
        section: {f.key: f for f in sheet.fields} for section, sheet in (("kommunen", KOMMUNEN), ("traeger", TRAEGER))
    }
    rows: list[dict[str, Any]] = []
    for year in instance.years:
        for section in ("kommunen", "traeger"):
            for name, changed in sorted(getattr(year, section).items()):
                for key, value in changed.items():
                    field = labels[section][key]
                    if field.kind == "flag" and value is not None:
                        value = "ja" if value else "nein"
                    elif field.kind == "names" and value is not None:
                        value = "; ".join(value)
                    rows.append({"year": year.year, "name": name, "field": field.label, "value": value})
    return rows


# The sheet „Hinweise“ of every workbook written: how to fill it in and what to run.
NOTES: tuple[str, ...] = (
    "Hinweise zur Vorlage für kimopt (KIM-Stellenverteilung)",
    "",
    "Diese Arbeitsmappe ist eine Instanz: ein Kreis in einer Förderrunde. Das Beispiel "
    "(Kreis Wesel 2022, Einwohner laut GV100AD zum 31.12.2020; Stellenwünsche, Kosten und "
    "Budgets sind Annahmen) durch die eigenen Angaben ersetzen.",
    "Jede Spaltenüberschrift und jede Angabe hat einen Kommentar (rotes Dreieck) mit Bedeutung und Einheit.",
    "",
    "Blätter",
    "• Kreis und Förderung: eine Angabe je Zeile – Spalte A die Angabe, Spalte B der Wert.",
    "• Kommunen: eine Kommune je Zeile unter der Kopfzeile. Pflicht: Name, Einwohner.",
    "• Träger: ein Träger je Zeile (Pflicht: Name, Max. VZÄ, Versorgt, Kosten je VZÄ); darf leer bleiben.",
    "• Jahre (optional): ein späteres Förderjahr je Zeile; leere Zellen = wie im Vorjahr. Spalten "
    "„Kosten: Name“ und „Budget: Name“ setzen Kosten bzw. Budget eines Anstellungsträgers/Zahlers.",
    "• Wer später dazukommt oder ausscheidet: Spalten „Ab Jahr“ und „Austritt ab Jahr“ in den Blättern "
    "Kommunen und Träger (ein Jahr des Blatts Jahre; Stellen, die mit einem Austritt enden, sind keine Kürzung).",
    "• Änderungen (optional): ein geänderter Wert je Zeile – Jahr, Kommune oder Träger, Spalte ihres Blatts "
    "(z. B. „Max. VZÄ“, „Budget (€)“) und der neue Wert ab diesem Jahr.",
    "• Baustein 1 (optional): Koordinierende beim Kreis und je Kommune mit Ausländerbehörde, "
    "Jugendamt und Integrationsrat (Spalten im Blatt Kommunen).",
    "• Baustein 3 (optional): zusätzliche Stellen in Ausländer- und Einbürgerungsbehörden, je Zeile eine Behörde "
    "(Kreis oder Kommune mit Ausländer- oder Einbürgerungsbehörde); die Pauschale steht im Blatt Förderung.",
    "• Weitere Kennzahlen: zusätzliche Spalte „Kennzahl: Name“ im Blatt Kommunen (z. B. "
    "„Kennzahl: refugees“); im Planungsmodell unter key mit Gewicht verwenden.",
    "• Dieses Blatt und weitere eigene Blätter werden nicht gelesen; Blatt- und Spaltennamen nicht ändern.",
    "• Eigene Spalten für Notizen sind erlaubt, wenn ihre Überschrift mit „Bemerkung“, "
    "„Notiz“, „Quelle“ oder „#“ beginnt; sie werden nicht gelesen.",
    "",
    "Eingaben",
    "• Zahlen wie gewohnt: 36.047 oder 36047, 0,5, 55.000 €, 55.000,00; Brüche als Text: 1/3.",
    "• Geldbeträge in ganzen Euro pro Jahr. Stellen in VZÄ (Vollzeitäquivalente), Vielfache von 0,1.",
    "• ja/nein für Ausländerbehörde, Einbürgerungsbehörde und Defizitübernahme; leer = nein.",
    "• Listen (Teilt mit, Versorgt) mit Semikolon trennen: Hünxe; Voerde (Niederrhein). Namen oder AGS.",
    "• Leere Zelle = nicht angegeben: Budget leer = unbegrenzt, Kosten leer = wie beim Kreis, "
    "Max. VZÄ leer = keine eigenen Stellen.",
    "• Eine Zeile „Summe“ unter der Tabelle wird übersprungen. Formeln werden nicht berechnet: "
    "gelesen wird der Wert, den Excel beim letzten Speichern angezeigt hat.",
    "• AGS als Text mit führender Null (05170044); als Zahl gespeicherte Schlüssel werden auf "
    "8 Stellen (Kreis: 5) ergänzt.",
    "",
    "Rechnen",
    "• Prüfen:      kimopt validate vorlage.xlsx   (nennt jedes Problem mit Zelle, z. B. Kommunen!C7)",
    "• Verteilen:   kimopt solve vorlage.xlsx -o plan.json --report plan.xlsx   (Plan als Excel-Bericht)",
    "• Umwandeln:   kimopt convert vorlage.xlsx -o instanz.yaml   (und zurück)",
)
