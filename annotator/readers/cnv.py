"""Copy-number inputs: many tools' formats, detected from the header (or ``--cnv-format``).

Every format becomes per-gene :class:`GeneCopyNumber` values for knowledgebase genes; nothing here
decides what is an amplification (that is :mod:`annotator.copynumber`, which knows the tumor
fraction and the thresholds). Segment formats are mapped to genes by coordinates on the sample's
build; a segment file's ``gene`` column is only a hint and is ignored. Where several segments
overlap a gene, the one with the highest copy number is kept (a focal amplicon may cover part of it).

``level`` says what the number means: ``plasma`` (observed in the sample: log2 ratios, read-depth
copy numbers), ``tumor`` (already purity-adjusted by the tool: PURPLE, PCGR allele-specific
segments, DRAGEN) or ``call`` (a discrete call only: GISTIC -2..2, Amplification/Deletion).
"""

from __future__ import annotations

import math
import statistics
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from annotator.errors import InputError
from annotator.genome import CONTIG_LENGTHS, bare_contig
from annotator.kb.index import KbIndex
from annotator.models import Counts, GeneCopyNumber, InputFile, ReadResult
from annotator.readers.common import detect_by_columns, file_sha256, looks_like_vcf, read_table, resolve_format


@dataclass(frozen=True)
class Segment:
    chrom: str
    start: int  # 1-based inclusive, as the tools write them (BED-like CNVkit starts are 0-based: converted)
    end: int
    copy_number: float | None
    log2: float | None
    call: str | None
    line: int | None  # line in the file (None in a BCF)
    filter: str = "PASS"  # the caller's FILTER (VCF): "PASS" or the failed filter ids as written, e.g. "cnvQual"


@dataclass(frozen=True)
class CnvFormat:
    name: str
    level: str  # plasma | tumor | call
    required: tuple[str, ...]
    forbidden: tuple[str, ...] = ()


FORMATS: dict[str, CnvFormat] = {
    "cnvkit-call-cns": CnvFormat("CNVkit .call.cns", "plasma", ("chromosome", "start", "end", "log2", "cn")),
    "cnvkit-cns": CnvFormat("CNVkit .cns", "plasma", ("chromosome", "start", "end", "log2", "probes"), ("cn",)),
    "cnvkit-cnr": CnvFormat("CNVkit .cnr", "plasma", ("chromosome", "start", "end", "gene", "log2", "depth"), ("probes", "cn")),
    "gatk-model-final": CnvFormat("GATK ModelSegments .modelFinal.seg", "plasma", ("contig", "start", "end", "log2_copy_ratio_posterior_50")),
    "gatk-called": CnvFormat("GATK CallCopyRatioSegments .called.seg", "plasma", ("contig", "start", "end", "mean_log2_copy_ratio", "call")),
    "purple-gene": CnvFormat("PURPLE gene copy number", "tumor", ("gene", "mincopynumber", "maxcopynumber")),
    "purple-somatic": CnvFormat("PURPLE somatic segments", "tumor", ("chromosome", "start", "end", "copynumber")),
    "pcgr-segments": CnvFormat("PCGR allele-specific segments", "tumor", ("chromosome", "start", "end", "nmajor", "nminor")),
    "gene-table": CnvFormat("gene copy-number table", "plasma", ("gene", "copy_number")),
    "oncokb-individual": CnvFormat("oncokb-annotator individual CNA", "call", ("tumor_sample_barcode", "hugo_symbol", "copy_number_alteration")),
    "gistic-matrix": CnvFormat("GISTIC / oncokb-annotator CNA matrix", "call", ("hugo_symbol",)),
    "gistic-thresholded": CnvFormat("GISTIC all_thresholded", "call", ("gene symbol",)),
    "moalmanac": CnvFormat("MOAlmanac called CNA", "call", ("gene", "call")),
    "cgi": CnvFormat("CGI CNA", "call", ("gene", "cna")),
    "vcf": CnvFormat("VCF CNV records", "tumor", ()),
}
DETECTION_ORDER = [
    "cnvkit-call-cns", "cnvkit-cns", "cnvkit-cnr", "gatk-model-final", "gatk-called", "purple-gene", "purple-somatic",
    "pcgr-segments", "gene-table", "oncokb-individual", "gistic-thresholded", "gistic-matrix", "moalmanac", "cgi",
]
_CALL_WORDS = {
    "amplification": "amp", "amp": "amp", "gain": "gain", "deletion": "del", "del": "del", "loss": "loss",
    "deep deletion": "del", "homdel": "del", "shallow deletion": "loss", "wild type": "neutral", "neutral": "neutral",
    "2": "amp", "1": "gain", "0": "neutral", "-1": "loss", "-2": "del", "+": "gain", "-": "loss",
}


