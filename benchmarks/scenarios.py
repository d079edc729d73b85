"""Benchmark instances from the official GV100AD file, enriched with a fixed seed.

The directory gives names, AGS and populations; what a Kreis would add (interest of its
Kommunen, their budgets and sharing partners, Träger) is drawn with ``random.Random(seed)``:

- a Kommune with at least 10,000 inhabitants is interested with probability 0.4 and then
  employs up to 0.5, 1.0, 1.5 or 2.0 VZÄ; an interested Kommune names up to two sharing
  partners among the next Kommunen in AGS order;
- budgets: 40 % of the Kommunen carry up to 0–3 × 8,200 € per year, the rest has no limit;
- Träger: one per 25 Kommunen (at least 2, at most 40), each serving 3–30 Kommunen of a
  stretch in AGS order, taking 1–3 VZÄ, costs 71,400 €, the Kreis covers the deficit of half;
- fundable positions: 2.4 VZÄ per 100,000 inhabitants rounded to 0.5 (as ``kimopt import``).
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from kimopt.io.gv100 import DEFAULT_PER_100K, Directory, Gemeinde, positions_for, short_names

SEED = 20211130


def _decimal(value: Fraction) -> float:
    return float(value)


def enrich(
    name: str, kreis_ags: str, gemeinden: list[Gemeinde], seed: int = SEED, traeger_count: int | None = None
) -> dict[str, Any]:
    """An instance dict with interests, budgets, sharing partners and Träger drawn from ``seed``.

    ``traeger_count`` overrides the number of Träger (one per 25 Kommunen by default).
    """
    rng = random.Random(f"{seed}:{kreis_ags}")
    names = short_names(gemeinden)
    population = sum(g.population for g in gemeinden)
    kommunen: list[dict[str, Any]] = []
    for i, (gemeinde, short) in enumerate(zip(gemeinden, names, strict=True)):
        kommune: dict[str, Any] = {
            "name": short,
            "ags": gemeinde.ags,
            "population": gemeinde.population,
        }
        if gemeinde.population >= 10000 and rng.random() < 0.4:
            kommune["max_vzae"] = rng.choice([0.5, 1.0, 1.5, 2.0])
            partners = [names[j] for j in range(i + 1, min(i + 4, len(names)))]
            kommune["share_with"] = rng.sample(partners, min(len(partners), rng.randint(0, 2)))
        if rng.random() < 0.4:
            kommune["budget"] = 8200 * rng.randint(0, 3)
        kommunen.append(kommune)
    traeger = []
    if len(gemeinden) > 1:
        count = traeger_count or max(2, min(40, len(gemeinden) // 25))
        for t in range(count):
            size = rng.randint(min(3, len(names)), min(30, len(names)))
            start = rng.randrange(0, len(names) - size + 1)
            traeger.append(
                {
                    "name": f"Träger {t + 1}",
                    "max_vzae": rng.choice([1.0, 2.0, 3.0]),
                    "serves": names[start : start + size],
                    "cost_per_vzae": 71400,
                    "deficit_coverage": rng.random() < 0.5,
                }
            )
    return {
        "name": name,
        "kreis": {"name": name, "ags": kreis_ags, "cost_per_vzae": 71400, "budget": None},
        "funding": {
            "year": 2022,
            "positions_vzae": _decimal(positions_for(population, DEFAULT_PER_100K)),
            "rate_per_vzae": 55000,
        },
        "kommunen": kommunen,
        "traeger": traeger,
    }


def kreis_instance(
    directory: Directory, key: str, seed: int = SEED, traeger_count: int | None = None
) -> dict[str, Any]:
    """One Kreis (or kreisfreie Stadt) of the directory, enriched."""
    record = directory.kreis(key)
    return enrich(record.display_name, key, directory.populated(key), seed, traeger_count)


def all_kreise(directory: Directory, seed: int = SEED) -> list[dict[str, Any]]:
    """Every Kreis and kreisfreie Stadt with a populated Gemeinde (400 in the 2021 file)."""
    return [kreis_instance(directory, key, seed) for key in sorted(directory.kreise) if directory.populated(key)]


def germany(directory: Directory, seed: int = SEED) -> dict[str, Any]:
    """Every populated Gemeinde of Germany as the Kommunen of one synthetic "Kreis"."""
    gemeinden = [g for g in directory.gemeinden if g.population > 0]
    return enrich("Deutschland (synthetisch)", "00000", gemeinden, seed)
