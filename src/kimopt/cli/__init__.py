"""The ``kimopt`` command line. Commands live in one module each; heavy imports stay inside them."""

# ruff: noqa: I001, F401  -- the import order is the order of the commands in ``kimopt --help``
from __future__ import annotations

from kimopt.cli.app import app
from kimopt.cli import solve as _solve  # solve
from kimopt.cli import check as _check  # check, validate
from kimopt.cli import explain as _explain  # explain
from kimopt.cli import lenkungsgruppe as _lenkungsgruppe  # compare, report, alternatives
from kimopt.cli import analysis as _analysis  # apportion, sensitivity
from kimopt.cli import funding_round as _funding_round  # import, batch
from kimopt.cli import land_round as _land_round  # round
from kimopt.cli import excel as _excel  # template, convert
from kimopt.cli import serve as _serve  # serve

__all__ = ["app"]
