"""The official Destatis municipality directory GV100AD (fixed-width text) and instances from it.

Layout (1-based, inclusive columns; Destatis' description of Satzart 60 and 40): 1-2 record
type, 3-10 Gebietsstand ``YYYYMMDD``, 11-12 Land, 13 Regierungsbezirk, 14-15 Kreis, 16-18
Gemeinde, 23-72 name, 123-124 Textkennzeichen, 140-150 population. Type 40 records name the
Kreise and kreisfreie Städte, type 10 the Länder; every other type is skipped. The file is
UTF-8 with CRLF line ends; columns count characters, not bytes.

Names. The official name carries a designation after its first comma ("Dinslaken, Stadt",
"Kiel, Landeshauptstadt"). A Kommune keeps the part before the comma, the name people use in
a council paper; the official name stays as a comment in the YAML. Where two Gemeinden of one
Kreis would get the same short name, both keep their official name, and where that is still
ambiguous the AGS is added ("Neuenkirchen (13075101)"). A Kreis is named with its kind
("Kreis Wesel", "Landkreis Kassel") unless the name already says it ("Rhein-Kreis Neuss"); a
kreisfreie Stadt reads as "Hansestadt Lübeck".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from kimopt.errors import Finding, InputError
from kimopt.io.reader import read_bytes
from kimopt.numbers import exact_text, fmt_number, fraction_text

SOURCE = (
    "(c) Daten (im Auftrag der Herausgebergemeinschaft Statistische Ämter des Bundes und der "
    "Länder) Statistisches Bundesamt (Destatis), 2021"
)
RECORD_TYPES = {"10", "20", "30", "40", "50", "60"}
KREISFREI = {"41", "42"}  # Textkennzeichen of a kreisfreie Stadt / Stadtkreis
KREIS_KIND = {"43": "Kreis", "44": "Landkreis", "45": "Regionalverband"}
# Fields checked on every record that is read: (name, first column, last column, what it holds).
_DATE = ("Gebietsstand", 3, 10, "8 Ziffern JJJJMMTT / 8 digits YYYYMMDD")
_POPULATION = ("Bevölkerung", 140, 150, "11 Ziffern / 11 digits")
_KEY = ("Gemeindeschlüssel", 11, 18, "8 Ziffern / 8 digits")
_KREIS_KEY = ("Kreisschlüssel", 11, 15, "5 Ziffern / 5 digits")
_NAME = ("Name", 23, 72, "Text")
_MIN_LENGTH = {"40": 124, "60": 150, "10": 72}


@dataclass(frozen=True)
class Gemeinde:
    """A municipality (record type 60)."""

    ags: str
    name: str  # official name, e.g. "Dinslaken, Stadt"
    population: int
    text_code: str  # Textkennzeichen: 61 kreisfreie Stadt, 63 Stadt, 64 Gemeinde, ...
    line: int

    @property
    def kreis(self) -> str:
        return self.ags[:5]


@dataclass(frozen=True)
class KreisRecord:
    """A Kreis or kreisfreie Stadt (record type 40)."""

    key: str
    name: str  # official name, e.g. "Wesel", "Flensburg, Stadt"
    text_code: str  # 41 kreisfreie Stadt, 42 Stadtkreis, 43 Kreis, 44 Landkreis, 45 Regionalverband

    @property
    def kreisfrei(self) -> bool:
        return self.text_code in KREISFREI

    @property
    def display_name(self) -> str:
        """The name a planner uses: "Kreis Wesel", "Hansestadt Lübeck", "Städteregion Aachen"."""
        if self.kreisfrei:
            base, _, designation = self.name.partition(", ")
            return f"{designation} {base}" if designation else f"Stadt {base}"
        kind = KREIS_KIND.get(self.text_code, "Kreis")
        lower = self.name.lower()
        return self.name if "kreis" in lower or "region" in lower else f"{kind} {self.name}"


@dataclass(frozen=True)
class Directory:
    """What kimopt reads from a GV100AD file."""

    path: Path
    gebietsstand: str  # YYYYMMDD
    laender: dict[str, str]
    kreise: dict[str, KreisRecord]
    gemeinden: tuple[Gemeinde, ...]

    def populated(self, kreis: str) -> list[Gemeinde]:
        """Populated Gemeinden of one Kreis, in file (AGS) order."""
        return [g for g in self.gemeinden if g.kreis == kreis and g.population > 0]

    def kreise_of_land(self, land: str) -> list[KreisRecord]:
        """Kreise and kreisfreie Städte of one Land, by key."""
        return [k for key, k in sorted(self.kreise.items()) if key.startswith(land)]

    def _check_key(self, key: str, digits: int, expected: str) -> None:
        """A key of ``digits`` digits, else :class:`InputError` saying what is expected."""
        if not re.fullmatch(rf"\d{{{digits}}}", key):
            raise InputError(self.path, [Finding((), "gv100_bad_key", {"value": key, "choices": expected})])

    def kreis(self, key: str) -> KreisRecord:
        """The Kreis with ``key``; :class:`InputError` naming the closest keys otherwise."""
        self._check_key(key, 5, "Kreisschlüssel aus 5 Ziffern / 5-digit Kreis key (05170)")
        if key not in self.kreise:
            same_land = [k for k in sorted(self.kreise) if k[:2] == key[:2]]
            span = f" (Land {key[:2]}: {same_land[0]}–{same_land[-1]})" if same_land else ""
            raise InputError(self.path, [Finding((), "gv100_unknown_kreis", {"value": key, "span": span})])
        return self.kreise[key]

    def land(self, key: str) -> list[KreisRecord]:
        """Every Kreis of the Land ``key``; :class:`InputError` for an unknown key."""
        self._check_key(key, 2, "Landesschlüssel aus 2 Ziffern / 2-digit Land key (e.g. 05)")
        kreise = self.kreise_of_land(key)
        if not kreise:
            raise InputError(
                self.path,
                [
                    Finding(
                        (),
                        "gv100_unknown_land",
                        {"value": key, "choices": ", ".join(sorted(self.laender))},
                    )
                ],
            )
        return kreise


def _field(path: Path, number: int, line: str, spec: tuple[str, int, int, str], digits: bool) -> str:
    name, first, last, expected = spec
    value = line[first - 1 : last]
    if (digits and not value.isdigit()) or (not digits and not value.strip()):
        loc = (f"{name} (Stellen {first}–{last})",)
        raise InputError(
            path,
            [Finding(loc, "gv100_field", {"value": repr(value.strip()), "choices": expected})],
            line_of={loc: number},
        )
    return value if digits else value.strip()


def _refuse_cut(path: Path, text: str) -> None:
    """Refuse a file cut inside a record: Destatis pads every record to one length (220) and
    ends each with a line break, so a last record shorter than the others that lacks its line
    break, or is shorter than all the others (all of one length), was cut off; the Gemeinden
    after it are missing."""
    lines = text.splitlines(keepends=True)
    records = [(n, line.rstrip("\r\n")) for n, line in enumerate(lines, start=1) if line.strip()]
    if len(records) < 2:
        return
    lengths = {len(line) for _, line in records[:-1]}
    number, last = records[-1]
    unterminated = not lines[-1].endswith(("\n", "\r"))
    if len(last) < max(lengths) and (unterminated or len(lengths) == 1):
        raise InputError(
            path, [Finding((), "gv100_cut", {"length": len(last), "needed": max(lengths)})], line_of={(): number}
        )


def read_gv100(path: Path | str) -> Directory:
    """Parse a GV100AD file: Länder (type 10), Kreise (type 40) and Gemeinden (type 60).

    Raises
    ------
    InputError
        For a file that is not GV100AD (not text, unknown record types, short lines) or a
        record whose key, name or population is malformed, naming the line and columns.
    """
    path = Path(path)
    raw = read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            path,
            [Finding((), "file_encoding", {"value": f"{exc.start + 1}: 0x{raw[exc.start]:02x}"})],
        ) from None
    laender: dict[str, str] = {}
    kreise: dict[str, KreisRecord] = {}
    gemeinden: list[Gemeinde] = []
    stand: Counter[str] = Counter()
    _refuse_cut(path, text)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        kind = line[:2]
        if kind not in RECORD_TYPES:
            raise InputError(path, [Finding((), "gv100_record_type", {"value": line[:2]})], line_of={(): number})
        if len(line) < _MIN_LENGTH.get(kind, 10):
            raise InputError(
                path,
                [
                    Finding(
                        (),
                        "gv100_short_line",
                        {"length": len(line), "kind": kind, "needed": _MIN_LENGTH[kind]},
                    )
                ],
                line_of={(): number},
            )
        stand[_field(path, number, line, _DATE, True)] += 1
        if kind == "10":
            laender[line[10:12]] = _field(path, number, line, _NAME, False)
        elif kind == "40":
            key = _field(path, number, line, _KREIS_KEY, True)
            kreise[key] = KreisRecord(key, _field(path, number, line, _NAME, False), line[122:124])
        elif kind == "60":
            gemeinden.append(
                Gemeinde(
                    _field(path, number, line, _KEY, True),
                    _field(path, number, line, _NAME, False),
                    int(_field(path, number, line, _POPULATION, True)),
                    line[122:124],
                    number,
                )
            )
    if not gemeinden or not kreise:
        raise InputError(path, [Finding((), "gv100_no_records", {})])
    for gemeinde in gemeinden:
        # unpopulated areas without a Kreis exist (the German-Luxembourg condominium, 07000999)
        if gemeinde.kreis not in kreise and gemeinde.population > 0:
            loc = ("Gemeindeschlüssel (Stellen 11–18)",)
            raise InputError(
                path,
                [Finding(loc, "gv100_orphan", {"value": gemeinde.ags})],
                line_of={loc: gemeinde.line},
            )
    return Directory(path, stand.most_common(1)[0][0], laender, kreise, tuple(gemeinden))


def short_names(gemeinden: list[Gemeinde]) -> list[str]:
    """Readable, unique names: the official name up to its first comma (see the module doc)."""
    short = [g.name.partition(",")[0].strip() for g in gemeinden]
    counts = Counter(short)
    names = [s if counts[s] == 1 else g.name for s, g in zip(short, gemeinden, strict=True)]
    counts = Counter(names)
    return [n if counts[n] == 1 else f"{n} ({g.ags})" for n, g in zip(names, gemeinden, strict=True)]


# --- instances -------------------------------------------------------------------------------

DEFAULT_PER_100K = Fraction(24, 10)
"""Default positions per 100,000 inhabitants: Kreis Wesel's 11 VZÄ for 460,113 (≈ 2.39)."""
DEFAULT_RATE = 55000
DEFAULT_KREIS_COST = 71400
POSITION_STEP = Fraction(1, 2)
"""Derived position counts are rounded to the default host step, so every VZÄ can be filled."""


