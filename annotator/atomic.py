"""Write files so that no reader ever sees half of one, and no failure leaves a temporary file behind.

Every writer of the package (reports, status file, cohort) goes through :func:`atomic_write_all`: the
data goes to ``mkstemp`` files in the destination folder (unpredictable names, created exclusively,
so never followed through a planted symlink), is written whole, and only then is each renamed into
place with ``os.replace`` (atomic within one file system). Any error removes every temporary file and
becomes one :class:`OutputError` line naming the folder and the reason ("No space left on device").
"""

from __future__ import annotations

import csv
import errno
import fcntl
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from annotator.errors import AnnotatorError


class OutputError(AnnotatorError):
    """The output folder cannot take the files (read-only, full, not a folder...)."""


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_writable_dir(folder: Path, create: bool = True) -> None:
    """Prove a file can be created in ``folder`` before any work is done. ``create=False`` leaves a missing
    folder uncreated (nothing must exist after a failed run) and probes the nearest existing parent."""
    probe_in = folder
    if create:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise OutputError(f"{folder}: exists and is not a folder") from None
        except OSError as exc:
            raise OutputError(f"{folder}: cannot create the output folder ({_reason(exc)})") from None
    else:
        while not probe_in.exists() and probe_in != probe_in.parent:
            probe_in = probe_in.parent
    if not probe_in.is_dir():
        what = "is not a folder" if probe_in == folder else f"cannot create the output folder ({probe_in} is not a folder)"
        raise OutputError(f"{folder}: {what}")
    try:
        fd, probe = tempfile.mkstemp(dir=probe_in, prefix=".ctdna-annotator-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{folder}: the output folder is not writable ({_reason(exc)})") from None


def atomic_write_all(files: Mapping[Path, bytes | str], durable: bool = False, private: bool = False) -> list[Path]:
    """Write every file, or none: all temporary files first, then the renames. Returns the paths written.

    ``durable`` also flushes each file to disk before its rename (survives a power cut, at a cost of
    milliseconds per file); without it a killed process still never leaves a partial file. ``private``
    files stay readable by their owner only (cache entries)."""
    temps: list[tuple[Path, Path]] = []
    mode = 0o600 if private else 0o666 & ~_umask()  # mkstemp makes 0600; reports and tables are meant to be shared
    try:
        for path, data in files.items():
            fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
            tmp = Path(name)
            temps.append((path, tmp))  # registered before the write, so a failed write is cleaned up too
            with os.fdopen(fd, "wb") as fh:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
                if durable:
                    fh.flush()
                    os.fsync(fh.fileno())
            os.chmod(tmp, mode)
        for path, tmp in temps:
            os.replace(tmp, path)
        return [path for path, _ in temps]
    except OSError as exc:
        folder = next(iter(files)).parent if files else Path(".")
        raise OutputError(f"{folder}: cannot write {', '.join(p.name for p in files)} ({_reason(exc)})") from None
    finally:
        for _, tmp in temps:
            tmp.unlink(missing_ok=True)


def atomic_write(path: Path, data: bytes | str) -> Path:
    return atomic_write_all({path: data})[0]


def tsv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Tab-separated text through ``csv``: a tab, newline or quote inside a cell is quoted, never a new column."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if c is None else c for c in row] for row in rows)
    return buffer.getvalue()


def append_tsv_rows(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> bool:
    """Append ``rows`` to the TSV at ``path`` in one write, when it is whole and has this header; False (nothing
    written) otherwise, so the caller rewrites it with :func:`atomic_write_all`.

    One ``write`` to a file opened for appending is never half-done by a kill, and costs the same however long
    the file is (a rewrite per row made a run of n samples cost n squared). A write that fails or is cut short
    (a full disk) is taken back, so the file stays whole, and becomes one :class:`OutputError` line. The caller
    holds the file's lock."""
    head = tsv_text(header, ()).encode("utf-8")
    data = tsv_text(header, rows).encode("utf-8")[len(head):]
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        size = os.fstat(fd).st_size
        if size < len(head) or os.pread(fd, len(head), 0) != head or os.pread(fd, 1, size - 1) != b"\n":
            return False
        try:
            if os.write(fd, data) != len(data):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        except OSError as exc:
            os.ftruncate(fd, size)
            raise OutputError(f"{path.parent}: cannot write {path.name} ({_reason(exc)})") from None
        return True
    finally:
        os.close(fd)


def read_tsv_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a TSV written by :func:`tsv_text`, as dicts by header name."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@contextmanager
def locked(lock_path: Path) -> Iterator[None]:
    """An advisory exclusive lock (``fcntl.flock``) on ``lock_path``, held for the block: writers that
    read, merge and replace one file take it so that none of them loses another's rows."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666 & ~_umask())
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
