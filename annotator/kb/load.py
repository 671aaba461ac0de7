"""Read the knowledgebase YAML files, validate them, and report every problem at once.

Layout of a knowledgebase directory (each file holds a YAML list of entries, except release.yaml):
``release.yaml, references.yaml, genes.yaml, drugs.yaml, alterations.yaml, mechanisms.yaml,
regimens.yaml, trials.yaml`` (+ CHANGELOG.md, not parsed).

Content hash recipe (``kb version``, JSON ``knowledgebase.sha256``): SHA-256 over every ``*.yaml``
file of the directory in sorted file-name order, feeding for each ``name``, a NUL byte, the raw
file bytes and a NUL byte. Whitespace edits therefore change the hash, as they change the files.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from annotator.errors import KnowledgebaseError
from annotator.kb.schema import (
    Alteration,
    Drug,
    Gene,
    Knowledgebase,
    Mechanism,
    Reference,
    Regimen,
    Release,
    Trial,
)

LIST_FILES: dict[str, type[BaseModel]] = {
    "references.yaml": Reference,
    "genes.yaml": Gene,
    "drugs.yaml": Drug,
    "alterations.yaml": Alteration,
    "mechanisms.yaml": Mechanism,
    "regimens.yaml": Regimen,
    "trials.yaml": Trial,
}
FIELD_OF_FILE = {
    "references.yaml": "references",
    "genes.yaml": "genes",
    "drugs.yaml": "drugs",
    "alterations.yaml": "alterations",
    "mechanisms.yaml": "mechanisms",
    "regimens.yaml": "regimens",
    "trials.yaml": "trials",
}


def content_sha256(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.glob("*.yaml"), key=lambda p: p.name):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _entry_label(raw: Any, index: int) -> str:
    if isinstance(raw, dict):
        for key in ("id", "symbol"):
            if raw.get(key):
                return str(raw[key])
    return f"entry #{index + 1}"


def _format_validation(error: ValidationError) -> list[str]:
    out = []
    for item in error.errors():
        loc = ".".join(str(part) for part in item["loc"]) or "(entry)"
        out.append(f"{loc}: {item['msg']}")
    return out


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster start-up


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except FileNotFoundError:
        problems.append(f"{path.name}: (file): missing")
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        problems.append(f"{path.name}: {where}: not valid YAML: {getattr(exc, 'problem', exc)}")
    return None


def load_knowledgebase(root: str | Path) -> Knowledgebase:
    """Load and fully validate one knowledgebase directory, or raise KnowledgebaseError listing all problems."""
    root = Path(root)
    if not root.is_dir():
        raise KnowledgebaseError([f"{root}: (directory): not found"], root)
    problems: list[str] = []
    parsed: dict[str, Any] = {}

    raw_release = _read_yaml(root / "release.yaml", problems)
    if raw_release is not None:
        try:
            parsed["release"] = Release.model_validate(raw_release)
        except ValidationError as exc:
            problems += [f"release.yaml: release: {p}" for p in _format_validation(exc)]

    for name, model in LIST_FILES.items():
        raw = _read_yaml(root / name, problems)
        entries = []
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            problems.append(f"{name}: (file): expected a YAML list of entries")
            raw = []
        for index, item in enumerate(raw):
            try:
                entries.append(model.model_validate(item))
            except ValidationError as exc:
                label = _entry_label(item, index)
                problems += [f"{name}: {label}: {p}" for p in _format_validation(exc)]
        parsed[FIELD_OF_FILE[name]] = entries

    if problems or "release" not in parsed:
        raise KnowledgebaseError(problems or ["release.yaml: release: missing"], root)

    kb = Knowledgebase(sha256=content_sha256(root), **parsed)
    from annotator.kb.validate import cross_reference_problems

    problems = cross_reference_problems(kb)
    if problems:
        raise KnowledgebaseError(problems, root)
    return kb


@lru_cache(maxsize=4)
def _cached(root: str) -> Knowledgebase:
    return load_knowledgebase(root)


def get_knowledgebase(root: str | Path | None = None) -> Knowledgebase:
    """The knowledgebase at ``root`` (default: the bundled one), loaded once per process."""
    if root is None:
        from annotator.resources import knowledgebase_dir

        root = knowledgebase_dir()
    return _cached(str(Path(root).resolve()))
