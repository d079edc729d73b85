"""Instances as Excel workbooks: read what planners type, write what they can fill in.

The workbook holds the contract of the YAML instance (DESIGN §3) with German sheet and column
names:

``Kreis`` and ``Förderung``
    one field per row: the label in column A, the value in column B, an explanation in
    column C (ignored when reading). A first row ``Angabe | Wert | Erläuterung`` is a header.
``Kommunen`` and ``Träger``
    one record per row under a header row (the first row, or the first of the top ten rows
    that holds known column names, so a title above the table is allowed). Indicator
    columns are headed ``Kennzahl: <name>``.
``Hinweise`` and any other sheet
    ignored when reading. ``Träger`` may be missing (no Träger).

Headers are matched without regard to case, spaces, punctuation and umlaut spelling; the
English keys of the YAML instance are accepted as headers too. Values are read as Germans
type them (``36.047``, ``0,5``, ``55.000 €``, ``55.000,00``, ``1/3``, ``ja``/``nein``,
``Hünxe; Voerde``); an empty cell means "not given". Numbers go into the data as ints or
exact decimal strings (``"0.5"``, ``"1/3"``), never as binary floats, so the validators of
:mod:`kimopt.data` see exactly what the planner meant. Formulas are never evaluated: a
formula cell is read as the value Excel stored when the file was last saved.

Every value's location maps to a cell such as ``Kommunen!C7 (Einwohner)``, so that any
later message (from the validators or the cross-reference checks) names the cell.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kimopt.data import Instance
from kimopt.errors import MESSAGES, Finding, InputError, Loc
from kimopt.io.reader import Document, read_bytes
from kimopt.numbers import fraction_text

# ---- messages of this module ------------------------------------------------------------

_MESSAGES: dict[str, tuple[str, str]] = {
    "xlsx_not_workbook": ("keine lesbare Excel-Arbeitsmappe (.xlsx), Datei beschädigt oder "
                          "anderes Format ({detail})",
                          "not a readable Excel workbook (.xlsx), the file is damaged or of "
                          "another format ({detail})"),
    "xlsx_encrypted": ("kennwortgeschützte Arbeitsmappe oder altes .xls-Format: bitte ohne "
                       "Kennwort als .xlsx speichern",
                       "password-protected workbook or old .xls format: please save it as .xlsx "
                       "without a password"),
    "xlsx_too_large": ("die Arbeitsmappe ist entpackt zu groß ({detail} Bytes, höchstens {limit})",
                       "the workbook is too large unpacked ({detail} bytes, at most {limit})"),
    "xlsx_sheet_missing": ("Tabellenblatt {value} fehlt (vorhanden: {sheets})",
                           "worksheet {value} is missing (present: {sheets})"),
    "xlsx_no_header": ("Tabellenblatt {value}: keine Kopfzeile mit Spaltennamen gefunden "
                       "(erwartet z. B. {expected})",
                       "worksheet {value}: no header row with column names found "
                       "(expected e.g. {expected})"),
    "xlsx_unknown_column": ("{cell}: unbekannte Spalte {value}{hint_de}",
                            "{cell}: unknown column {value}{hint_en}"),
    "xlsx_duplicate_column": ("{cell}: die Spalte {value} gibt es schon in {first}",
                              "{cell}: the column {value} already exists in {first}"),
    "xlsx_missing_column": ("Tabellenblatt {sheet}: Spalte {value} fehlt",
                            "worksheet {sheet}: column {value} is missing"),
    "xlsx_unnamed_column": ("{cell}: Wert {value} in einer Spalte ohne Überschrift",
                            "{cell}: value {value} in a column without a header"),
    "xlsx_unknown_label": ("{cell}: unbekannte Angabe {value}{hint_de}",
                           "{cell}: unknown field {value}{hint_en}"),
    "xlsx_duplicate_label": ("{cell}: die Angabe {value} steht schon in {first}",
                             "{cell}: the field {value} is already given in {first}"),
    "xlsx_unlabelled_value": ("{cell}: Wert {value} ohne Angabe in Spalte A",
                              "{cell}: value {value} without a field name in column A"),
    "xlsx_no_rows": ("Tabellenblatt {value} enthält keine Kommunen (unter der Kopfzeile steht "
                     "nichts)",
                     "worksheet {value} holds no Kommunen (nothing below the header row)"),
    "xlsx_too_many_rows": ("Tabellenblatt {value} hat zu viele Zeilen (höchstens {limit})",
                           "worksheet {value} has too many rows (at most {limit})"),
    "xlsx_ambiguous_number": ("{value} ist mehrdeutig ({thousands_de} oder {decimal_de}?): "
                              "Tausender mit Punkt (55.000) oder ohne Trennzeichen schreiben",
                              "{value} is ambiguous ({thousands_en} or {decimal_en}?): write it "
                              "without a thousands separator"),
    "xlsx_date": ("{value} hat Excel als Datum gespeichert, gemeint ist eine Zahl: Zelle als Zahl "
                  "oder Text formatieren und neu eingeben",
                  "Excel stored {value} as a date, but a number is meant: format the cell as "
                  "number or text and type it again"),
    "xlsx_illegal_text": ("{value} enthält Steuerzeichen, die Excel nicht speichern kann",
                          "{value} contains control characters Excel cannot store"),
}
for _code, _texts in _MESSAGES.items():
    MESSAGES.setdefault(_code, _texts)

MAX_UNPACKED = 256 * 1024 * 1024  # bytes of all parts of the zip together
MAX_ROWS = 100_000  # rows scanned per sheet
MAX_COLUMNS = 200
HEADER_SEARCH_ROWS = 10
TEMPLATE_ROWS = 500  # rows of the tables that get data validation and formats

# ---- the contract: sheets, fields, columns ------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One value of the instance: where it goes, how it is labelled, how it is read.

    ``kind`` is one of ``text``, ``ags5``/``ags8`` (a Gemeindeschlüssel: text, leading
    zeros restored when Excel stored a number), ``count`` (whole number), ``euro`` (whole
    euros), ``vzae`` (VZÄ), ``number`` (indicator), ``flag`` (ja/nein), ``names`` (list).
    """

    path: tuple[str, ...]
    label: str
    kind: str
    comment: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    width: int = 14

    @property
    def key(self) -> str:
        return self.path[-1]


