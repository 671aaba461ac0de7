"""Error text for records htslib refused: what is wrong with the line, in the user's terms."""

from __future__ import annotations

from pathlib import Path

from annotator.readers import vcf_scan
from annotator.readers.common import ascii_digits


def short(exc: Exception, tmp: Path | None = None, path: Path | None = None) -> str:
    """An exception in one line of at most 160 characters, naming the user's file instead of ``tmp``."""
    text = " ".join(str(exc).split())[:160]
    return text.replace(str(tmp), path.name) if tmp and path else text


def htslib_reason(said: list[str], exc: Exception) -> str:
    """htslib's own last error when it gave one (clearer than cyvcf2's exception), else the exception."""
    errors = [m.split("] ", 1)[-1] for m in said if m.startswith("[E::")]
    return errors[-1][:160] if errors else short(exc)


def diagnose(path: Path, line_no: int, reason: str) -> str:
    """Say what is wrong with the record htslib refused, by looking at that line ourselves."""
    text = vcf_scan.line_at(path, line_no)
    if text is not None:
        cols = text.rstrip("\r\n").split("\t")
        if len(cols) < 8:
            return f"record has {len(cols)} tab-separated columns; a VCF record needs at least 8"
        if not ascii_digits(cols[1]):
            return f"POS {cols[1]!r} is not a positive integer"
    return f"record could not be parsed ({reason})"
