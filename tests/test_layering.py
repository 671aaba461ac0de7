"""The layering rule, written down and enforced: data flows one way,
inputs -> readers -> matching -> interpretation -> report model -> renderers.

A module may import only from its own layer or layers to its left; renderers never see cyvcf2,
pysam or YAML, readers know nothing of reports or templates. Within a layer, imports form no cycle
(function-local imports included: they hide a cycle, they do not remove it)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests.support.paths import PKG

LAYERS = [
    ("base", ["errors", "resources", "thresholds", "config_assay", "config", "models", "genome", "normalize", "atomic", "cache"]),
    ("kb", ["kb"]),
    ("readers", ["readers", "reference"]),
    ("matching", ["matching", "copynumber"]),
    ("interpret", ["interpret", "options", "plasma"]),
    ("report", ["report"]),
    ("render", ["render", "output"]),
    ("pipeline", ["sample_steps", "pipeline", "samplesheet", "batch", "cohort", "cli"]),
]
RANK = {name: i for i, (_, names) in enumerate(LAYERS) for name in names}
FORBIDDEN_IN_RENDER = {"cyvcf2", "pysam", "yaml"}


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "annotator" or len(parts) < 2:
        return None
    return RANK.get(parts[1])


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def absolute(node: ast.ImportFrom, path: Path) -> str:
    """The module an ImportFrom names, relative imports resolved against the importing module's package."""
    if not node.level:
        return node.module or ""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports(path: Path) -> list[str]:
    """Every module ``path`` imports, at any depth of the file; ``from pkg import name`` also counts as ``pkg.name``."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = absolute(node, path)
            out += [module] + [f"{module}.{a.name}" for a in node.names]
    return out


MODULES = sorted(p for p in PKG.rglob("*.py") if p.name != "__init__.py" or p.parent != PKG)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_imports_only_to_the_left(path):
    rel = path.relative_to(PKG).with_suffix("")
    own = layer_of("annotator." + ".".join(rel.parts))
    assert own is not None, f"{rel} is in no layer: add it to LAYERS"
    for module in imports(path):
        target = layer_of(module)
        if target is not None:
            assert target <= own, f"{rel} (layer {LAYERS[own][0]}) imports {module} (layer {LAYERS[target][0]})"
        if LAYERS[own][0] == "render":
            assert module.split(".")[0] not in FORBIDDEN_IN_RENDER, f"{rel} imports {module}"


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (``from pkg import name`` is pkg.name when that is a module)."""
    paths = {module_name(p): p for p in PKG.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                module = absolute(node, path)
                targets |= {f"{module}.{a.name}" if f"{module}.{a.name}" in paths else module for a in node.names}
        graph[name] = {t for t in targets if t in paths and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that returns to its start, or None (depth-first search, three colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_find_cycle_sees_a_function_local_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_import_graph_is_acyclic():
    graph = import_graph()
    assert "annotator.readers.vcf.reader" in graph  # the graph really covers the package
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize(
    "source, file, expected",
    [
        ("from annotator import report", "readers/codons.py", "annotator.report"),
        ("from ..pipeline import option_context", "readers/common.py", "annotator.pipeline"),
        ("from .reader import detect_format", "readers/cnv/formats.py", "annotator.readers.cnv.reader"),
        ("from . import formats", "readers/cnv/__init__.py", "annotator.readers.cnv.formats"),
    ],
)
def test_imports_are_resolved_however_they_are_written(tmp_path, monkeypatch, source, file, expected):
    """Relative imports and ``from annotator import x`` name the same module as the absolute form."""
    probe = tmp_path / "annotator" / file
    probe.parent.mkdir(parents=True)
    probe.write_text(f"def f():\n    {source}\n")
    monkeypatch.setattr(sys.modules[__name__], "PKG", tmp_path / "annotator")
    assert expected in imports(probe)


def test_no_module_is_longer_than_400_lines():
    long = {str(p.relative_to(PKG)): n for p in PKG.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert not long, f"split these modules by job: {long}"
