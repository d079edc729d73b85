"""From files to an allocation: round file + GV100AD (+ indicators) → territories, shares, result."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from kimopt.errors import Finding
from kimopt.io.gv100 import Directory, read_gv100
from kimopt.io.reader import Document
from kimopt.land.allocate import Allocation, allocate
from kimopt.land.key import TableFile, column_values, key_shares, read_table, zero_columns
from kimopt.land.round_file import RoundFile, indicators_path, load_round
from kimopt.land.territories import Territory, check_keys, territories


@dataclass(frozen=True)
class RoundInputs:
    """A validated round: the file, its territories and their exact key shares."""

    round: RoundFile
    document: Document
    directory: Directory
    territories: list[Territory]
    columns: dict[str, list[Fraction]]
    shares: list[Fraction]
    indicators: TableFile | None

    def allocate(self) -> Allocation:
        land = self.directory.laender.get(self.round.land, "")
        return allocate(self.round, self.territories, self.shares, self.document, land)

    def with_round(self, round_: RoundFile, document: Document | None = None) -> RoundInputs:
        """The same territories under another key, base or method (for ``--compare-key``)."""
        return prepare_from(round_, document or self.document, self.directory)


def prepare_from(round_: RoundFile, document: Document, directory: Directory) -> RoundInputs:
    """Territories, indicator columns and shares of a validated round file."""
    found = territories(directory, round_, document)
    check_keys(round_, found, document)
    path = indicators_path(round_, document)
    table = read_table(path) if path is not None else None
    columns: dict[str, list[Fraction]] = {}
    for name in round_.key:
        if name != "population" and table is None:
            raise document.error([Finding(("key", name), "round_no_indicators", {"value": name})])
        columns[name] = column_values(table, name, found)
    zero = zero_columns(round_.key, columns)
    if zero:
        where = table if table is not None and zero[0] != "population" else None
        if where is not None:
            raise where.error(zero[0], None, "table_zero_column", value=zero[0])
        raise document.error([Finding(("key", zero[0]), "table_zero_column", {"value": zero[0]})])
    return RoundInputs(round_, document, directory, found, columns, key_shares(round_.key, columns), table)


def prepare(round_path: Path | str, gv100_path: Path | str) -> RoundInputs:
    """Read and check everything a round needs; :class:`~kimopt.errors.InputError` otherwise."""
    round_, document = load_round(round_path)
    directory = read_gv100(gv100_path)
    return prepare_from(round_, document, directory)
