"""kimopt: provably optimal allocation of KIM case-management positions (VZÄ).

The Python API (see :mod:`kimopt.api` and the README): ``kimopt.load_instance``,
``kimopt.load_model``, ``kimopt.solve``, ``Plan.to_frames()`` and ``kimopt.batch_summary``.
Nothing is imported until used, so ``import kimopt`` (and the command line) stays fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["NoPlan", "__version__", "batch_summary", "load_instance", "load_model", "solve"]

_API = {"load_instance", "load_model", "solve", "batch_summary", "NoPlan"}


def __getattr__(name: str) -> Any:
    if name in _API:
        from kimopt import api

        return getattr(api, name)
    raise AttributeError(f"module 'kimopt' has no attribute {name!r}")
