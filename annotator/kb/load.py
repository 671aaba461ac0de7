"""Read the knowledgebase YAML files, validate them, and report every problem at once.

Layout of a knowledgebase directory (each file holds a YAML list of entries, except release.yaml):
``release.yaml`` and ``policy.yaml`` (one mapping each), ``plasma.yaml`` (one mapping, optional: issue 16; a
directory without it has no plasma knowledge), ``references.yaml, genes.yaml, drug_classes.yaml,
drugs.yaml, alterations.yaml, mechanisms.yaml, regimens.yaml, trials.yaml`` (+ CHANGELOG.md, not parsed).

Content hash recipe (``kb version``, JSON ``knowledgebase.sha256``): SHA-256 over the files above
(``KB_FILES``, plus ``plasma.yaml`` when present) in sorted file-name order, feeding for each ``name``, a NUL byte, the raw file bytes
and a NUL byte. Whitespace edits therefore change the hash, as they change the files. Other files of
the directory are never opened: a ``--kb`` folder may hold anything beside them.

Each knowledgebase file must be a regular file (a symlink is followed only to one) of at most
``MAX_FILE_BYTES``: a FIFO would block the reader and ``/dev/zero`` would never end.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from annotator.errors import KnowledgebaseError
from annotator.kb import cached
from annotator.kb.schema import (
    Alteration,
    Drug,
    DrugClass,
    Gene,
    Knowledgebase,
    Mechanism,
    PlasmaKnowledge,
    Policy,
    Reference,
    Regimen,
    Release,
    Trial,
)
from annotator.resources import knowledgebase_dir

LIST_FILES: dict[str, type[BaseModel]] = {
    "references.yaml": Reference,
    "genes.yaml": Gene,
    "drug_classes.yaml": DrugClass,
    "drugs.yaml": Drug,
    "alterations.yaml": Alteration,
    "mechanisms.yaml": Mechanism,
    "regimens.yaml": Regimen,
    "trials.yaml": Trial,
}
FIELD_OF_FILE = {
    "references.yaml": "references",
    "genes.yaml": "genes",
    "drug_classes.yaml": "drug_classes",
    "drugs.yaml": "drugs",
    "alterations.yaml": "alterations",
    "mechanisms.yaml": "mechanisms",
    "regimens.yaml": "regimens",
    "trials.yaml": "trials",
}


RELEASE_FILE = "release.yaml"
# Files holding one mapping, and the Knowledgebase field each fills.
MAPPING_FILES: dict[str, tuple[str, type[BaseModel]]] = {RELEASE_FILE: ("release", Release), "policy.yaml": ("policy", Policy)}
# Optional one-mapping files: validated like the others when present, hashed only then.
OPTIONAL_MAPPING_FILES: dict[str, tuple[str, type[BaseModel]]] = {"plasma.yaml": ("plasma", PlasmaKnowledge)}
KB_FILES = (*MAPPING_FILES, *LIST_FILES)
MAX_FILE_BYTES = 16 * 1024 * 1024  # the bundled files are well under 1 MB each


class _NotReadable(Exception):
    """A knowledgebase file that is missing, not a regular file or too large (``problem`` says which)."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "a special file"


