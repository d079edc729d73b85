"""Everything kimopt prints to the terminal, in one place: German by default, ``--lang en``.

One module per thing shown — :mod:`~kimopt.console.plan` (``solve``), :mod:`~kimopt.console.
apportion`, :mod:`~kimopt.console.sensitivity`, :mod:`~kimopt.console.compare`,
:mod:`~kimopt.console.alternatives` — over one table layout (:mod:`~kimopt.console.table`).
Importing this package imports only the plan's table; the others load when used.
"""

from kimopt.console.plan import render_plan
from kimopt.console.table import text_table

_table = text_table  # the name earlier modules imported

__all__ = ["render_plan", "text_table"]
