"""The shape of the package: which modules stay free of the solver, and the result types."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kimopt.results import Status
from kimopt.rules import RULES
from tests.conftest import ROOT, instance, model, tiny


@pytest.mark.parametrize(
    "module", ["kimopt.plan", "kimopt.check", "kimopt.results", "kimopt.load", "kimopt.problem", "kimopt.errors"]
)
def test_solver_free_modules_do_not_load_ortools(module: str) -> None:
    # a fresh interpreter: this test process has OR-Tools loaded already
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'ortools'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_command_line_starts_without_heavy_libraries() -> None:
    # `kimopt --help` and every command's start: each library is imported by the command that needs it
    heavy = ("pydantic", "ortools", "pandas", "matplotlib", "openpyxl", "starlette", "weasyprint")
    code = f"import sys, kimopt.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_reading_yaml_does_not_load_openpyxl() -> None:
    code = (
        "import sys; from kimopt.load import load_instance; load_instance('instances/kreis-wesel-2022.yaml');"
        "print('openpyxl' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_status_is_written_as_its_contract_string() -> None:
    assert json.dumps({"status": Status.FEASIBLE}) == '{"status": "FEASIBLE"}'
    assert f"{Status.INFEASIBLE}" == "INFEASIBLE"
    assert Status("UNKNOWN") is Status.UNKNOWN
    assert [s.value for s in Status] == ["OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN"]  # DESIGN §3


def test_only_optimal_and_feasible_come_with_a_plan() -> None:
    assert [s for s in Status if s.has_plan] == [Status.OPTIMAL, Status.FEASIBLE]


# ---- the rule registry ----------------------------------------------------------------------

RULE_MODULES = (
    "kimopt.cpsat.constraints",
    "kimopt.check",
    "kimopt.analysis.explain.binding",
    "kimopt.analysis.explain.texts",
    "kimopt.analysis.explain.repair",
)
"""The modules that register a rule family's functions (see kimopt.rules)."""


def _import_rule_modules() -> None:
    import importlib

    for name in RULE_MODULES:
        importlib.import_module(name)


@pytest.mark.parametrize("name", [rule.name for rule in RULES])
def test_every_rule_family_has_every_function(name: str) -> None:
    from kimopt.rules import rule

    _import_rule_modules()
    entry = rule(name)
    assert set(entry.hooks) == set(entry.required_hooks()), name
    assert entry.label_de and entry.label_en


@pytest.mark.parametrize("name", ["coordination", "authorities"])
def test_every_horizon_rule_has_its_functions(name: str) -> None:
    import kimopt.analysis.explain.horizon
    import kimopt.check_horizon  # noqa: F401 - they register the horizon rules' functions
    from kimopt.rules import HORIZON_RULES, rule

    entry = rule(name)
    assert entry in HORIZON_RULES
    assert set(entry.hooks) == set(entry.required_hooks()), name


def test_every_repair_number_is_one_explain_can_change() -> None:
    from typing import get_args

    from kimopt.analysis.explain.repair import Number
    from kimopt.rules import NUMBERS, RULES

    numbers = [rule.number.name for rule in RULES if rule.number is not None]
    assert len(numbers) == len(set(numbers)) == len(NUMBERS)  # one rule per number
    assert set(numbers) == set(get_args(Number))


def test_rule_names_are_unique_and_labelled() -> None:
    from kimopt.labels import RULE_NAMES
    from kimopt.rules import HORIZON_RULES, RULES

    every = (*RULES, *HORIZON_RULES)
    assert len({rule.name for rule in every}) == len(every)
    assert list(RULE_NAMES) == [rule.name for rule in every]


def test_rule_modules_name_rules_only_through_the_registry() -> None:
    # a bare "budget_kommune" in these modules would be a rule outside the registry's reach
    import ast
    import importlib
    import inspect

    from kimopt.rules import RULES

    names = {rule.name for rule in RULES}
    for module_name in (*RULE_MODULES, "kimopt.labels", "kimopt.analysis.explain.core", "kimopt.cpsat.switches"):
        tree = ast.parse(inspect.getsource(importlib.import_module(module_name)))
        literals = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
        assert not names & literals, (module_name, names & literals)


def test_switchable_model_names_only_registered_rules() -> None:
    from kimopt.analysis.explain.core import Scenario
    from kimopt.rules import BY_NAME

    strict = model(min_coverage_vzae="0.5", quota_rule=True)
    literals = Scenario(instance(tiny()), strict).build(switchable=True).switches.literals
    assert {family for family, _ in literals} <= set(BY_NAME)


