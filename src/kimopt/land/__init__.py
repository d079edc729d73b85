"""The Land's funding round (DESIGN §6): share the Land's positions among its territories.

The pipeline, one module each: :mod:`~kimopt.land.round_file` (the round file, validated),
:mod:`~kimopt.land.territories` (territories from the GV100AD with overrides),
:mod:`~kimopt.land.key` (indicator columns and exact key shares),
:mod:`~kimopt.land.allocate` (the bounded apportionment, its divisor interval, ties, binding
bounds and an independent check), :mod:`~kimopt.land.calibrate` (which base and weights
reproduce observed allocations best), :mod:`~kimopt.land.output` (table as CSV, XLSX, HTML,
JSON) and :mod:`~kimopt.land.plans` (one instance per territory, the batch and the two-level
summary). No OR-Tools at import time.
"""
