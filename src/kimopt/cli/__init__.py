"""The ``kimopt`` command line. Commands live in one module each; heavy imports stay inside them."""

from __future__ import annotations

from kimopt.cli import analysis as _analysis  # noqa: F401
from kimopt.cli import check as _check  # noqa: F401  (registers commands)
from kimopt.cli import excel as _excel  # noqa: F401
from kimopt.cli import explain as _explain  # noqa: F401
from kimopt.cli import funding_round as _funding_round  # noqa: F401
from kimopt.cli import lenkungsgruppe as _lenkungsgruppe  # noqa: F401
from kimopt.cli import solve as _solve  # noqa: F401
from kimopt.cli.app import app

__all__ = ["app"]
