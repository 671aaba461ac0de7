"""CNV records of a VCF (DRAGEN and others): <DUP>/<DEL>/<CNV> ALTs or SVTYPE, CN from FORMAT or INFO.

DRAGEN writes ``DRAGEN:GAIN``/``DRAGEN:LOSS`` records (ALT ``<DUP>``/``<DEL>``, ``SVTYPE=CNV``,
``END``, ``SVLEN``, FORMAT ``GT:SM:CN:BC:PE``) and ``DRAGEN:REF`` blocks (ALT ``.``, ``END``)::

    chr7  116599999  DRAGEN:GAIN:chr7:116600000-116900000  N  <DUP>  3  cnvQual  SVTYPE=CNV;END=116900000  GT:SM:CN  ./1:4.52:9

Records are segments mapped to genes as in a segment table; VCF is the one copy-number format with a
FILTER: non-PASS records are counted and left out unless ``include_filtered``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.errors import InputError
from annotator.readers.cnv.model import CnvFormat, GeneCalls, ReadContext, Segment, integer, number
from annotator.readers.cnv.segments import segments_to_genes
from annotator.readers.htslib import capture_htslib_messages
from annotator.readers.vcf import read_header

VcfRecord = Any  # a cyvcf2 Variant (cyvcf2 ships no types)

NOT_CNV = "not a copy-number record (no <DUP>/<DEL>/<CNV>, SVTYPE or END block)"
_INT32_MISSING = -2147483648 + 1  # htslib's missing value and vector end for Integer fields are below this


@dataclass
class _Tally:
    read: int = 0
    filtered: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class VcfRecords:
    """How a CNV VCF is read (detected by content, not by a header of columns)."""

    def read(self, path: Path, spec: CnvFormat, context: ReadContext) -> GeneCalls:
        tally = _Tally()
        calls, outside = segments_to_genes(_vcf_segments(path, tally), path, spec.level, context)
        return GeneCalls(calls, tally.read, outside, tally.filtered, {NOT_CNV: tally.skipped} if tally.skipped else {})


def _vcf_segments(path: Path, tally: _Tally) -> Iterator[Segment]:
    """Every CNV record as a segment, FILTER kept on each (the caller decides); ``tally`` counts the
    records read, not PASS (FILTER other than PASS or '.') and skipped (not a CNV record)."""
    import cyvcf2  # imported here: only VCF inputs need it

    header = read_header(path)
    text = getattr(header, "kind", "vcf") != "bcf"  # a BCF has no lines to name
    try:
        with capture_htslib_messages():
            vcf = cyvcf2.VCF(str(path))
            try:
                for rec in vcf:
                    tally.read += 1
                    line = header.header_lines + tally.read if text else None
                    filt = rec.FILTER  # None for PASS and '.'
                    if filt is not None:
                        tally.filtered += 1
                    segment = _vcf_segment(rec, path, line, filt or "PASS")
                    if segment is None:
                        tally.skipped += 1
                    else:
                        yield segment
            finally:
                vcf.close()
    except InputError:
        raise
    except Exception as exc:  # htslib refuses malformed CNV VCFs: name the record it stopped at
        raise InputError(f"cannot read CNV VCF ({' '.join(str(exc).split())[:160]})", path,
                         header.header_lines + tally.read + 1 if text else None) from None


def _vcf_segment(rec: VcfRecord, path: Path, line: int | None, filt: str) -> Segment | None:
    """One CNV record as a segment (None when the record is not a CNV: SNVs, breakends...)."""
    svtype = str(rec.INFO.get("SVTYPE") or "").upper()
    alt = rec.ALT[0] if rec.ALT else ""
    end_raw = rec.INFO.get("END")
    reference_block = not rec.ALT and end_raw is not None  # DRAGEN:REF segments (ALT '.')
    if svtype not in ("CNV", "DUP", "DEL") and alt not in ("<DUP>", "<DEL>", "<CNV>") and not reference_block:
        return None
    end = integer(str(end_raw), "INFO/END", path, line) if end_raw is not None else rec.end
    cn = _vcf_copy_number(rec, path, line)
    call = {"<DUP>": "gain", "<DEL>": "loss"}.get(alt) or {"DUP": "gain", "DEL": "loss"}.get(svtype) or ("neutral" if reference_block else None)
    return Segment(rec.CHROM, rec.POS + 1, end, cn, None, call, line, filt)


def _vcf_copy_number(rec: VcfRecord, path: Path, line: int | None) -> float | None:
    """FORMAT/CN of the last sample column (the tumor in DRAGEN somatic output), else INFO/CN.

    Asks cyvcf2 for the one field (``rec.format``): reading ``rec.FORMAT`` on a record opened with
    ``lazy=True`` whose FORMAT was never unpacked crashes the process (segmentation fault)."""
    raw = _format_cn(rec, path, line)
    if raw is None:
        info = rec.INFO.get("CN")
        if isinstance(info, tuple):
            info = info[0] if info else None
        raw = number(str(info), "INFO/CN", path, line) if info is not None else None
    if raw is not None and raw < 0:
        raise InputError(f"copy number CN {raw:g} is below zero", path, line)
    return float(raw) if raw is not None else None


def _format_cn(rec: VcfRecord, path: Path, line: int | None) -> float | None:
    """FORMAT/CN of the last sample column, None when absent or missing."""
    try:
        values = rec.format("CN")
    except KeyError:  # no FORMAT/CN declared
        return None
    if values is None or not len(values):
        return None
    raw = values[-1]
    if not isinstance(raw, str) and hasattr(raw, "__len__"):
        raw = raw[0] if len(raw) else None
    if isinstance(raw, (bytes, str)):  # Type=String: parse it as text
        return number(raw.decode() if isinstance(raw, bytes) else raw, "FORMAT/CN", path, line)
    if raw is not None and (raw != raw or raw <= _INT32_MISSING):  # NaN (Float) or the Integer missing value
        return None
    return raw  # a numpy number from cyvcf2