def test_checker_reports_only_registered_rules_or_file_checks() -> None:
    from kimopt.check import FILE_CHECKS, check_plan
    from kimopt.rules import BY_NAME

    # 100.05 VZÄ at the Kreis for Adorf: over the cap, off the grid; Bedorf and Cedorf get nothing
    broken = {
        "links": [
            {"host": "Kreis Klein", "host_type": "kreis", "kommune": "Adorf", "vzae": 100.05},
            {"host": "Niemand", "host_type": "traeger", "kommune": "Adorf", "vzae": 1},
        ]
    }
    violations = check_plan(instance(tiny()), model(min_coverage_vzae="0.5"), broken)
    assert {"funding_cap", "reachability", "granularity", "plan"} <= {v.rule for v in violations}
    assert {v.rule for v in violations} <= set(BY_NAME) | set(FILE_CHECKS)


def test_solver_parameters_are_set_in_one_place() -> None:
    # every CP-SAT solve takes its solver from kimopt.cpsat.solver.new_solver
    from tests.conftest import ROOT

    source = ROOT / "src" / "kimopt"
    texts = {
        path.relative_to(source).as_posix(): path.read_text(encoding="utf-8") for path in sorted(source.rglob("*.py"))
    }
    setting = [name for name, text in texts.items() if "CpSolver()" in text or ".parameters." in text]
    assert setting == ["cpsat/solver.py"]


def test_the_report_layer_does_not_solve() -> None:
    # reports lay out plans that the analyses found; solving belongs to kimopt.analysis
    import ast

    from tests.conftest import ROOT

    solving = ("kimopt.lexicographic", "kimopt.pipeline", "kimopt.cpsat", "ortools")
    for path in sorted((ROOT / "src" / "kimopt" / "report").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert not {m for m in imported if m.startswith(solving)}, path.name


def test_a_batch_row_names_a_missing_plan_apart_from_the_plan_statuses() -> None:
    from kimopt.analysis.batch import STATUS_EXIT, RunStatus

    assert RunStatus.of_plan(Status.UNKNOWN) is RunStatus.TIMEOUT  # no plan within the time limit: exit 4
    assert [RunStatus.of_plan(s) for s in (Status.OPTIMAL, Status.FEASIBLE, Status.INFEASIBLE)] == [
        RunStatus.OPTIMAL,
        RunStatus.FEASIBLE,
        RunStatus.INFEASIBLE,
    ]
    assert set(STATUS_EXIT) == {s.value for s in RunStatus}
    assert [STATUS_EXIT[s.value] for s in (RunStatus.TIMEOUT, RunStatus.INFEASIBLE, RunStatus.REJECTED)] == [4, 3, 5]


def test_terminal_tables_are_laid_out_in_the_console_package_only() -> None:
    from tests.conftest import ROOT

    source = ROOT / "src" / "kimopt"
    padding = sorted(
        path.relative_to(source).as_posix()
        for path in source.rglob("*.py")
        if "ljust(" in path.read_text(encoding="utf-8") or "rjust(" in path.read_text(encoding="utf-8")
    )
    assert padding == ["console/table.py"]


def test_no_module_imports_itself_in_a_circle() -> None:
    # every import counts, also one inside a function (only those under TYPE_CHECKING do not): a
    # circle means two modules that cannot be understood, or changed, one without the other
    import ast

    source = ROOT / "src"
    modules = {
        ".".join(p.with_suffix("").relative_to(source).parts).removesuffix(".__init__"): p for p in source.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for inner in ast.walk(node)
        }
        found: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
        # a package's own __init__ is where its modules are reached from: not a circle
        graph[name] = {m for m in found if m in modules and m != name and not name.startswith(m + ".")}
    seen: dict[str, int] = {}  # 1: on the path, 2: done

    def circle_from(name: str, path: list[str]) -> list[str] | None:
        seen[name] = 1
        for other in sorted(graph[name]):
            if seen.get(other) == 1:
                return [*path[path.index(other) :], other]
            if other not in seen and (found := circle_from(other, [*path, other])) is not None:
                return found
        seen[name] = 2
        return None

    for name in sorted(graph):
        if name not in seen:
            circle = circle_from(name, [name])
            assert circle is None, " → ".join(circle or [])
