"""The type check and the lint run inside the test command, so a pull request cannot skip them.

Both tools read their settings from pyproject.toml (mypy: pydantic plugin, disallow_untyped_defs;
ruff: complexity cap 10, blanket ignores refused). An exception to either must say why, on its line."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.support.paths import ROOT

SUPPRESSION = re.compile(r"#\s*(?P<kind>type:\s*ignore|noqa)(?P<rest>.*)$")


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    if "No module named" in proc.stderr:
        pytest.fail(f"{args[0]} is not installed: install the test extras (pip install '.[test]')")
    return proc


def test_mypy_passes():
    proc = run_tool("mypy", "--no-error-summary")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_passes():
    proc = run_tool("ruff", "check", "--no-cache", "annotator", "tests", "benchmarks")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def suppressions_without_reason(text: str) -> list[str]:
    """Lines whose `# type: ignore[...]` or `# noqa: ...` gives no reason after the codes."""
    bad = []
    for line in text.splitlines():
        match = SUPPRESSION.search(line)
        if not match:
            continue
        rest = match["rest"]
        codes = re.match(r"\s*(\[[\w\-, ]+\]|:\s*[A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*)", rest)
        reason = rest[codes.end():] if codes else ""
        if not codes or not re.search(r"\w{3,}", reason):
            bad.append(line.strip())
    return bad


def test_suppressions_check_sees_a_bare_ignore():
    assert suppressions_without_reason("x = f()  # type: ignore[arg-type]\ny = g()  # noqa: C901\n") == [
        "x = f()  # type: ignore[arg-type]",
        "y = g()  # noqa: C901",
    ]
    assert suppressions_without_reason("def f():  # noqa: C901 -- one table of twelve callers, read top to bottom\n") == []
    assert suppressions_without_reason("z = h()  # type: ignore[attr-defined]  # cyvcf2 has no stubs\n") == []


@pytest.mark.parametrize("folder", ["annotator", "tests", "benchmarks"])
def test_every_suppression_says_why(folder):
    bad = [
        f"{path.relative_to(ROOT)}: {line}"
        for path in sorted((ROOT / folder).rglob("*.py"))
        for line in suppressions_without_reason(path.read_text())
        if path.name != "test_static_checks.py"
    ]
    assert not bad, "\n".join(bad)