def _check_regular(st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise _NotReadable(f"not a regular file ({_file_kind(st.st_mode)})")
    if st.st_size > MAX_FILE_BYTES:
        raise _NotReadable(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB ({st.st_size} bytes)")


def _errno_name(exc: OSError) -> str:
    """``ENOENT`` and the like for an error without its own text; the error itself when it has no number."""
    return errno.errorcode.get(exc.errno, str(exc)) if exc.errno is not None else str(exc)


def read_kb_file(path: Path) -> bytes:
    """The bytes of one knowledgebase file: a regular file (symlinks followed) of at most MAX_FILE_BYTES.

    Checked before opening (a FIFO would block ``open``) and again on the open descriptor, which is
    opened non-blocking so that a file swapped for a FIFO in between cannot hang the run either."""
    try:
        _check_regular(os.stat(path))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise _NotReadable("missing") from None
    except OSError as exc:
        raise _NotReadable(f"cannot be read: {exc.strerror or _errno_name(exc)}") from None
    with os.fdopen(fd, "rb") as fh:
        _check_regular(os.fstat(fh.fileno()))
        data = fh.read(MAX_FILE_BYTES + 1)  # a file growing after the check still stops at the cap
    if len(data) > MAX_FILE_BYTES:
        raise _NotReadable(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    return data


def _sha256_of(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    return digest.hexdigest()


def content_sha256(root: Path) -> str:
    """The content hash of the knowledgebase at ``root`` (recipe in the module docstring)."""
    files: dict[str, bytes] = {}
    for name in (*KB_FILES, *OPTIONAL_MAPPING_FILES):
        if name in OPTIONAL_MAPPING_FILES and not os.path.lexists(Path(root) / name):
            continue
        try:
            files[name] = read_kb_file(Path(root) / name)
        except _NotReadable as exc:
            raise KnowledgebaseError([f"{name}: (file): {exc.problem}"], root) from None
    return _sha256_of(files)


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


def _read_files(root: Path) -> dict[str, bytes | _NotReadable]:
    """The bytes of every knowledgebase file at ``root`` (the optional ones only when present), in the order
    their problems are reported; a file that cannot be read is kept as its problem."""
    present = [name for name in OPTIONAL_MAPPING_FILES if os.path.lexists(root / name)]
    reads: dict[str, bytes | _NotReadable] = {}
    for name in (*MAPPING_FILES, *present, *LIST_FILES):
        try:
            reads[name] = read_kb_file(root / name)
        except _NotReadable as exc:
            reads[name] = exc
    return reads


def _parse_yaml(name: str, data: bytes | _NotReadable, problems: list[str]) -> Any:
    """One knowledgebase file parsed, or None with its problem collected."""
    if isinstance(data, _NotReadable):
        problems.append(f"{name}: (file): {data.problem}")
        return None
    import yaml  # only when the knowledgebase is not taken from the cache

    from annotator.kb.yaml_loader import LOADER

    try:
        return yaml.load(data.decode("utf-8"), Loader=LOADER)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        problems.append(f"{name}: {where}: not valid YAML: {getattr(exc, 'problem', exc)}")
    return None


def _parse_mappings(reads: dict[str, bytes | _NotReadable], problems: list[str]) -> dict[str, BaseModel]:
    """The one-mapping files (release, policy, plasma when present) as models, by Knowledgebase field; problems collected."""
    parsed: dict[str, BaseModel] = {}
    specs = {**MAPPING_FILES, **OPTIONAL_MAPPING_FILES}
    for name, data in reads.items():
        if name not in specs:
            continue
        field, model = specs[name]
        raw_mapping = _parse_yaml(name, data, problems)
        if raw_mapping is not None:
            try:
                parsed[field] = model.model_validate(raw_mapping)
            except ValidationError as exc:
                problems += [f"{name}: {field}: {p}" for p in _format_validation(exc)]
    return parsed


def _parse_entries(name: str, raw: Any, model: type[BaseModel], problems: list[str]) -> list[BaseModel]:
    """The valid entries of one list file; each invalid entry's problems are collected under its label."""
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        problems.append(f"{name}: (file): expected a YAML list of entries")
        raw = []
    entries = []
    for index, item in enumerate(raw):
        try:
            entries.append(model.model_validate(item))
        except ValidationError as exc:
            label = _entry_label(item, index)
            problems += [f"{name}: {label}: {p}" for p in _format_validation(exc)]
    return entries


def load_knowledgebase(root: str | Path) -> Knowledgebase:
    """Load and fully validate one knowledgebase directory, or raise KnowledgebaseError listing all problems.

    A knowledgebase validated before (same file contents, same schema code) is taken from the per-user cache
    (:mod:`annotator.kb.cached`) instead: parsing the YAML and validating it is most of a load."""
    root = Path(root)
    if not root.is_dir():
        raise KnowledgebaseError([f"{root}: (directory): not found"], root)
    reads = _read_files(root)  # hashed from the very bytes that are parsed
    files = {name: data for name, data in reads.items() if isinstance(data, bytes)}
    content = _sha256_of(files) if len(files) == len(reads) else None
    key = cached.entry_name(content) if content else None
    kb = cached.load(key, content) if key and content else None
    if kb is None:
        kb = _build(root, reads, files)
        if key:
            cached.store(key, kb)
    return kb


def _build(root: Path, reads: dict[str, bytes | _NotReadable], files: dict[str, bytes]) -> Knowledgebase:
    problems: list[str] = []
    parsed: dict[str, Any] = _parse_mappings(reads, problems)
    for name, model in LIST_FILES.items():
        parsed[FIELD_OF_FILE[name]] = _parse_entries(name, _parse_yaml(name, reads[name], problems), model, problems)

    missing = [f"{name}: {field}: missing" for name, (field, _) in MAPPING_FILES.items() if field not in parsed]
    if problems or missing:
        raise KnowledgebaseError(problems or missing, root)

    from annotator.kb.validate import (
        cross_reference_problems,  # only when the knowledgebase is not taken from the cache
    )

    kb = Knowledgebase(sha256=_sha256_of(files), **parsed)
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
        root = knowledgebase_dir()
    return _cached(str(Path(root).resolve()))
