"""Generated Kreise on which the analyses are hard: binding budgets and overlapping Träger areas.

Synthetic (no directory file needed), drawn with ``random.Random(f"{seed}:{name}")`` and the
fixed seed :data:`SEED`, so the same instance on every run and machine:

- ``weit``: 220 Gemeinden (populations 500–40,000, a few towns up to 120,000), 6 Träger whose
  areas of 40–90 neighbouring Gemeinden overlap, no limit on the Kreis's budget (so the
  proportionality level is proven by construction, as in most real Kreise), and 60 % of the
  Kommunen with a budget of 0–2 × 1,640 € (0.1 VZÄ steps of the Eigenanteil), so that many
  budgets bind the later levels;
- ``verflochten``: 24 Kommunen, 5 Träger with overlapping areas of 6–14 Kommunen, 80 % of the
  Kommunen with a tight budget (0–3 × 1,640 €), the Kreis's budget half the positions'
  Eigenanteil (so even the proportionality level is bound by budgets).

Interest: a Kommune of 8,000 inhabitants or more employs up to 0.5–2 VZÄ with probability
0.5 and names up to two sharing partners among its next Kommunen. Costs 71,400 € per VZÄ at
every employer, funding 55,000 €; fundable positions 2.4 per 100,000 inhabitants, to 0.5 VZÄ.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

SEED = 20211130
EIGENANTEIL_STEP = 1640
"""The Eigenanteil of 0.1 VZÄ at 71,400 € cost and 55,000 € funding."""


def _positions(population: int) -> float:
    return max(0.5, round(population * 2.4 / 100_000 * 2) / 2)


def tangled(
    name: str,
    kommunen: int,
    traeger: int,
    area: tuple[int, int],
    budget_share: float,
    kreis_budget_share: float | None,
    seed: int = SEED,
) -> dict[str, Any]:
    """A Kreis of ``kommunen`` Gemeinden and ``traeger`` Träger with overlapping areas; the Kreis's
    budget pays ``kreis_budget_share`` of the positions' Eigenanteil (``None``: no limit)."""
    rng = random.Random(f"{seed}:{name}")
    names = [f"Gemeinde {i + 1:03d}" for i in range(kommunen)]
    records: list[dict[str, Any]] = []
    for i, short in enumerate(names):
        town = rng.random() < 0.05
        population = rng.randint(20_000, 120_000) if town else rng.randint(500, 40_000)
        kommune: dict[str, Any] = {"name": short, "population": population}
        if population >= 8000 and rng.random() < 0.5:
            kommune["max_vzae"] = rng.choice([0.5, 1.0, 1.5, 2.0])
            partners = names[i + 1 : i + 4]
            kommune["share_with"] = rng.sample(partners, min(len(partners), rng.randint(0, 2)))
        if rng.random() < budget_share:
            kommune["budget"] = EIGENANTEIL_STEP * rng.randint(0, 3 if kommunen < 100 else 2)
        records.append(kommune)
    total = sum(k["population"] for k in records)
    positions = _positions(total)
    areas = overlapping_areas(rng, names, [f"Träger {t + 1}" for t in range(traeger)], area, [1.0, 1.5, 2.0, 3.0], 0.6)
    kreis_budget = int(positions * 10 * kreis_budget_share) * EIGENANTEIL_STEP if kreis_budget_share else None
    return {
        "name": f"Kreis {name} (generiert)",
        "kreis": {"name": f"Kreis {name}", "cost_per_vzae": 71400, "budget": kreis_budget},
        "funding": {"year": 2022, "positions_vzae": positions, "rate_per_vzae": 55000},
        "kommunen": records,
        "traeger": areas,
    }


def overlapping_areas(
    rng: random.Random,
    names: list[str],
    traeger: list[str],
    size: tuple[int, int],
    capacities: list[float],
    deficit_share: float,
) -> list[dict[str, Any]]:
    """One Träger per name of ``traeger``, each serving a stretch of ``size`` neighbouring Kommunen
    (so the areas overlap), with a capacity drawn from ``capacities`` and deficit coverage with
    probability ``deficit_share``."""
    areas = []
    for name in traeger:
        width = rng.randint(*size)
        start = rng.randrange(0, len(names) - width + 1)
        areas.append(
            {
                "name": name,
                "max_vzae": rng.choice(capacities),
                "serves": names[start : start + width],
                "cost_per_vzae": 71400,
                "deficit_coverage": rng.random() < deficit_share,
            }
        )
    return areas


def weit(seed: int = SEED) -> dict[str, Any]:
    """220 Gemeinden, 6 Träger, binding budgets."""
    return tangled("Weit", 220, 6, (40, 90), 0.6, None, seed)


def verflochten(seed: int = SEED) -> dict[str, Any]:
    """24 Kommunen, 5 overlapping Träger areas, tight Kommune budgets."""
    return tangled("Verflochten", 24, 5, (6, 14), 0.8, 0.5, seed)


GENERATED = {"weit": weit, "verflochten": verflochten}


def write(folder: Path) -> dict[str, Path]:
    """Write every generated Kreis as ``<name>.json`` into ``folder``."""
    paths = {}
    for name, make in GENERATED.items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(make(), ensure_ascii=False, indent=1), encoding="utf-8")
        paths[name] = path
    return paths


if __name__ == "__main__":
    import sys

    for written in write(Path(sys.argv[1] if len(sys.argv) > 1 else ".")).values():
        print(written)
