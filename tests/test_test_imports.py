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
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level:
            names.add("." * node.level + (node.module or ""))
    return names


def _forbidden(module: str) -> bool:
    """A test module or conftest, by package path (tests.test_x) or as a bare name (pytest puts tests/ on sys.path)."""
    parts = module.split(".")
    if module.startswith("."):
        return True
    if parts[0] == "tests":
        return len(parts) > 1 and parts[1] != "support"
    return parts[0] == "conftest" or parts[0].startswith("test_")


def test_forbidden_sees_every_spelling():
    assert all(map(_forbidden, ["tests.test_layering", "tests.conftest", "conftest", "test_layering", ".helpers"]))
    assert not any(map(_forbidden, ["tests", "tests.support", "tests.support.paths", "annotator.cli", "pytest"]))


def test_no_test_module_imports_another():
    offenders = {}
    for path in sorted(TESTS.rglob("*.py")):
        imported = _imported_modules(ast.parse(path.read_text(encoding="utf-8")))
        bad = sorted(m for m in imported if _forbidden(m))
        if bad:
            offenders[str(path.relative_to(TESTS))] = bad
    assert not offenders, f"import shared code from tests/support instead: {offenders}"