KREIS_FIELDS: tuple[Field, ...] = (
    Field(("name",), "Bezeichnung", "text",
          "Name dieser Planung, z. B. „Kreis Wesel 2022“; erscheint in Plänen und Berichten.",
          ("Instanz", "Planung", "instance", "instance_name"), required=True),
    Field(("kreis", "name"), "Name", "text", "Name des Kreises (Fördermittelempfänger).",
          ("Kreis", "Kreisname"), required=True),
    Field(("kreis", "ags"), "AGS", "ags5",
          "Amtlicher Gemeindeschlüssel des Kreises, 5 Stellen mit führender Null (z. B. 05170); "
          "optional.", ("Gemeindeschlüssel", "Kreisschlüssel")),
    Field(("kreis", "cost_per_vzae"), "Kosten je VZÄ (€)", "euro",
          "Tatsächliche Jahreskosten einer Vollzeitstelle beim Kreis, ganze Euro "
          "(Förderung + Eigenanteil, z. B. 71.400).", ("Kosten pro VZÄ",), required=True),
    Field(("kreis", "budget"), "Budget (€)", "euro",
          "Eigenanteil, den der Kreis pro Jahr höchstens trägt, ganze Euro; leer = unbegrenzt.",
          ("Budget",)),
    Field(("kreis", "existing_vzae"), "Vorhandene VZÄ", "vzae",
          "Bereits besetzte Stellen beim Kreis (VZÄ); sie bleiben und sind schon finanziert. "
          "Leer = 0.", ("Bestand VZÄ", "Vorhanden")),
)

FUNDING_FIELDS: tuple[Field, ...] = (
    Field(("funding", "year"), "Jahr", "count", "Förderjahr, z. B. 2022; optional.",
          ("Förderjahr",)),
    Field(("funding", "positions_vzae"), "Förderfähige VZÄ", "vzae",
          "Stellen (VZÄ), die das Land höchstens fördert, z. B. 11.",
          ("Stellen", "Förderfähige Stellen", "Stellen (VZÄ)", "VZÄ"), required=True),
    Field(("funding", "rate_per_vzae"), "Förderpauschale je VZÄ (€)", "euro",
          "Pauschale Förderung je VZÄ und Jahr, ganze Euro (z. B. 55.000); gezahlt bis zu den "
          "tatsächlichen Kosten.",
          ("Pauschale je VZÄ", "Förderung je VZÄ", "Förderpauschale"), required=True),
)

KOMMUNE_FIELDS: tuple[Field, ...] = (
    Field(("name",), "Name", "text",
          "Name der Kommune; so wird sie in „Teilt mit“ und „Versorgt“ genannt.",
          ("Kommune", "Gemeinde", "Gemeindename", "Stadt"), required=True, width=24),
    Field(("ags",), "AGS", "ags8",
          "Amtlicher Gemeindeschlüssel, 8 Stellen mit führender Null (z. B. 05170044), als Text; "
          "optional, in „Teilt mit“ und „Versorgt“ statt des Namens verwendbar.",
          ("Gemeindeschlüssel", "Amtlicher Gemeindeschlüssel"), width=11),
    Field(("population",), "Einwohner", "count",
          "Einwohnerzahl (amtlich, z. B. GV100AD zum 31.12.), ganze Zahl ≥ 0; Grundlage des "
          "Verteilungsschlüssels.", ("Einwohnerzahl", "Bevölkerung"), required=True, width=12),
    Field(("max_vzae",), "Max. VZÄ", "vzae",
          "Stellen (VZÄ), die die Kommune selbst anstellen würde; 0 oder leer = keine eigenen "
          "Stellen. Vielfaches von 0,1.", ("Maximale VZÄ", "Höchstens VZÄ"), width=10),
    Field(("cost_per_vzae",), "Kosten je VZÄ (€)", "euro",
          "Tatsächliche Jahreskosten einer Vollzeitstelle bei der Kommune, ganze Euro; "
          "leer = wie beim Kreis.", ("Kosten pro VZÄ",), width=16),
    Field(("budget",), "Budget (€)", "euro",
          "Eigenanteil, den die Kommune pro Jahr höchstens trägt, ganze Euro; leer = unbegrenzt, "
          "0 = nichts.", ("Budget",), width=13),
    Field(("share_with",), "Teilt mit", "names",
          "Kommunen, mit denen sie sich Stellen teilen darf: Namen oder AGS, getrennt durch „;“. "
          "Gilt in beide Richtungen.", ("Teilt Stellen mit", "Partner"), width=22),
    Field(("existing_vzae",), "Vorhandene VZÄ", "vzae",
          "Bereits besetzte Stellen bei der Kommune (VZÄ); sie bleiben und sind schon finanziert. "
          "Leer = 0.", ("Bestand VZÄ", "Vorhanden"), width=12),
    Field(("auslaenderbehoerde",), "Ausländerbehörde", "flag",
          "ja, wenn die Kommune eine eigene Ausländerbehörde hat; sonst nein oder leer.",
          ("Eigene Ausländerbehörde", "ABH"), width=12),
)