def detect_format(path: Path) -> str:
    if looks_like_vcf(path):
        return "vcf"
    header, n, _ = read_table(path)
    key = detect_by_columns(header, FORMATS, DETECTION_ORDER)
    if key is not None and not (key == "gistic-matrix" and len(header) < 2):
        return key
    raise InputError(
        f"unrecognized copy-number format (header: {', '.join(header[:8])}); use --cnv-format with one of: {', '.join(FORMATS)}",
        path, n,
    )


def _float(raw: str, what: str, path: Path, line: int | None) -> float | None:
    if raw.strip() in ("", "NA", "nan", "NaN", ".", "None"):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{what} {raw!r} is not a number", path, line) from None
    if math.isinf(value):
        raise InputError(f"{what} {raw!r} is not a finite number", path, line)
    return value


# A log2 copy ratio above this is no measurement: 2 x 2^30 is two billion copies, while the highest focal
# amplifications reach a few hundred (log2 about 7-8). It also keeps 2 x 2^log2 from overflowing a float
# (log2 above 1023), which used to end the run with a traceback.
MAX_LOG2 = 30.0


def _log2(raw: str, what: str, path: Path, line: int | None) -> float | None:
    value = _float(raw, what, path, line)
    if value is not None and value > MAX_LOG2:
        raise InputError(f"{what} {raw.strip()!r} is not a plausible log2 copy ratio (above {MAX_LOG2:g}:"
                         f" more than {2 * 2**MAX_LOG2:,.0f} copies)", path, line)
    return value


def _int(raw: str, what: str, path: Path, line: int | None) -> int:
    try:
        return int(float(raw))
    except ValueError:
        raise InputError(f"{what} {raw!r} is not an integer", path, line) from None


def read_copy_number(path: str | Path, index: KbIndex, fmt: str | None = None, sample: str | None = None,
                     include_filtered: bool = False) -> ReadResult:
    """Per-gene copy numbers of one file. Formats with a FILTER notion (VCF CNV records) skip non-PASS
    records and count them (``Counts.filtered``) unless ``include_filtered``, which keeps them with
    ``filter`` set. No other supported copy-number format has a filter or quality column."""
    path = Path(path)
    key = resolve_format(path, fmt, FORMATS, detect_format, "--cnv-format")
    spec = FORMATS[key]
    notes: list[str] = []
    filtered = skipped = 0
    # Segments and bins are streamed into per-gene values as they are read: memory does not grow with
    # the number of records (a 5M-bin CNVkit .cnr), only with the bins inside knowledgebase genes.
    if key == "vcf":
        tally = _VcfTally()
        calls, outside = _segments_to_genes(_vcf_segments(path, tally), index, path, spec, notes, include_filtered=include_filtered)
        read, filtered, skipped = tally.read, tally.filtered, tally.skipped
    elif key in ("gene-table", "purple-gene", "oncokb-individual", "gistic-matrix", "gistic-thresholded", "moalmanac", "cgi"):
        calls, read, outside = _gene_level(path, key, spec, index, sample, notes)
    else:
        segments = _Counted(SEGMENT_READERS[key](path, notes))
        calls, outside = _segments_to_genes(segments, index, path, spec, notes, bins=key == "cnvkit-cnr")
        read = segments.n
    # Every record's FILTER is read here (no record goes unchecked): passed_filters + filtered = records_read.
    counts = Counts(records_read=read, passed_filters=read - filtered, filtered=filtered, skipped=skipped, outside_knowledgebase_genes=outside,
                    skipped_reasons={"not a copy-number record (no <DUP>/<DEL>/<CNV>, SVTYPE or END block)": skipped} if skipped else {})
    return ReadResult(
        input=InputFile(role="cnv", file=path.name, sha256=file_sha256(path), format=f"{spec.name} ({spec.level}-level)"),
        alterations=(),
        copy_numbers=tuple(calls),
        counts=counts,
        warnings=tuple(notes),
    )


