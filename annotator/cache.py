"""Caches kept between runs, in private per-user folders (start-up: issue 18).

One folder per kind of entry under ``$XDG_CACHE_HOME/ctdna-annotator/`` (default ``~/.cache``): ``jinja2``
(compiled templates, whose loading runs code) and ``kb`` (validated knowledgebases, as JSON). A folder is
used only when it is a real folder (not a symlink), owned by this user and closed to everyone else (0700),
and its parent is this user's and writable by no one else; this is checked before every use, and a folder
that fails is not used at all (the run goes on without a cache). ``CTDNA_ANNOTATOR_NO_CACHE`` set to
anything turns every cache off.

Entries are written whole (:func:`annotator.atomic.atomic_write_all`), read only from regular files of
this user, and a reader must treat an entry it cannot use (truncated, corrupt, from another version) as
absent and write it again: a cache never changes what a run produces, only how fast.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from annotator.atomic import OutputError, atomic_write_all

CACHE_ENV = "CTDNA_ANNOTATOR_NO_CACHE"
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # a validated knowledgebase is a few hundred kB


def cache_root() -> Path:
    """``ctdna-annotator`` under the user's cache home (``XDG_CACHE_HOME``, else ``~/.cache``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ctdna-annotator"


def _own(info: os.stat_result) -> bool:
    return info.st_uid == os.getuid()


def private_folder(name: str) -> Path | None:
    """The private cache folder ``name`` (created 0700 if missing), or None: caching switched off, or the
    folder or its parent is not safe to use (see the module docstring)."""
    if os.environ.get(CACHE_ENV):
        return None
    folder = cache_root() / name
    try:
        folder.mkdir(parents=True, mode=0o700, exist_ok=True)
        info, parent = folder.lstat(), folder.parent.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or not _own(info) or info.st_mode & 0o077:
        return None
    if not stat.S_ISDIR(parent.st_mode) or not _own(parent) or parent.st_mode & 0o022:
        return None
    return folder


def read_entry(folder: Path, name: str) -> bytes | None:
    """The bytes of entry ``name``, or None when it is missing or not a regular file of this user's (a symlink
    is never followed)."""
    try:
        fd = os.open(folder / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode) or not _own(info) or info.st_size > MAX_ENTRY_BYTES:
            return None
        return fh.read(MAX_ENTRY_BYTES + 1)


def write_entry(folder: Path, name: str, data: bytes) -> None:
    """Write entry ``name`` whole (readers see the old entry or the new one, never half); a failure to write
    is not an error: the next run builds it again."""
    try:
        atomic_write_all({folder / name: data}, private=True)
    except OutputError:
        pass