TRAEGER_FIELDS: tuple[Field, ...] = (
    Field(("name",), "Name", "text", "Name des Trägers der freien Wohlfahrtspflege.",
          ("Träger", "Trägername"), required=True, width=34),
    Field(("max_vzae",), "Max. VZÄ", "vzae",
          "Stellen (VZÄ), die der Träger höchstens übernehmen kann; Vielfaches von 0,1.",
          ("Maximale VZÄ", "Höchstens VZÄ"), required=True, width=10),
    Field(("serves",), "Versorgt", "names",
          "Kommunen in seinem Einsatzgebiet: Namen oder AGS, getrennt durch „;“.",
          ("Versorgt Kommunen", "Einsatzgebiet", "Zuständig für", "Kommunen"), required=True,
          width=40),
    Field(("cost_per_vzae",), "Kosten je VZÄ (€)", "euro",
          "Tatsächliche Jahreskosten einer Vollzeitstelle beim Träger, ganze Euro.",
          ("Kosten pro VZÄ",), required=True, width=16),
    Field(("deficit_coverage",), "Defizitübernahme", "flag",
          "ja, wenn der Kreis den Eigenanteil des Trägers übernimmt (Defizitübernahme); "
          "sonst nein.",
          ("Defizit trägt Kreis", "Defizitübernahme durch den Kreis"), width=15),
    Field(("existing_vzae",), "Vorhandene VZÄ", "vzae",
          "Bereits besetzte Stellen beim Träger (VZÄ); sie bleiben. Leer = 0.",
          ("Bestand VZÄ", "Vorhanden"), width=12),
)

INDICATOR_PREFIX = "Kennzahl: "
INDICATOR_COMMENT = ("Weitere Kennzahl der Kommune für einen gewichteten Verteilungsschlüssel "
                     "(z. B. Zahl der Geflüchteten), Zahl ≥ 0. Der Name nach „Kennzahl:“ ist der "
                     "Name im Planungsmodell (key).")
_INDICATOR_HEADER = re.compile(r"^\s*(?:kennzahl|indikator|indicators?)\s*[:.]\s*(.+?)\s*$", re.I)


@dataclass(frozen=True)
class Sheet:
    """A sheet of the contract: its German name, the names accepted, its fields."""

    title: str
    names: tuple[str, ...]
    fields: tuple[Field, ...]
    record: str | None  # the instance key of a table sheet ("kommunen"), None for key/value


KREIS = Sheet("Kreis", ("Kreis", "kreis"), KREIS_FIELDS, None)
FUNDING = Sheet("Förderung", ("Förderung", "funding", "Forderung"), FUNDING_FIELDS, None)
KOMMUNEN = Sheet("Kommunen", ("Kommunen", "kommunen", "Gemeinden"), KOMMUNE_FIELDS, "kommunen")
TRAEGER = Sheet("Träger", ("Träger", "traeger", "Trager"), TRAEGER_FIELDS, "traeger")
NOTES_TITLE = "Hinweise"

_HEADER_WORDS = {"angabe", "feld", "key", "schluessel", "parameter"}
_NOTE_COLUMN = re.compile(
    r"^\s*(#|bemerkung|anmerkung|notiz|kommentar|hinweis|quelle|note|comment)", re.I)
_SUM_WORDS = {"summe", "gesamt", "insgesamt", "total", "sum"}


def normalise(text: str) -> str:
    """A header or label reduced for matching: „Max. VZÄ“ and ``max_vzae`` both give ``maxvzae``."""
    text = text.casefold()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelled)
    text = re.sub(r"\b(eur|euro)\b|€", "", text)
    return re.sub(r"[^a-z0-9]", "", text)


def _lookup(fields: Sequence[Field]) -> dict[str, Field]:
    """Normalised header → field: German labels first, then aliases, then the YAML keys
    (``name`` is the Kreis's name on the Kreis sheet, its label „Name“ wins over the key)."""
    table: dict[str, Field] = {}
    for names in ((f.label,) for f in fields), (f.aliases for f in fields), \
            ((f.key, ".".join(f.path)) for f in fields):
        for field, aliases in zip(fields, names, strict=True):
            for alias in aliases:
                if normalise(alias):
                    table.setdefault(normalise(alias), field)
    return table


def _display(text: object) -> str:
    return " ".join(str(text).split())


# ---- reading cell values ------------------------------------------------------------------