# --- segment formats ------------------------------------------------------------------------
class _Counted:
    """Iterates over segments, counting them (the records read) as they go by."""

    def __init__(self, items: Iterable[Segment]):
        self.items, self.n = items, 0

    def __iter__(self) -> Iterator[Segment]:
        for item in self.items:
            self.n += 1
            yield item


def _segments(path, columns: dict[str, str], start_is_zero_based: bool, value: Callable, notes) -> Iterator[Segment]:
    """The segments of a table, one row at a time (line numbers kept for errors)."""
    header, n, body = read_table(path)
    idx = {c: i for i, c in enumerate(header)}
    missing = [c for c in columns.values() if c not in idx]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)} (found: {', '.join(header)})", path, n)
    for line, cells in body:
        if len(cells) < len(header):
            raise InputError(f"row has {len(cells)} column(s); the header has {len(header)}", path, line)
        get = lambda k: cells[idx[columns[k]]]  # noqa: E731
        start = _int(get("start"), "start", path, line) + (1 if start_is_zero_based else 0)
        end = _int(get("end"), "end", path, line)
        if end < start:
            raise InputError(f"segment end {end} is before its start {start}", path, line)
        cn, log2, call = value(get, cells, idx, path, line, notes)
        yield Segment(get("chrom"), start, end, cn, log2, call, line)


def _cnvkit(get, cells, idx, path, line, notes):
    log2 = _log2(get("log2"), "log2", path, line)
    cn = _float(cells[idx["cn"]], "cn", path, line) if "cn" in idx else None
    return cn, log2, None


def _gatk_final(get, cells, idx, path, line, notes):
    return None, _log2(get("log2"), "LOG2_COPY_RATIO_POSTERIOR_50", path, line), None


def _gatk_called(get, cells, idx, path, line, notes):
    return None, _log2(get("log2"), "MEAN_LOG2_COPY_RATIO", path, line), _CALL_WORDS.get(cells[idx["call"]].strip())


def _purple(get, cells, idx, path, line, notes):
    cn = _float(get("cn"), "copyNumber", path, line)
    if cn is not None and cn < 0:
        notes.append(f"{path.name}:{line}: PURPLE copy number {cn} below zero treated as 0 (fit noise)")
        cn = 0.0
    return cn, None, None


def _pcgr(get, cells, idx, path, line, notes):
    major = _float(cells[idx["nmajor"]], "nMajor", path, line)
    minor = _float(cells[idx["nminor"]], "nMinor", path, line)
    return (None if major is None or minor is None else major + minor), None, None


