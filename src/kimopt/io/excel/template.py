"""The template: the contract's sheets with an example Kreis (Kreis Wesel 2022) filled in."""

from __future__ import annotations

from typing import Any

from kimopt.data import Instance
from kimopt.io.excel.write import instance_workbook


def _kommune(
    name: str, ags: str, population: int, budget: int, *share_with: str, max_vzae: int | str = 0
) -> dict[str, Any]:
    record: dict[str, Any] = {"name": name, "ags": ags, "population": population, "budget": budget}
    if max_vzae:
        record.update(max_vzae=max_vzae, cost_per_vzae=71400)
    if share_with:
        record["share_with"] = list(share_with)
    return record


EXAMPLE: dict[str, Any] = {
    "name": "Kreis Wesel 2022",
    "kreis": {"name": "Kreis Wesel", "ags": "05170", "cost_per_vzae": 71400, "budget": None, "existing_vzae": 0},
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
        {
            "name": "Caritasverband Dinslaken und Wesel",
            "max_vzae": 1,
            "serves": ["Dinslaken", "Voerde (Niederrhein)", "Hünxe"],
            "cost_per_vzae": 71400,
            "deficit_coverage": True,
        },
    ],
}
"""The example in the template: Kreis Wesel 2022 as in ``instances/kreis-wesel-2022.yaml``
(populations from GV100AD, 31.12.2020; interest, costs and budgets are planning assumptions)."""


def example_instance() -> Instance:
    """The template's example as a validated instance."""
    return Instance.model_validate(EXAMPLE)


def template_workbook() -> bytes:
    """The template: the contract's sheets with the example Kreis filled in."""
    return instance_workbook(example_instance())
