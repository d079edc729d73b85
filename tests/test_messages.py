"""``errors.MESSAGES`` is one static table: importing :mod:`kimopt.errors` alone gives every
message code any module of kimopt uses, and no module adds codes at import."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "kimopt"
# constructors whose argument is a message code, by the position of that argument
CODE_CLASSES = {"Finding": 1, "NumberError": 0, "PydanticCustomError": 0}


def _strings(node: ast.AST | None, position: int | None = None) -> set[str]:
    """The string constants ``node`` can evaluate to (both branches of ``a if c else b``); with
    ``position``, those at that place of a tuple."""
    if node is None:
        return set()
    if isinstance(node, ast.IfExp):
        return _strings(node.body, position) | _strings(node.orelse, position)
    if position is not None:
        if isinstance(node, ast.Tuple) and position < len(node.elts):
            return _strings(node.elts[position])
        return set()
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    return set()


def _code_parameters(trees: list[ast.Module]) -> dict[str, set[int]]:
    """Every function or method with a parameter ``code``: its name and that parameter's position
    in a call (``self`` left out)."""
    out: dict[str, set[int]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            functions = [node] if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else []
            if isinstance(node, ast.ClassDef):  # an exception called by its class name
                functions = [f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"]
            for function in functions:
                names = [a.arg for a in function.args.posonlyargs + function.args.args]
                if names and names[0] in ("self", "cls"):
                    names = names[1:]
                if "code" in names:
                    out.setdefault(node.name, set()).add(names.index("code"))
    return out


def _variable_codes(tree: ast.Module) -> dict[str, set[str]]:
    """``code = "x" if … else "y"`` and ``code, shown = ("x", …)``: what a local ``code`` can hold."""
    out: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == "code":
                    out.setdefault("code", set()).update(_strings(node.value))
                elif isinstance(target, ast.Tuple):
                    for i, element in enumerate(target.elts):
                        if isinstance(element, ast.Name) and element.id == "code":
                            out.setdefault("code", set()).update(_strings(node.value, i))
    return out


def used_codes() -> dict[str, str]:
    """Every message code the sources pass to a finding, a number error, a pydantic error or a
    helper taking a ``code``, with the first file using it."""
    files = sorted(SRC.rglob("*.py"))
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in files]
    everywhere = _code_parameters(trees)
    found: dict[str, str] = {}
    for path, tree in zip(files, trees, strict=True):
        local = _variable_codes(tree)
        # a name defined in the module means its own function (``problem`` has its code elsewhere)
        own = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        takes_code = (
            {name: {n} for name, n in CODE_CLASSES.items()}
            | {name: n for name, n in everywhere.items() if name not in own}
            | _code_parameters([tree])
        )
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name not in takes_code:
                continue
            args = [k.value for k in node.keywords if k.arg == "code"]
            args += [node.args[n] for n in takes_code[name] if n < len(node.args)]
            for arg in args:
                codes = _strings(arg)
                if isinstance(arg, ast.Name) and arg.id == "code":
                    codes |= local.get("code", set())
                for code in codes:
                    found.setdefault(code, str(path.relative_to(SRC)))
    return found


def _messages_of_errors_alone() -> set[str]:
    """The codes of ``MESSAGES`` in a fresh interpreter that imports only :mod:`kimopt.errors`."""
    script = (
        "import json, sys; from kimopt.errors import MESSAGES; "
        "mods = sorted(m for m in sys.modules if m.startswith('kimopt')); "
        "print(json.dumps({'codes': sorted(MESSAGES), 'modules': mods}))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    data = json.loads(done.stdout)
    assert data["modules"] == ["kimopt", "kimopt.errors"], data["modules"]
    return set(data["codes"])


def test_the_scan_finds_the_codes_of_every_area() -> None:
    # one code of each area that used to extend the table at import: the scan sees them all
    found = used_codes()
    for code in (
        "years_order",  # horizon
        "unknown_employer",  # horizon, through a helper's code parameter
        "table_too_many_rows",  # io.table
        "table_mixed_numbers",  # io.number_convention
        "xlsx_date",  # io.excel
        "plan_fixed_mark",  # io.excel.plan_sheet
        "gv100_cut",  # io.gv100
        "table_bad_ags",  # land.key, through a tuple assignment
        "round_land",  # land.round_file, a pydantic error
        "overlay_twice",  # land.plans
        "calibrate_column",  # land.calibrate, through a method's code parameter
        "not_finite",  # numbers
    ):
        assert code in found, code
    assert len(found) > 100


def test_importing_errors_alone_gives_every_code_in_use() -> None:
    codes = _messages_of_errors_alone()
    missing = {code: where for code, where in used_codes().items() if code not in codes}
    assert missing == {}


def test_the_pydantic_codes_are_messages() -> None:
    from kimopt.errors import _PYDANTIC_CODES, MESSAGES

    assert set(_PYDANTIC_CODES.values()) - set(MESSAGES) == set()


def test_no_module_extends_the_table() -> None:
    pattern = re.compile(r"\bMESSAGES\s*(\.\s*(update|setdefault|__setitem__)\b|\[[^\]]*\]\s*=[^=]|\|=)")
    offenders = [
        f"{path.relative_to(SRC)}:{n}"
        for path in sorted(SRC.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_every_message_has_both_languages() -> None:
    from kimopt.errors import MESSAGES

    for code, texts in MESSAGES.items():
        assert isinstance(texts, tuple) and len(texts) == 2, code
        de, en = texts
        assert de.strip() and en.strip(), code
        # the same placeholders in both languages (the _de/_en hints are the language's own)
        assert {p.replace("_de", "_en") for p in re.findall(r"\{(\w+)\}", de)} == set(re.findall(r"\{(\w+)\}", en)), (
            code
        )