SEGMENT_READERS = {
    "cnvkit-call-cns": lambda p, notes: _segments(p, {"chrom": "chromosome", "start": "start", "end": "end", "log2": "log2"}, True, _cnvkit, notes),
    "cnvkit-cns": lambda p, notes: _segments(p, {"chrom": "chromosome", "start": "start", "end": "end", "log2": "log2"}, True, _cnvkit, notes),
    "cnvkit-cnr": lambda p, notes: _segments(p, {"chrom": "chromosome", "start": "start", "end": "end", "log2": "log2"}, True, _cnvkit, notes),
    "gatk-model-final": lambda p, notes: _segments(p, {"chrom": "contig", "start": "start", "end": "end", "log2": "log2_copy_ratio_posterior_50"}, False, _gatk_final, notes),
    "gatk-called": lambda p, notes: _segments(p, {"chrom": "contig", "start": "start", "end": "end", "log2": "mean_log2_copy_ratio"}, False, _gatk_called, notes),
    "purple-somatic": lambda p, notes: _segments(p, {"chrom": "chromosome", "start": "start", "end": "end", "cn": "copynumber"}, False, _purple, notes),
    "pcgr-segments": lambda p, notes: _segments(p, {"chrom": "chromosome", "start": "start", "end": "end"}, False, _pcgr, notes),
}


@dataclass
class _VcfTally:
    read: int = 0
    filtered: int = 0
    skipped: int = 0


def _vcf_segments(path: Path, tally: _VcfTally) -> Iterator[Segment]:
    """CNV records of a VCF (DRAGEN and others): <DUP>/<DEL>/<CNV> ALTs or SVTYPE, CN from FORMAT or INFO.

    DRAGEN writes ``DRAGEN:GAIN``/``DRAGEN:LOSS`` records (ALT ``<DUP>``/``<DEL>``, ``SVTYPE=CNV``,
    ``END``, ``SVLEN``, FORMAT ``GT:SM:CN:BC:PE``) and ``DRAGEN:REF`` blocks (ALT ``.``, ``END``)::

        chr7  116599999  DRAGEN:GAIN:chr7:116600000-116900000  N  <DUP>  3  cnvQual  SVTYPE=CNV;END=116900000  GT:SM:CN  ./1:4.52:9

    Yields the segments (every CNV record, FILTER kept on each; the caller decides); ``tally`` counts the
    records read, not PASS (FILTER other than PASS or '.') and skipped (not a CNV record).
    """
    import cyvcf2

    from annotator.readers.htslib import capture_htslib_messages
    from annotator.readers.vcf import read_header

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


def _vcf_segment(rec, path: Path, line: int | None, filt: str) -> Segment | None:
    """One CNV record as a segment (None when the record is not a CNV: SNVs, breakends...)."""
    svtype = str(rec.INFO.get("SVTYPE") or "").upper()
    alt = rec.ALT[0] if rec.ALT else ""
    end_raw = rec.INFO.get("END")
    reference_block = not rec.ALT and end_raw is not None  # DRAGEN:REF segments (ALT '.')
    if svtype not in ("CNV", "DUP", "DEL") and alt not in ("<DUP>", "<DEL>", "<CNV>") and not reference_block:
        return None
    end = _int(str(end_raw), "INFO/END", path, line) if end_raw is not None else rec.end
    cn = _vcf_copy_number(rec, path, line)
    call = {"<DUP>": "gain", "<DEL>": "loss"}.get(alt) or {"DUP": "gain", "DEL": "loss"}.get(svtype) or ("neutral" if reference_block else None)
    return Segment(rec.CHROM, rec.POS + 1, end, cn, None, call, line, filt)


_INT32_MISSING = -2147483648 + 1  # htslib's missing value and vector end for Integer fields are below this