class _Ambiguous(Exception):
    """``55,000`` in a euro column: 55,000 € in English, 55 € in German."""

    def __init__(self, whole: str, part: str) -> None:
        thousands = int(whole + part)
        decimal = Decimal(f"{whole}.{part}").normalize()
        self.params = {
            "thousands_de": f"{thousands:,}".replace(",", "."), "thousands_en": f"{thousands:,}",
            "decimal_de": format(decimal, "f").replace(".", ","),
            "decimal_en": format(decimal, "f")}


class _Problem(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params


class Typed(str):
    """A number read from text, normalised (``"24600.5"``) but shown as typed (``24.600,50 €``).

    The validators read the normalised text; their messages quote ``str(value)``, which is what
    the planner typed, so a problem is reported in the planner's own words.
    """

    typed: str

    def __new__(cls, text: str, typed: str) -> Typed:
        value = super().__new__(cls, text)
        value.typed = typed
        return value

    def __str__(self) -> str:
        return self.typed


def _decimal_out(number: Decimal) -> int | str:
    """An int when whole, else the exact decimal as plain text (``"0.5"``, never ``5E-1``)."""
    if number == number.to_integral_value():
        return int(number)
    return format(number.normalize(), "f")


def float_value(value: float) -> int | str:
    """A number stored by Excel, as the decimal Excel shows (15 significant digits)."""
    if not math.isfinite(value):
        return str(value)
    return _decimal_out(Decimal(format(value, ".15g")))


_UNITS = re.compile(r"€|\b(?:eur|euro|vzä|vzae)\b", re.I)
_SPACES = re.compile(r"[\s'’\u00a0\u202f\u2009]")


def parse_number(text: str, kind: str = "number") -> int | str | None:
    """Read a number as Germans type it; ``None`` if the text is not a number at all.

    ``36.047`` and ``55.000,00`` use the dot for thousands, ``0,5`` the comma for decimals,
    ``1/3`` is an exact fraction, ``€``/``EUR``/``VZÄ`` and spaces are ignored. In VZÄ
    columns a single dot is a decimal point (nobody means 1,500 VZÄ by ``1.500``). In euro
    columns ``55,000`` is refused as ambiguous (German 55 € or English 55,000 €).

    Returns an ``int`` or exact text such as ``"0.5"`` or ``"1/3"``.
    """
    text = _UNITS.sub("", text.replace("\u2212", "-").replace("\u2013", "-"))
    text = _SPACES.sub("", text)
    fraction = re.fullmatch(r"([+-]?)(\d+)/(\d+)", text)
    if fraction:
        sign, top, bottom = fraction.groups()
        return None if int(bottom) == 0 else f"{sign}{int(top)}/{int(bottom)}"
    match = re.fullmatch(r"([+-]?)([\d.,]+)", text)
    if not match:
        return None
    sign, body = match.groups()
    dots, commas = body.count("."), body.count(",")
    number: str | None
    if dots and commas:
        decimal = "." if body.rfind(".") > body.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        whole, _, part = body.rpartition(decimal)
        grouped = re.fullmatch(rf"\d{{1,3}}(?:\{thousands}\d{{3}})+|\d+", whole)
        number = f"{whole.replace(thousands, '')}.{part}" if grouped and part.isdigit() else None
    elif dots > 1 or commas > 1:
        separator = "." if dots else ","
        number = body.replace(separator, "") if re.fullmatch(
            rf"\d{{1,3}}(?:\{separator}\d{{3}})+", body) else None
    elif dots or commas:
        separator = "." if dots else ","
        whole, _, part = body.partition(separator)
        german_thousands = re.fullmatch(r"[1-9]\d{0,2}", whole) and re.fullmatch(r"\d{3}", part)
        if german_thousands and separator == "," and kind == "euro":
            raise _Ambiguous(whole, part)
        if german_thousands and separator == "." and kind not in {"vzae"}:
            number = whole + part
        elif part.isdigit() and (whole.isdigit() or whole == ""):
            number = f"{whole or '0'}.{part}"
        else:
            number = None
    else:
        number = body if body.isdigit() else None
    if number is None:
        return None
    try:
        return _decimal_out(Decimal(sign + number))
    except InvalidOperation:  # pragma: no cover - the patterns above admit digits only
        return None


def _ags(value: object, digits: int) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        if value >= 0 and len(text) <= digits:
            return text.zfill(digits)
        return text
    return value


def cell_value(value: object, kind: str) -> object:
    """The value of one cell for the instance data; ``None`` means "not given".

    Raises ``_Problem`` for a value that cannot be meant (a date in a number column, an
    ambiguous number). Anything else that is not understood is handed on as text, so that
    the validators report it with the planner's own words.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    if kind in {"count", "euro", "vzae", "number"}:
        if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
            raise _Problem("xlsx_date", value=_date_text(value))
        if isinstance(value, float):
            return float_value(value)
        if isinstance(value, str):
            try:
                parsed = parse_number(value, kind)
            except _Ambiguous as exc:
                raise _Problem("xlsx_ambiguous_number", value=value, **exc.params) from None
            if parsed is None:
                return value
            return parsed if str(parsed) == value else Typed(str(parsed), value)
        return value
    if kind == "flag":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value
    if kind in {"ags5", "ags8"}:
        value = _ags(value, 5 if kind == "ags5" else 8)
    if kind == "names":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return [str(_ags(value, 8))]
        if isinstance(value, str):
            names = [part.strip() for part in re.split(r"[;\n]", value) if part.strip()]
            return names or None
        return value
    if isinstance(value, float):
        return str(float_value(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return _date_text(value)
    return value


def _date_text(value: object) -> str:
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


# ---- reading sheets -----------------------------------------------------------------------


def _rows(worksheet: Any, title: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Non-empty rows with their 1-based row numbers."""
    worksheet.reset_dimensions()  # a stale <dimension> must not cut rows off
    rows = worksheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    for number, row in enumerate(rows, start=1):
        if number > MAX_ROWS:
            raise _Problem("xlsx_too_many_rows", value=title, limit=MAX_ROWS)
        if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in row):
            yield number, tuple(row)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _hint(text: str, fields: Sequence[Field]) -> dict[str, str]:
    labels = [f.label for f in fields]
    hint = difflib.get_close_matches(_display(text), labels, n=1, cutoff=0.6)
    if not hint:
        by_key = {normalise(f.key): f.label for f in fields}
        close = difflib.get_close_matches(normalise(text), list(by_key), n=1, cutoff=0.75)
        hint = [by_key[close[0]]] if close else []
    return {"hint": hint[0]} if hint else {}


