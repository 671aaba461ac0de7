"""The line-by-line prefilter of annotator/readers/vcf_scan.py as it was before the block scanner (issue 18),
kept as the oracle for tests/test_vcf_block_scan.py: the block scanner must write the same bytes, keep the
same line numbers, count the same records and raise the same errors. Verbatim but for two fixes made with it
(issue 18): corrupt deflate data (``zlib.error``) is a user's error, and POS must be ASCII digits ('²' crashed)."""

from __future__ import annotations

import gzip
import os
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from annotator.errors import InputError
from annotator.readers.vcf_scan import OutsideCounts, Windows


def _byte_lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    if gz:
        with gzip.open(path, "rb") as handle:
            yield from handle
    else:
        with path.open("rb") as handle:
            yield from handle


def prefilter(path: Path, header_lines: int, windows: Windows) -> tuple[Path, list[int], OutsideCounts]:
    counts = OutsideCounts()
    kept_lines: list[int] = []
    fd, tmp_name = tempfile.mkstemp(prefix="ctdna-annotator-", suffix=".vcf")
    tmp = Path(tmp_name)
    last_contig = None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for n, line in enumerate(_strict_text_lines(path), start=1):
                if n <= header_lines:
                    out.write(line.lstrip("\ufeff") if n == 1 else line)
                    continue
                if not line.strip():
                    continue
                cols = _record_columns(line, path, n)
                if windows.hits(cols[0], int(cols[1]), len(cols[3])):
                    out.write(line if line.endswith("\n") else line + "\n")
                    kept_lines.append(n)
                    continue
                counts.read += 1
                if cols[0] != last_contig:
                    last_contig = cols[0]
                    counts.contigs.add(last_contig)
    except (EOFError, OSError, gzip.BadGzipFile, zlib.error) as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"truncated or corrupt gzip file ({exc})", path) from None
    except UnicodeDecodeError:
        tmp.unlink(missing_ok=True)
        raise _not_utf8(path) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, kept_lines, counts


def _record_columns(line: str, path: Path, n: int) -> list[str]:
    cols = line.split("\t", 7)
    if len(cols) < 8:
        raise InputError(f"record has {len(cols)} tab-separated columns; a VCF record needs at least 8", path, n)
    if not (cols[1].isascii() and cols[1].isdigit()):
        raise InputError(f"POS {cols[1]!r} is not a positive integer", path, n)
    return cols


def _strict_text_lines(path: Path) -> Iterator[str]:
    with path.open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    opener = gzip.open if gz else open
    with opener(path, "rt", encoding="utf-8", errors="strict", newline="") as handle:
        yield from handle


def _not_utf8(path: Path) -> InputError:
    for n, raw in enumerate(_byte_lines(path), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return InputError(f"not UTF-8 at line {n}: byte 0x{raw[exc.start]:02x} at column {exc.start + 1}"
                              " (re-save the file as UTF-8)", path, n)
    return InputError("not UTF-8 text", path)