def _vcf_copy_number(rec, path: Path, line: int | None) -> float | None:
    """FORMAT/CN of the last sample column (the tumor in DRAGEN somatic output), else INFO/CN.

    Asks cyvcf2 for the one field (``rec.format``): reading ``rec.FORMAT`` on a record opened with
    ``lazy=True`` whose FORMAT was never unpacked crashes the process (segmentation fault)."""
    try:
        values = rec.format("CN")
    except KeyError:  # no FORMAT/CN declared
        values = None
    raw = None
    if values is not None and len(values):
        raw = values[-1]
        if not isinstance(raw, str) and hasattr(raw, "__len__"):
            raw = raw[0] if len(raw) else None
        if isinstance(raw, (bytes, str)):  # Type=String: parse it as text
            raw = _float(raw.decode() if isinstance(raw, bytes) else raw, "FORMAT/CN", path, line)
        elif raw is not None and (raw != raw or raw <= _INT32_MISSING):  # NaN (Float) or the Integer missing value
            raw = None
    if raw is None:
        info = rec.INFO.get("CN")
        if isinstance(info, tuple):
            info = info[0] if info else None
        raw = _float(str(info), "INFO/CN", path, line) if info is not None else None
    if raw is not None and raw < 0:
        raise InputError(f"copy number CN {raw:g} is below zero", path, line)
    return float(raw) if raw is not None else None


def _segments_to_genes(segments: Iterable[Segment], index: KbIndex, path: Path, spec: CnvFormat, notes, bins: bool = False,
                       include_filtered: bool = False) -> tuple[list[GeneCopyNumber], int]:
    """Per knowledgebase gene, the overlapping segment with the highest copy number; for bin-level
    input (CNVkit .cnr) the median of the gene's bins, with no segment length (focality unknown).

    A segment that did not pass the caller's filters is used only with ``include_filtered`` (and then
    carries its FILTER); otherwise it is left out, and a warning names the genes it would have covered.
    Segments left out are counted by the caller as filtered, not as outside knowledgebase genes."""
    lengths = CONTIG_LENGTHS[index.build]
    best: dict[str, tuple[Segment, float | None]] = {}
    gene_bins: dict[str, array] = {}  # log2 of the bins in each gene, 8 bytes each, for the median
    outside = 0
    for seg in segments:
        contig_len = lengths.get(bare_contig(seg.chrom))
        if contig_len is not None and seg.end > contig_len:
            raise InputError(
                f"segment {seg.chrom}:{seg.start}-{seg.end} ends past {seg.chrom} ({contig_len:,} bp on {index.build});"
                " is the file on another genome build?", path, seg.line,
            )
        genes = [g for g in index.genes_at(seg.chrom, seg.start - 1, seg.end)]
        if seg.filter != "PASS" and not include_filtered:
            if genes:
                value = f"copy number {seg.copy_number:g}" if seg.copy_number is not None else "copy-number record"
                where = f"{path.name}:{seg.line}" if seg.line is not None else path.name
                notes.append(f"{where}: {', '.join(genes)} {value} not used: FILTER {seg.filter}"
                             " (--include-filtered keeps it, flagged)")
            continue
        if not genes:
            outside += 1
            continue
        cn = seg.copy_number if seg.copy_number is not None else (2 * 2**seg.log2 if seg.log2 is not None else None)
        if bins:
            for g in genes:
                if seg.log2 is not None:
                    gene_bins.setdefault(g, array("d")).append(seg.log2)
            continue
        for g in genes:
            current = best.get(g)
            if current is None or (cn is not None and (current[1] is None or cn > current[1])):
                best[g] = (seg, cn)
    calls = []
    for gene, values in sorted(gene_bins.items()):
        log2 = statistics.median(values)
        calls.append(GeneCopyNumber(gene=gene, copy_number=round(2 * 2**log2, 4), source=path.name, level=spec.level,
                                    log2=round(log2, 4), segment=f"{len(values)} bins"))
    for gene, (seg, cn) in sorted(best.items()):
        calls.append(
            GeneCopyNumber(
                gene=gene, copy_number=round(cn, 4) if cn is not None else None, source=path.name, level=spec.level,
                log2=seg.log2, tool_call=seg.call, segment=f"{seg.chrom}:{seg.start}-{seg.end}", segment_length=seg.end - seg.start + 1,
                filter=seg.filter,
            )
        )
    return calls, outside


