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

The package keeps the parts apart: :mod:`~kimopt.io.excel.schema` (the contract: sheets,
fields, header matching, messages), :mod:`~kimopt.io.excel.cells` (cell values as typed),
:mod:`~kimopt.io.excel.read` (``read_workbook``), :mod:`~kimopt.io.excel.write` (instance
workbooks and the cell helpers other writers share) and :mod:`~kimopt.io.excel.template`.
Importing the package imports openpyxl: import it only where a workbook is read or written.
"""

from kimopt.io.excel.cells import Typed, _Problem, cell_value, float_value, parse_number
from kimopt.io.excel.read import read_workbook
from kimopt.io.excel.schema import (
    FUNDING,
    FUNDING_FIELDS,
    INDICATOR_COMMENT,
    INDICATOR_PREFIX,
    KOMMUNE_FIELDS,
    KOMMUNEN,
    KREIS,
    KREIS_FIELDS,
    NOTES_TITLE,
    TRAEGER,
    TRAEGER_FIELDS,
    Field,
    Sheet,
    normalise,
)
from kimopt.io.excel.template import EXAMPLE, example_instance, template_workbook
from kimopt.io.excel.write import (
    COUNT_FORMAT,
    EURO_FORMAT,
    FORMATS,
    TEXT_FORMAT,
    VZAE_FORMAT,
    check_text,
    instance_records,
    instance_workbook,
    set_text,
    workbook_bytes,
)

__all__ = [
    "COUNT_FORMAT",
    "EURO_FORMAT",
    "EXAMPLE",
    "FORMATS",
    "FUNDING",
    "FUNDING_FIELDS",
    "INDICATOR_COMMENT",
    "INDICATOR_PREFIX",
    "KOMMUNEN",
    "KOMMUNE_FIELDS",
    "KREIS",
    "KREIS_FIELDS",
    "NOTES_TITLE",
    "TEXT_FORMAT",
    "TRAEGER",
    "TRAEGER_FIELDS",
    "VZAE_FORMAT",
    "Field",
    "Sheet",
    "Typed",
    "_Problem",
    "cell_value",
    "check_text",
    "example_instance",
    "float_value",
    "instance_records",
    "instance_workbook",
    "normalise",
    "parse_number",
    "read_workbook",
    "set_text",
    "template_workbook",
    "workbook_bytes",
]
