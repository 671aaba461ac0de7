"""Access to the bundled knowledgebase/, templates/ and JSON schema.

In an installed wheel they live in ``annotator/_bundled/``; in a source checkout they are the
repository's own top-level folders (the reviewable originals). Both are found through
``importlib.resources`` so no code builds paths from ``__file__``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _locate(name: str) -> Path:
    package = resources.files("annotator")
    bundled = package / "_bundled" / name
    if bundled.is_file() or bundled.is_dir():
        return Path(str(bundled))
    source_tree = Path(str(package)).parent / _SOURCE_NAMES.get(name, name)
    if source_tree.exists():
        return source_tree
    raise FileNotFoundError(f"bundled resource {name!r} is missing from this installation")


_SOURCE_NAMES = {"report.schema.json": "docs/report.schema.json", "Snakefile": "workflow/Snakefile"}


def knowledgebase_dir() -> Path:
    return _locate("knowledgebase")


def templates_dir() -> Path:
    return _locate("templates")


def report_schema_path() -> Path:
    return _locate("report.schema.json")


def workflow_path() -> Path:
    return _locate("Snakefile")