def positions_for(population: int, per_100k: Fraction) -> Fraction:
    """``population × per_100k / 100,000`` rounded half up to 0.5 VZÄ, at least 1 VZÄ."""
    exact = population * per_100k / 100000
    steps = (exact / POSITION_STEP + Fraction(1, 2)).__floor__()
    return max(Fraction(1), steps * POSITION_STEP)


def slug(text: str) -> str:
    """File-name friendly form of a name (``Kreis Wesel`` → ``kreis-wesel``)."""
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
    return re.sub(r"[^a-z0-9]+", "-", text.translate(table).lower()).strip("-") or "kreis"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _vzae(value: Fraction) -> str:
    """A decimal where one is exact (``11.5``), else a quoted fraction (``"34/3"``)."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return _quote(fraction_text(value))
    text = f"{Decimal(value.numerator) / Decimal(value.denominator):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class Imported:
    """One instance built from the directory: its suggested file name and YAML text."""

    kreis: KreisRecord
    filename: str
    text: str
    population: int
    kommunen: int


def instance_yaml(
    directory: Directory,
    key: str,
    *,
    positions: Fraction | None = None,
    per_100k: Fraction = DEFAULT_PER_100K,
    rate: int = DEFAULT_RATE,
    kreis_cost: int = DEFAULT_KREIS_COST,
    year: int | None = None,
) -> Imported:
    """The instance of Kreis ``key``: every populated Gemeinde with name, AGS and population.

    A kreisfreie Stadt becomes an instance whose only Kommune is the city. Without
    ``positions`` the fundable VZÄ follow from ``per_100k`` (see :func:`positions_for`).
    Kommunen get no ``max_vzae``, budget or Träger: the planner adds what the Kreis knows.
    """
    kreis = directory.kreis(key)
    gemeinden = directory.populated(key)
    if not gemeinden:
        raise InputError(directory.path, [Finding((), "gv100_unpopulated", {"value": key})])
    population = sum(g.population for g in gemeinden)
    fundable = positions if positions is not None else positions_for(population, per_100k)
    stand = directory.gebietsstand
    funding_year = year if year is not None else int(stand[:4]) + 1
    name = kreis.display_name
    rule = (
        "mit --positions angegeben"
        if positions is not None
        else f"{exact_text(per_100k, 'de')} VZÄ je 100.000 Einwohner, auf 0,5 VZÄ gerundet, mindestens 1"
    )
    lines = [
        f"# {name}: KIM-Instanz aus dem amtlichen Gemeindeverzeichnis GV100AD.",
        f"# Quelle: {directory.path.name}, Gebietsstand {stand[6:8]}.{stand[4:6]}.{stand[:4]},"
        f" Kreis {key} (Satzart 40: {kreis.name!r}), {len(gemeinden)} bewohnte Gemeinden"
        " (Satzart 60), Einwohner wie in der Datei veröffentlicht.",
        f"# {SOURCE}.",
        "# Namen: amtlicher Name bis zum ersten Komma; der volle amtliche Name folgt als Kommentar.",
        f"# positions_vzae: {rule}.",
        f"# Echte Kosten je VZÄ {fmt_number(kreis_cost, 0, 'de')} €, Förderung {fmt_number(rate, 0, 'de')} € je VZÄ"
        " und Jahr.",
        "# Die Kommunen haben noch kein max_vzae, kein Budget, keine Partner und keine Träger:",
        "# ergänzen Sie, was der Kreis weiß.",
        f"name: {_quote(f'{name} {funding_year}')}",
        f"kreis: {{name: {_quote(name)}, ags: {_quote(key)}, cost_per_vzae: {kreis_cost},"
        " budget: null, existing_vzae: 0}",
        f"funding: {{year: {funding_year}, positions_vzae: {_vzae(fundable)}, rate_per_vzae: {rate}}}",
        "kommunen:",
    ]
    for gemeinde, short in zip(gemeinden, short_names(gemeinden), strict=True):
        entry = f"  - {{name: {_quote(short)}, ags: {_quote(gemeinde.ags)}, population: {gemeinde.population}}}"
        if short != gemeinde.name:
            entry += f"  # {gemeinde.name}"
        lines.append(entry)
    lines.append("traeger: []")
    return Imported(kreis, f"{key}-{slug(name)}.yaml", "\n".join(lines) + "\n", population, len(gemeinden))
