"""Mutation check: switching off any one rule, in the checker or in the model, fails its test.

Each rule family's ``check`` and ``model`` function (registered in :mod:`kimopt.rules`), and
the checker's own tests of the links (granularity, allowed links, reported figures), are
replaced by a no-op in turn; the dedicated tests of ``tests/test_check.py`` must then fail.
So no rule can be lost without the suite noticing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kimopt import check
from kimopt.cpsat import constraints  # registers the model functions
from kimopt.rules import BY_NAME, RULES
from tests import test_check as dedicated

assert constraints and check  # both modules register their functions on import

# checker method -> the hand-broken plans (tests/test_check.py BROKEN) it alone must catch
CHECKER_CASES: dict[str, list[str]] = {
    "granularity": ["granularity"],
    "allowed_links": ["sharing_not_partner", "provider_outside", "wrong_kreis"],
    "funding_cap": ["funding_cap"],
    "kreis_share": ["kreis_share"],
    "host_size": ["host_size_step", "host_size_max"],
    "sharing": ["sharing_not_self", "sharing_too_many", "sharing_tiny_part"],
    "provider_area": ["provider_capacity"],
    "existing": ["existing"],
    "continuity": ["continuity", "continuity_allowance", "continuity_total", "continuity_total_allowance"],
    "budget_kommune": ["budget_kommune"],
    "budget_kreis": ["budget_kreis"],
    "reachability": ["reachability"],
    "quota_rule": ["quota_rule"],
    "reported": ["reported_figure", "reported_host", "reported_target"],
}

# model rule -> its tests in tests/test_check.py
MODEL_TESTS: dict[str, list[Callable[[], None]]] = {
    "funding_cap": [dedicated.test_model_funding_cap],
    "kreis_share": [dedicated.test_model_kreis_share],
    "host_size": [dedicated.test_model_host_size],
    "sharing": [dedicated.test_model_sharing, dedicated.test_model_sharing_partners],
    "provider_area": [dedicated.test_model_provider_area],
    "existing": [dedicated.test_model_existing],
    "continuity": [dedicated.test_model_continuity, dedicated.test_model_continuity_total],
    "budget_kommune": [dedicated.test_model_budget_kommune],
    "budget_kreis": [dedicated.test_model_budget_kreis],
    "reachability": [dedicated.test_model_reachability],
    "quota_rule": [dedicated.test_model_quota_rule],
}


def _noop(*_: Any, **__: Any) -> None:
    return None


LINK_CHECKS = ("granularity", "allowed_links", "reported")  # the checker's methods beside the rule families


def test_every_rule_has_a_mutation_case() -> None:
    names = {rule.name for rule in RULES}
    assert set(MODEL_TESTS) == names
    assert set(CHECKER_CASES) == names | set(LINK_CHECKS)
    assert {case.rule for case in dedicated.BROKEN.values()} >= names | {"granularity", "plan"}


@pytest.mark.parametrize("method", list(CHECKER_CASES))
def test_checker_rule_switched_off_fails_its_test(method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CHECKER_CASES[method]:  # the cases hold with the rule on ...
        dedicated.test_checker_names_exactly_the_broken_rule(name)
    if method in LINK_CHECKS:
        monkeypatch.setattr(check._Checker, method, _noop)
    else:
        monkeypatch.setitem(BY_NAME[method].hooks, "check", _noop)
    for name in CHECKER_CASES[method]:  # ... and fail without it
        with pytest.raises(AssertionError):
            dedicated.test_checker_names_exactly_the_broken_rule(name)


@pytest.mark.parametrize("rule", list(MODEL_TESTS))
def test_model_rule_switched_off_fails_its_test(rule: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(BY_NAME[rule].hooks, "model", _noop)
    for test in MODEL_TESTS[rule]:
        with pytest.raises(AssertionError):
            test()
