"""Under the dev extras (as in CI) no test may be skipped for a missing test package.

Without the dev extras (``pip install -e .`` and pytest only) the suite still collects and the
tests that need a dev extra are skipped with the reason (:func:`tests.conftest.dev_extra`).
Whether the dev extras are installed is told by the tools only they bring (ruff, mypy) or by
CI itself; then every package of :data:`tests.conftest.DEV_EXTRAS` must be importable.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os

import pytest

from tests.conftest import DEV_EXTRAS


def _installed(distribution: str) -> bool:
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def test_no_dev_extra_is_missing_where_the_dev_extras_are_installed() -> None:
    dev = bool(os.environ.get("CI")) or _installed("ruff") or _installed("mypy")
    missing = [module for module in DEV_EXTRAS if importlib.util.find_spec(module) is None]
    if not dev:
        pytest.skip("the dev extras are not installed: the tests needing them are skipped with the reason")
    assert missing == [], f"dev extras installed but {missing} missing: their tests would be skipped"