# --- gene-level formats ----------------------------------------------------------------------
def _gene_level(path: Path, key: str, spec: CnvFormat, index: KbIndex, sample: str | None, notes) -> tuple[list[GeneCopyNumber], int, int]:
    header, n, body = read_table(path)
    idx = {c: i for i, c in enumerate(header)}
    missing = [c for c in spec.required if c not in idx]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)} (found: {', '.join(header)})", path, n)
    gene_col = {"gene-table": "gene", "purple-gene": "gene", "oncokb-individual": "hugo_symbol", "gistic-matrix": "hugo_symbol",
                "gistic-thresholded": "gene symbol", "moalmanac": "gene", "cgi": "gene"}[key]
    value_col = None
    if key in ("gistic-matrix", "gistic-thresholded"):
        samples = [c for c in header if c not in ("hugo_symbol", "entrez_gene_id", "gene symbol", "locus id", "cytoband")]
        originals = {c.lower(): c for c in _raw_header(path, n)}
        if sample is None and len(samples) > 1:
            raise InputError(f"several samples; use --tumor-sample with one of: {', '.join(originals.get(s, s) for s in samples)}", path, n)
        value_col = (sample.lower() if sample else samples[0]) if samples else None
        if value_col not in idx:
            raise InputError(f"sample {sample!r} is not a column (columns: {', '.join(samples)})", path, n)
    calls: dict[str, GeneCopyNumber] = {}
    read = outside = 0
    for line, cells in body:
        if len(cells) < len(spec.required):
            raise InputError(f"row has {len(cells)} column(s); the header has {len(header)}", path, line)
        read += 1
        if key == "oncokb-individual" and sample and cells[idx["tumor_sample_barcode"]] != sample:
            continue
        gene = index.scope_symbol(cells[idx[gene_col]])
        if gene is None:
            outside += 1
            continue
        cn = tool_call = None
        if key == "gene-table":
            cn = _float(cells[idx["copy_number"]], "copy_number", path, line)
            if cn is not None and cn < 0:
                raise InputError(f"copy_number {cells[idx['copy_number']]!r} is below zero", path, line)
            if cn is None and "fold_change" in idx:
                fc = _float(cells[idx["fold_change"]], "fold_change", path, line)
                cn = 2 * fc if fc is not None else None
            if cn is None and "log2" in idx:
                lg = _log2(cells[idx["log2"]], "log2", path, line)
                cn = 2 * 2**lg if lg is not None else None
            if cn is None:
                raise InputError(f"copy_number {cells[idx['copy_number']]!r} is not a number", path, line)
        elif key == "purple-gene":
            cn = _float(cells[idx["maxcopynumber"]], "maxCopyNumber", path, line)
            if cn is not None and cn < 0:
                notes.append(f"{path.name}:{line}: PURPLE copy number {cn} below zero treated as 0 (fit noise)")
                cn = 0.0
        else:
            col = {"oncokb-individual": "copy_number_alteration", "moalmanac": "call", "cgi": "cna"}.get(key, value_col)
            raw = cells[idx[col]].strip()
            tool_call = _CALL_WORDS.get(raw.lower())
            if tool_call is None:
                raise InputError(f"copy-number call {raw!r} is not one of {', '.join(sorted(set(_CALL_WORDS)))}", path, line)
        previous = calls.get(gene)
        if previous is not None and (previous.copy_number or -1) >= (cn or -1) and _rank(previous.tool_call) >= _rank(tool_call):
            notes.append(f"{path.name}:{line}: {gene} listed again; the higher value was kept")
            continue
        calls[gene] = GeneCopyNumber(gene=gene, copy_number=cn, source=path.name, level=spec.level, tool_call=tool_call)
    return sorted(calls.values(), key=lambda c: c.gene), read, outside


def _rank(call: str | None) -> int:
    return {"amp": 4, "gain": 3, "neutral": 2, "loss": 1, "del": 0}.get(call or "", -1)


def _raw_header(path: Path, line_no: int) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        for n, text in enumerate(fh, start=1):
            if n == line_no:
                return [c.strip() for c in text.rstrip("\r\n").split("\t")]
    return []