class _Reader:
    """Collects the data, the cell of every value and the problems of one workbook."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = {}
        self.lines: dict[Loc, int | str] = {}
        self.findings: list[Finding] = []

    def problem(self, loc: Loc, code: str, **params: Any) -> None:
        self.findings.append(Finding(loc, code, params))

    def put(self, path: tuple[str, ...], value: Any) -> None:
        node = self.data
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value

    def read_value(self, loc: Loc, raw: object, field_kind: str, cell: str) -> Any:
        """Convert one cell, note its location, record a problem; ``None`` if not given."""
        self.lines[loc] = cell
        try:
            value = cell_value(raw, field_kind)
        except _Problem as exc:
            self.problem(loc, exc.code, **exc.params)
            return None
        if isinstance(value, list):
            for j in range(len(value)):
                self.lines[(*loc, j)] = cell
        return value

    # key/value sheets: Kreis, Förderung

    def read_pairs(self, worksheet: Any, sheet: Sheet, title: str) -> None:
        lookup = _lookup(sheet.fields)
        seen: dict[Field, str] = {}
        for number, row in _rows(worksheet, title):
            label = row[0] if row else None
            value = row[1] if len(row) > 1 else None
            where = f"{title}!B{number}"
            if _blank(label):
                if not _blank(value):
                    self.problem((), "xlsx_unlabelled_value", value=value, cell=where)
                continue
            key = normalise(str(label))
            field = lookup.get(key)
            if field is None:
                if key in _HEADER_WORDS or _blank(value):
                    continue  # the header row, a title or a section heading
                self.problem((), "xlsx_unknown_label", value=_display(label),
                             cell=f"{title}!A{number}", **_hint(str(label), sheet.fields))
                continue
            if field in seen:
                self.problem((), "xlsx_duplicate_label", value=_display(label),
                             cell=f"{title}!A{number}", first=seen[field])
                continue
            seen[field] = f"{title}!A{number}"
            parsed = self.read_value(field.path, value, field.kind, f"{where} ({_display(label)})")
            if parsed is not None:
                self.put(field.path, parsed)
        for field in sheet.fields:
            self.lines.setdefault(field.path, f"{title} ({field.label})")

    # tables: Kommunen, Träger

    def _header(self, rows: list[tuple[int, tuple[Any, ...]]], sheet: Sheet) -> int | None:
        lookup = _lookup(sheet.fields)
        for position, (_, row) in enumerate(rows[:HEADER_SEARCH_ROWS]):
            known = [c for c in row if isinstance(c, str) and normalise(c) in lookup]
            if len(known) >= 2 or any(lookup.get(normalise(c)) is sheet.fields[0] for c in known):
                return position
        return None

    def read_table(self, worksheet: Any, sheet: Sheet, title: str) -> list[dict[str, Any]]:
        assert sheet.record is not None
        record_key = sheet.record
        self.lines[(record_key,)] = title
        rows = list(_rows(worksheet, title))
        position = self._header(rows, sheet) if rows else None
        if position is None:
            if rows or sheet is KOMMUNEN:
                self.problem((), "xlsx_no_header", value=title,
                             expected=", ".join(f.label for f in sheet.fields if f.required))
            return []
        header_number, header = rows[position]
        lookup = _lookup(sheet.fields)
        # column index -> (key path, kind, header text); None for the planner's note columns
        columns: dict[int, tuple[Loc, str, str] | None] = {}
        seen: dict[Loc, str] = {}
        for c, head in enumerate(header):
            if _blank(head):
                continue
            text = _display(head)
            cell = f"{title}!{get_column_letter(c + 1)}{header_number}"
            indicator = _INDICATOR_HEADER.match(text) if sheet is KOMMUNEN else None
            if indicator:
                key: Loc = ("indicators", indicator.group(1))
                kind = "number"
            elif normalise(text) in lookup:
                field = lookup[normalise(text)]
                key, kind = field.path, field.kind
            elif _NOTE_COLUMN.match(text):
                columns[c] = None  # the planner's own remarks: not read
                continue
            else:
                self.problem((), "xlsx_unknown_column", value=text, cell=cell,
                             **_hint(text, sheet.fields))
                continue
            if key in seen:
                self.problem((), "xlsx_duplicate_column", value=text, cell=cell, first=seen[key])
                continue
            seen[key] = cell
            columns[c] = (key, kind, text)
        body = rows[position + 1:]
        name_column = next((c for c, column in columns.items()
                            if column and column[0] == ("name",)), None)
        if name_column is not None:  # a total row typed below the table is not a record
            body = [(n, row) for n, row in body if not (
                name_column < len(row) and isinstance(row[name_column], str)
                and normalise(row[name_column]) in _SUM_WORDS)]
        if not body:
            if sheet is KOMMUNEN:
                self.problem((), "xlsx_no_rows", value=title)
            return []
        for field in sheet.fields:
            if field.required and field.path not in seen:
                self.problem((), "xlsx_missing_column", value=field.label, sheet=title)
        records: list[dict[str, Any]] = []
        for i, (number, row) in enumerate(body):
            record: dict[str, Any] = {}
            self.lines[(record_key, i)] = f"{title}!A{number}"
            self.lines[(record_key, i, "indicators")] = f"{title}!A{number}"
            for c, raw in enumerate(row):
                if c not in columns and not _blank(raw) and c < len(header) and _blank(header[c]):
                    self.problem((), "xlsx_unnamed_column", value=raw,
                                 cell=f"{title}!{get_column_letter(c + 1)}{number}")
            for c, column in columns.items():
                if column is None:
                    continue
                key, kind, text = column
                raw = row[c] if c < len(row) else None
                value = self.read_value((record_key, i, *key), raw, kind,
                                        f"{title}!{get_column_letter(c + 1)}{number} ({text})")
                if value is None:
                    continue
                if key[0] == "indicators":
                    record.setdefault("indicators", {})[key[1]] = value
                else:
                    record[str(key[0])] = value
            records.append(record)
        return records


def _split_commas(data: dict[str, Any]) -> None:
    """``Hünxe, Voerde`` in a list cell means two Kommunen when both are known."""
    known = {str(k.get(key)) for k in data.get("kommunen", []) if isinstance(k, dict)
             for key in ("name", "ags") if k.get(key) is not None}
    for section, key in (("kommunen", "share_with"), ("traeger", "serves")):
        for record in data.get(section, []):
            names = record.get(key)
            if not isinstance(names, list):
                continue
            split: list[str] = []
            for name in names:
                parts = [p.strip() for p in name.split(",")] if isinstance(name, str) else []
                if name not in known and len(parts) > 1 and all(p in known for p in parts):
                    split.extend(parts)
                else:
                    split.append(name)
            record[key] = split


def _open_workbook(path: Path) -> Any:
    raw = read_bytes(path)
    if raw[:8] == bytes.fromhex("d0cf11e0a1b11ae1"):
        raise InputError(path, [Finding((), "xlsx_encrypted", {})])
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _not_workbook(path, exc) from None
    if unpacked > MAX_UNPACKED:
        raise InputError(path, [Finding((), "xlsx_too_large",
                                        {"detail": unpacked, "limit": MAX_UNPACKED})])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
            return load_workbook(io.BytesIO(raw), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for damaged parts
        raise _not_workbook(path, exc) from None


def _not_workbook(path: Path, exc: BaseException) -> InputError:
    text = str(exc).splitlines()[0] if str(exc) else ""
    detail = f"{type(exc).__name__}: {text[:80]}" if text else type(exc).__name__
    return InputError(path, [Finding((), "xlsx_not_workbook", {"detail": detail})])


def _find_sheet(titles: Sequence[str], sheet: Sheet) -> str | None:
    wanted = {normalise(n) for n in sheet.names}
    return next((t for t in titles if normalise(t) in wanted), None)


def read_workbook(path: Path | str) -> Document:
    """Read an instance workbook into a :class:`Document` whose lines are cell references.

    Raises
    ------
    InputError
        For a file that is not a workbook, a missing sheet, header or column, an empty
        Kommunen sheet and cells that cannot be meant as typed (each with its cell).
    """
    path = Path(path)
    workbook = _open_workbook(path)
    reader = _Reader(path)
    try:
        titles = list(workbook.sheetnames)
        found = {sheet.title: _find_sheet(titles, sheet)
                 for sheet in (KREIS, FUNDING, KOMMUNEN, TRAEGER)}
        for sheet in (KREIS, FUNDING, KOMMUNEN):
            if found[sheet.title] is None:
                reader.problem((), "xlsx_sheet_missing", value=sheet.title,
                               sheets=", ".join(titles) or "–")
        try:
            for sheet in (KREIS, FUNDING):
                if (title := found[sheet.title]) is not None:
                    reader.read_pairs(workbook[title], sheet, title)
            for sheet in (KOMMUNEN, TRAEGER):
                if (title := found[sheet.title]) is not None:
                    records = reader.read_table(workbook[title], sheet, title)
                    reader.data[str(sheet.record)] = records
        except _Problem as exc:
            reader.problem((), exc.code, **exc.params)
        except InputError:
            raise
        except Exception as exc:  # damaged sheet XML surfaces only while rows are read
            raise _not_workbook(path, exc) from None
    finally:
        workbook.close()
    if "traeger" not in reader.data:
        reader.data["traeger"] = []
    _split_commas(reader.data)
    if reader.findings:
        raise InputError(path, reader.findings + _other_findings(reader), reader.data, reader.lines)
    return Document(path, reader.data, reader.lines)


def _other_findings(reader: _Reader) -> list[Finding]:
    """With cell problems found, the validators' findings for the other cells, so that
    ``kimopt validate`` lists every problem at once (not for a workbook missing a sheet)."""
    if any(f.loc == () for f in reader.findings):
        return []
    from pydantic import ValidationError

    from kimopt.data import instance_findings
    from kimopt.load import _finding as pydantic_finding  # the same wording as for YAML

    reported = {f.loc for f in reader.findings}
    try:
        instance = Instance.model_validate(reader.data)
    except ValidationError as exc:
        found = [pydantic_finding(e, Instance) for e in exc.errors(include_url=False)]
        return [f for f in found if f.loc not in reported]
    return instance_findings(instance)


# ---- writing ------------------------------------------------------------------------------

EURO_FORMAT = '#,##0 "€"'
COUNT_FORMAT = "#,##0"
VZAE_FORMAT = "0.0###"
TEXT_FORMAT = "@"
FORMATS = {"count": COUNT_FORMAT, "euro": EURO_FORMAT, "vzae": VZAE_FORMAT, "text": TEXT_FORMAT,
           "ags5": TEXT_FORMAT, "ags8": TEXT_FORMAT, "names": TEXT_FORMAT, "number": "General",
           "flag": "General"}
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
    with zipfile.ZipFile(buffer) as source, \
            zipfile.ZipFile(stable, "w", zipfile.ZIP_DEFLATED) as target:
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
        elif kind in {"text", "ags5", "ags8"}:
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
            comment = {1: "Was angegeben wird (nicht ändern).",
                       2: "Ihre Angabe; leere Zelle = nicht angegeben.",
                       3: "Erklärung der Angabe; wird beim Einlesen nicht gelesen."}[column]
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
            _validate(worksheet, field.kind, f"B{row}", positive=field.key == "positions_vzae",
                      year=field.key == "year")
        worksheet.column_dimensions["A"].width = 28
        worksheet.column_dimensions["B"].width = 22
        worksheet.column_dimensions["C"].width = 90
        worksheet.freeze_panes = "A2"
        return worksheet

    def table(self, sheet: Sheet, records: list[dict[str, Any]], indicators: list[str]) -> Any:
        worksheet = self.workbook.create_sheet(sheet.title)
        columns: list[tuple[Field, str | None]] = [(f, None) for f in sheet.fields]
        columns += [(Field(("indicators",), INDICATOR_PREFIX + name, "number", INDICATOR_COMMENT),
                     name) for name in indicators]
        assert sheet.record is not None
        for c, (field, indicator) in enumerate(columns, start=1):
            key = f"indicators.{indicator}" if indicator else field.key
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
                    value = record["indicators"].get(indicator)
                    loc: Loc = (sheet.record, i, "indicators", indicator)
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



def _validate(worksheet: Any, kind: str, ref: str, positive: bool = False,
              year: bool = False) -> None:
    """Data validation for typing: numbers ≥ 0 (whole where whole numbers are meant), ja/nein."""
    if kind == "flag":
        rule = DataValidation(type="list", formula1='"ja,nein"', allow_blank=True)
        rule.error = "Bitte „ja“ oder „nein“ wählen."
    elif year:
        rule = DataValidation(type="whole", operator="between", formula1="1990", formula2="2100",
                              allow_blank=True)
        rule.error = "Bitte ein Jahr wie 2022 eingeben."
    elif kind in {"count", "euro"}:
        rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                              allow_blank=True)
        rule.error = ("Bitte eine ganze Zahl ≥ 0 eingeben (Euro ohne Cent)." if kind == "euro"
                      else "Bitte eine ganze Zahl ≥ 0 eingeben.")
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
    }


def instance_workbook(instance: Instance, source: Path | None = None) -> bytes:
    """An instance as workbook bytes: the sheets of the contract, commented and validated.

    Raises
    ------
    InputError
        If a text holds characters Excel cannot store (naming ``source``).
    """
    data = instance_records(instance)
    writer = _Writer(source)
    writer.workbook.remove(writer.workbook.active)
    merged = {"name": data["name"], "kreis": data["kreis"], "funding": data["funding"]}
    writer.pairs(KREIS, merged)
    writer.pairs(FUNDING, merged)
    indicators: list[str] = []
    for kommune in instance.kommunen:
        indicators += [name for name in kommune.indicators if name not in indicators]
    writer.table(KOMMUNEN, data["kommunen"], indicators)
    writer.table(TRAEGER, data["traeger"], [])
    writer.notes()
    return writer.to_bytes()


# ---- the template -------------------------------------------------------------------------

def _kommune(name: str, ags: str, population: int, budget: int, *share_with: str,
             max_vzae: int | str = 0) -> dict[str, Any]:
    record: dict[str, Any] = {"name": name, "ags": ags, "population": population, "budget": budget}
    if max_vzae:
        record.update(max_vzae=max_vzae, cost_per_vzae=71400)
    if share_with:
        record["share_with"] = list(share_with)
    return record


EXAMPLE: dict[str, Any] = {
    "name": "Kreis Wesel 2022",
    "kreis": {"name": "Kreis Wesel", "ags": "05170", "cost_per_vzae": 71400, "budget": None,
              "existing_vzae": 0},
    "funding": {"year": 2022, "positions_vzae": 11, "rate_per_vzae": 55000},
    "kommunen": [
        _kommune("Alpen", "05170004", 12502, 4920, "Xanten"),
        _kommune("Dinslaken", "05170008", 67338, 24600, "Hünxe", max_vzae="1.5"),
        _kommune("Hamminkeln", "05170012", 26962, 8200, "Wesel"),
        _kommune("Hünxe", "05170016", 13596, 4920),
        _kommune("Kamp-Lintfort", "05170020", 37635, 16400, "Neukirchen-Vluyn", max_vzae=1),
        _kommune("Moers", "05170024", 103487, 32800, max_vzae=2),
        _kommune("Neukirchen-Vluyn", "05170028", 27532, 8200),
        _kommune("Rheinberg", "05170032", 30933, 0),
        _kommune("Schermbeck", "05170036", 13541, 4920, "Wesel"),
        _kommune("Sonsbeck", "05170040", 8690, 3280, "Xanten"),
        _kommune("Voerde (Niederrhein)", "05170044", 36047, 0, max_vzae=1),
        _kommune("Wesel", "05170048", 60329, 24600, max_vzae="1.5"),
        _kommune("Xanten", "05170052", 21521, 16400, max_vzae=1),
    ],
    "traeger": [
        {"name": "Caritasverband Dinslaken und Wesel", "max_vzae": 1,
         "serves": ["Dinslaken", "Voerde (Niederrhein)", "Hünxe"], "cost_per_vzae": 71400,
         "deficit_coverage": True},
    ],
}
"""The example in the template: Kreis Wesel 2022 as in ``instances/kreis-wesel-2022.yaml``
(populations from GV100AD, 31.12.2020; interest, costs and budgets are planning assumptions)."""

NOTES: tuple[str, ...] = (
    "Hinweise zur Vorlage für kimopt (KIM-Stellenverteilung)",
    "",
    "Diese Arbeitsmappe ist eine Instanz: ein Kreis in einer Förderrunde. Das Beispiel "
    "(Kreis Wesel 2022, Einwohner laut GV100AD zum 31.12.2020; Stellenwünsche, Kosten und "
    "Budgets sind Annahmen) durch die eigenen Angaben ersetzen.",
    "Jede Spaltenüberschrift und jede Angabe hat einen Kommentar (rotes Dreieck) mit Bedeutung "
    "und Einheit.",
    "",
    "Blätter",
    "• Kreis und Förderung: eine Angabe je Zeile – Spalte A die Angabe, Spalte B der Wert.",
    "• Kommunen: eine Kommune je Zeile unter der Kopfzeile. Pflicht: Name, Einwohner.",
    "• Träger: ein Träger je Zeile (Pflicht: Name, Max. VZÄ, Versorgt, Kosten je VZÄ); darf "
    "leer bleiben.",
    "• Weitere Kennzahlen: zusätzliche Spalte „Kennzahl: Name“ im Blatt Kommunen (z. B. "
    "„Kennzahl: refugees“); im Planungsmodell unter key mit Gewicht verwenden.",
    "• Dieses Blatt und weitere eigene Blätter werden nicht gelesen; Blatt- und Spaltennamen "
    "nicht ändern.",
    "• Eigene Spalten für Notizen sind erlaubt, wenn ihre Überschrift mit „Bemerkung“, "
    "„Notiz“, „Quelle“ oder „#“ beginnt; sie werden nicht gelesen.",
    "",
    "Eingaben",
    "• Zahlen wie gewohnt: 36.047 oder 36047, 0,5, 55.000 €, 55.000,00; Brüche als Text: 1/3.",
    "• Geldbeträge in ganzen Euro pro Jahr. Stellen in VZÄ (Vollzeitäquivalente), Vielfache "
    "von 0,1.",
    "• ja/nein für Ausländerbehörde und Defizitübernahme; leer = nein.",
    "• Listen (Teilt mit, Versorgt) mit Semikolon trennen: Hünxe; Voerde (Niederrhein). "
    "Namen oder AGS.",
    "• Leere Zelle = nicht angegeben: Budget leer = unbegrenzt, Kosten leer = wie beim Kreis, "
    "Max. VZÄ leer = keine eigenen Stellen.",
    "• Eine Zeile „Summe“ unter der Tabelle wird übersprungen. Formeln werden nicht berechnet: "
    "gelesen wird der Wert, den Excel beim letzten Speichern angezeigt hat.",
    "• AGS als Text mit führender Null (05170044); als Zahl gespeicherte Schlüssel werden auf "
    "8 Stellen (Kreis: 5) ergänzt.",
    "",
    "Rechnen",
    "• Prüfen:      kimopt validate vorlage.xlsx   (nennt jedes Problem mit Zelle, z. B. "
    "Kommunen!C7)",
    "• Verteilen:   kimopt solve vorlage.xlsx -o plan.json --report plan.xlsx   (Plan als "
    "Excel-Bericht)",
    "• Umwandeln:   kimopt convert vorlage.xlsx -o instanz.yaml   (und zurück)",
)


def example_instance() -> Instance:
    """The template's example as a validated instance."""
    return Instance.model_validate(EXAMPLE)


def template_workbook() -> bytes:
    """The template: the contract's sheets with the example Kreis filled in."""
    return instance_workbook(example_instance())
