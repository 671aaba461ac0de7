"""The layering rule, written down and enforced: data flows one way,
inputs -> readers -> matching -> interpretation -> report model -> renderers.

A module may import only from its own layer or layers to its left; renderers never see cyvcf2,
pysam or YAML, readers know nothing of reports or templates."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.paths import PKG

LAYERS = [
    ("base", ["errors", "resources", "config", "models", "genome", "normalize", "atomic"]),
    ("kb", ["kb"]),
    ("readers", ["readers", "reference"]),
    ("matching", ["matching", "copynumber"]),
    ("interpret", ["interpret", "options"]),
    ("report", ["report"]),
    ("render", ["render", "output"]),
    ("pipeline", ["pipeline", "samplesheet", "batch", "cohort", "cli"]),
]
RANK = {name: i for i, (_, names) in enumerate(LAYERS) for name in names}
FORBIDDEN_IN_RENDER = {"cyvcf2", "pysam", "yaml"}


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "annotator" or len(parts) < 2:
        return None
    return RANK.get(parts[1])


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.append(node.module)
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
