"""Validated knowledgebases kept between runs: parsing the YAML and validating it is most of a load.

An entry is the :class:`~annotator.kb.schema.Knowledgebase` model's JSON (loading it runs no code: pydantic
validates it again, in Rust, in a few milliseconds), in the private ``kb`` cache folder
(:mod:`annotator.cache`). Its name is a SHA-256 over the knowledgebase's content hash and the code that
decides what a valid knowledgebase is (the sources of :mod:`annotator.kb` and the pydantic version): an
edited file or an edited schema or cross-reference check names another entry. Only a knowledgebase that
passed every check is stored. An entry that cannot be read back whole (truncated, corrupt, for another
knowledgebase) is ignored, and the load that follows stores it again.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

import pydantic

from annotator.cache import private_folder, read_entry, write_entry
from annotator.kb.schema import Knowledgebase

FOLDER = "kb"


@lru_cache(maxsize=1)
def _code_fingerprint() -> str | None:
    """A SHA-256 over the sources of this package and the pydantic version; None when the sources cannot be
    read (then nothing is cached: a schema change could not be told apart)."""
    digest = hashlib.sha256(f"pydantic {pydantic.VERSION}\0".encode())
    try:
        sources = sorted((p for p in resources.files("annotator.kb").iterdir() if p.name.endswith(".py")), key=lambda p: p.name)
        for source in sources:
            digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    except OSError:
        return None
    return digest.hexdigest() if sources else None


def entry_name(content_sha256: str) -> str | None:
    """The cache entry of the knowledgebase with this content hash, as this code validates it; None: no caching."""
    code = _code_fingerprint()
    if code is None:
        return None
    return hashlib.sha256(f"{content_sha256}\0{code}".encode()).hexdigest() + ".json"


def load(name: str, content_sha256: str) -> Knowledgebase | None:
    """The knowledgebase stored as ``name``, or None: no private cache folder, no entry, or one that does not
    read back as this knowledgebase."""
    folder = private_folder(FOLDER)
    data = read_entry(folder, name) if folder is not None else None
    if data is None:
        return None
    try:
        kb = Knowledgebase.model_validate_json(data)
    except (pydantic.ValidationError, ValueError):
        return None
    return kb if kb.sha256 == content_sha256 else None


def store(name: str, kb: Knowledgebase) -> None:
    """Keep a validated knowledgebase for the next runs (silently not, without a private cache folder)."""
    folder = private_folder(FOLDER)
    if folder is not None:
        write_entry(folder, name, kb.model_dump_json().encode())
