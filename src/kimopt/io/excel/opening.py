"""Opening a workbook within bounds: its size, its unpacked size and its cells, counted in the
XML before openpyxl parses it. The bottom of :mod:`kimopt.io.excel` and of the table reader
:mod:`kimopt.io.table`."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from kimopt.errors import Finding, InputError
from kimopt.io.reader import read_bytes

MAX_UNPACKED = 256 * 1024 * 1024  # bytes of all parts of the zip together
MAX_ROWS = 100_000  # rows scanned per sheet
MAX_COLUMNS = 200
MAX_CELLS = 200_000  # cells in all worksheets together, counted in the XML before openpyxl parses it
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")


def open_workbook(path: Path, data_only: bool = True) -> Any:
    """The workbook in read-only mode after the checks of size, unpacked size and cell count
    (``data_only=False``: the formulas as written instead of the values Excel stored)."""
    raw = read_bytes(path)
    if raw[:8] == bytes.fromhex("d0cf11e0a1b11ae1"):
        raise InputError(path, [Finding((), "xlsx_encrypted", {})])
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:  # e.g. "zip file version 6.4"
        raise not_workbook(path, exc) from None
    if unpacked > MAX_UNPACKED:
        raise InputError(path, [Finding((), "xlsx_too_large", {"detail": unpacked, "limit": MAX_UNPACKED})])
    try:
        cells = _count_cells(raw)
    except Exception as exc:  # a damaged part: bad header, deflate stream, CRC
        raise not_workbook(path, exc) from None
    if cells > MAX_CELLS:
        raise InputError(path, [Finding((), "xlsx_too_many_cells", {"detail": cells, "limit": MAX_CELLS})])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
            return load_workbook(io.BytesIO(raw), read_only=True, data_only=data_only, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for damaged parts
        raise not_workbook(path, exc) from None


def _count_cells(raw: bytes) -> int:
    """Cells in every worksheet's XML, read in chunks: openpyxl holds a whole row in memory,
    and a row of twelve million cells in a small file would take gigabytes."""
    count = 0
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        for info in archive.infolist():
            if not info.filename.startswith("xl/worksheets/") or not info.filename.endswith(".xml"):
                continue
            with archive.open(info) as part:
                tail = b""
                while chunk := part.read(1 << 20):
                    block = tail + chunk
                    cut = max(0, len(block) - 16)  # a tag cut at the end is counted with the next chunk
                    count += sum(1 for m in _CELL_TAG.finditer(block) if m.start() < cut)
                    tail = block[cut:]
                    if count > MAX_CELLS:
                        return count
                count += len(_CELL_TAG.findall(tail))
    return count


def not_workbook(path: Path, exc: BaseException) -> InputError:
    text = str(exc).splitlines()[0] if str(exc) else ""
    detail = f"{type(exc).__name__}: {text[:80]}" if text else type(exc).__name__
    return InputError(path, [Finding((), "xlsx_not_workbook", {"detail": detail})])
