"""Test modules share code through tests/support only: none imports another test module or conftest."""

from __future__ import annotations

import ast

from tests.support.paths import TESTS


def _imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):  # function-local imports too
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            names.add("." * node.level + (node.module or ""))
    return names


def test_no_test_module_imports_another():
    offenders = {}
    for path in sorted(TESTS.rglob("*.py")):
        imported = _imported_modules(ast.parse(path.read_text(encoding="utf-8")))
        bad = sorted(m for m in imported if m.startswith(".") or
                     (m.split(".")[0] == "tests" and not (m == "tests.support" or m.startswith("tests.support."))))
        if bad:
            offenders[str(path.relative_to(TESTS))] = bad
    assert not offenders, f"import shared code from tests/support instead: {offenders}"
