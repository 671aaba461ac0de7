"""Fusion inputs: RNA fusion callers' tables, DNA SV tables and VCFs, detected from the header.

Every format becomes fusion :class:`Fusion` values filed under the knowledgebase kinase
partner (``gene``), written ``GENE5::GENE3``. Partner names are mapped to current symbols through
the knowledgebase's aliases; a fusion of a knowledgebase kinase with an unlisted partner is kept
(``TRIM33::RET`` is a RET fusion, its partner not in the knowledgebase). Sources that do not give
the 5'/3' order (oncokb-annotator's ``ALK-EML4``) are ordered with the kinase 3', as in the
oncogenic fusions the knowledgebase lists, and say so.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from annotator.errors import InputError
from annotator.kb.index import KbIndex
from annotator.kb.schema import INTRAGENIC_KINDS
from annotator.models import Counts, Fusion, InputFile, ReadResult
from annotator.readers.common import detect_by_columns, file_sha256, looks_like_vcf, read_table, resolve_format


@dataclass(frozen=True)
class FusionFormat:
    name: str
    evidence: str | None  # dna | rna | None (not stated)
    required: tuple[str, ...]
    caller: str | None = None  # short tool name used in notes ("out-of-frame (Arriba)")


FORMATS: dict[str, FusionFormat] = {
    "arriba": FusionFormat("Arriba fusions.tsv", "rna", ("gene1", "gene2", "breakpoint1", "breakpoint2", "split_reads1", "split_reads2", "discordant_mates"), "Arriba"),
    "star-fusion": FusionFormat("STAR-Fusion", "rna", ("fusionname", "junctionreadcount", "spanningfragcount", "leftgene", "leftbreakpoint", "rightgene", "rightbreakpoint"), "STAR-Fusion"),
    "fusioncatcher": FusionFormat("FusionCatcher final-list", "rna", ("gene_1_symbol(5end_fusion_partner)", "gene_2_symbol(3end_fusion_partner)", "spanning_pairs", "spanning_unique_reads"), "FusionCatcher"),
    "linx": FusionFormat("HMF LINX fusions", "dna", ("fiveprimebreakendid", "threeprimebreakendid", "name", "reported", "genestart", "geneend"), "LINX"),
    "pcgr": FusionFormat("PCGR fusions (RNA fusion input)", "rna", ("fusiongene", "leftbreakpoint", "rightbreakpoint"), "PCGR"),
    "oncokb": FusionFormat("oncokb-annotator fusions", None, ("tumor_sample_barcode", "fusion"), "oncokb-annotator"),
    "cgi": FusionFormat("CGI fusions", None, ("fus",), "CGI"),
    "simple": FusionFormat("fusion table (gene5, gene3)", None, ("gene5", "gene3")),
    "sv-vcf": FusionFormat("SV VCF", "dna", ()),
}
DETECTION_ORDER = ["arriba", "star-fusion", "fusioncatcher", "linx", "pcgr", "oncokb", "cgi", "simple"]

Frame = Literal["in-frame", "out-of-frame", "stop-codon"]
Confidence = Literal["low", "medium", "high"]
# What each caller writes for the reading frame, mapped onto one vocabulary (anything else: not stated).
_FRAMES: dict[str, Frame] = {
    "in-frame": "in-frame", "inframe": "in-frame", "out-of-frame": "out-of-frame", "frameshift": "out-of-frame",
    "out_of_frame": "out-of-frame", "stop-codon": "stop-codon",
    "skipped_exons": "in-frame",  # LINX: in frame once the skipped exons are spliced out
    "true": "in-frame", "false": "out-of-frame",  # older LINX: phased true/false
}
_CONFIDENCES: dict[str, Confidence] = {"low": "low", "medium": "medium", "high": "high"}


@dataclass
class RawFusion:
    gene5: str
    gene3: str
    line: int
    reads: int | None = None
    breakpoint5: str | None = None
    breakpoint3: str | None = None
    ordered: bool = True  # False: the source does not say which partner is 5'
    evidence: str | None = None
    confidence: Confidence | None = None
    reading_frame: Frame | None = None
    filter: str = "PASS"
    caller: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Tally:
    """What became of each record of one file; every record not used is counted under a reason."""

    read: int = 0
    filtered: int = 0  # non-PASS (or LINX reported=false) and not kept
    flagged: int = 0  # non-PASS kept with --include-filtered
    mates: int = 0  # the second record of a breakend pair already read
    outside: int = 0  # junctions with no breakend in a knowledgebase gene (SV VCFs)
    skipped: Counter = field(default_factory=Counter)  # reason -> records

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] += n


def frame_of(text: str | None, caller: str | None, notes: list[str] | None = None) -> Frame | None:
    """The caller's reading-frame word mapped onto in-frame/out-of-frame/stop-codon; other words are kept as a note."""
    raw = (text or "").strip()
    frame = _FRAMES.get(raw.lower())
    if frame is None and raw and raw not in (".", "NA", "-") and notes is not None:
        notes.append(f"predicted effect {raw!r} ({caller}): reading frame not stated")
    elif frame is not None and raw.lower() == "skipped_exons" and notes is not None:
        notes.append(f"in frame after skipping exons ({caller})")
    return frame


def fusion_gene(index: KbIndex, gene5: str, gene3: str) -> str | None:
    """The partner a fusion is filed under: the knowledgebase kinase (3' first), else a knowledgebase gene."""
    kinases = [g for g in (gene3, gene5) if g in index.genes and index.genes[g].kinase]
    if kinases:
        return kinases[0]
    known = [g for g in (gene3, gene5) if index.in_variant_scope(g)]
    return known[0] if known else None


def detect_format(path: Path) -> str:
    if looks_like_vcf(path):
        return "sv-vcf"
    header, n, _ = read_table(path)
    key = detect_by_columns(header, FORMATS, DETECTION_ORDER)
    if key is not None:
        return key
    raise InputError(
        f"no recognizable fusion header (found: {', '.join(header[:6])}); expected e.g. 'gene5<TAB>gene3', Arriba,"
        " STAR-Fusion, FusionCatcher, LINX, PCGR, oncokb-annotator or CGI columns", path, n,
    )


def _int(raw: str | None) -> int | None:
    try:
        return int(float(raw)) if raw not in (None, "", "NA", ".") else None
    except ValueError:
        return None


def _strip_gene(name: str) -> str:
    """'KIF5B^ENSG00000170759.11' -> 'KIF5B'; 'A(123),B(456)' (intergenic) -> 'A,B'."""
    name = name.split("^", 1)[0].strip()
    if "(" in name:
        name = ",".join(re.sub(r"\(.*?\)", "", part).strip() for part in name.split(","))
    return name


def _pair(text: str, separators: tuple[str, ...]) -> tuple[str, str] | None:
    for sep in separators:
        if sep in text:
            a, b = text.split(sep, 1)
            return a.strip(), b.strip()
    return None


def _rows(path: Path, key: str, include_filtered: bool, tally: Tally) -> Iterator[RawFusion]:
    """The usable rows of a table, one at a time (a 1M-row table is never held whole)."""
    header, n, body = read_table(path)
    idx = {c: i for i, c in enumerate(header)}
    get = lambda cells, col: cells[idx[col]].strip() if col in idx and idx[col] < len(cells) else ""  # noqa: E731
    caller = FORMATS[key].caller
    for line, cells in body:
        tally.read += 1
        raw = _row(path, key, line, cells, lambda col: get(cells, col), caller)  # noqa: B023
        if isinstance(raw, str):
            tally.skip(raw)
            continue
        if raw.filter != "PASS":
            if not include_filtered:
                tally.filtered += 1
                continue
            tally.flagged += 1
        yield raw


def _row(path: Path, key: str, line: int, cells: list[str], get, caller: str | None) -> RawFusion | str:
    """One table row as a raw fusion, or the reason it is not one."""
    notes: list[str] = []
    if key == "arriba":
        reads = sum(_int(get(c)) or 0 for c in ("split_reads1", "split_reads2", "discordant_mates"))
        confidence = _CONFIDENCES.get(get("confidence").lower())
        kind = get("type")
        if kind:
            notes.append(f"event type {kind} ({caller})")
        return RawFusion(_strip_gene(get("gene1")), _strip_gene(get("gene2")), line, reads, get("breakpoint1"), get("breakpoint2"),
                         confidence=confidence, reading_frame=frame_of(get("reading_frame"), caller, notes), notes=notes)
    if key == "star-fusion":
        reads = (_int(get("junctionreadcount")) or 0) + (_int(get("spanningfragcount")) or 0)
        return RawFusion(_strip_gene(get("leftgene")), _strip_gene(get("rightgene")), line, reads, get("leftbreakpoint"), get("rightbreakpoint"),
                         reading_frame=frame_of(get("prot_fusion_type"), caller, notes), notes=notes)
    if key == "fusioncatcher":
        reads = (_int(get("spanning_pairs")) or 0) + (_int(get("spanning_unique_reads")) or 0)
        return RawFusion(get("gene_1_symbol(5end_fusion_partner)"), get("gene_2_symbol(3end_fusion_partner)"), line, reads,
                         get("fusion_point_for_gene_1(5end_fusion_partner)"), get("fusion_point_for_gene_2(3end_fusion_partner)"),
                         reading_frame=frame_of(get("predicted_effect"), caller, notes), notes=notes)
    if key == "linx":
        reported = get("reported").lower() == "true"
        kind = get("reportedtype")
        if kind and kind.upper() != "NONE":
            notes.append(f"LINX reported type {kind}")
        return RawFusion(get("genestart"), get("geneend"), line, confidence=_CONFIDENCES.get(get("likelihood").lower()),
                         reading_frame=frame_of(get("phased"), caller, notes), filter="PASS" if reported else "LINX_NOT_REPORTED", notes=notes)
    if key == "pcgr":
        pair = _pair(get("fusiongene"), ("--", "::"))
        if pair is None:
            raise InputError(f"FusionGene {get('fusiongene')!r} is not written GENE5--GENE3", path, line)
        return RawFusion(*pair, line, _int(get("splitreads")), get("leftbreakpoint"), get("rightbreakpoint"))
    if key == "oncokb":
        text = re.sub(r"\s+fusion$", "", get("fusion"), flags=re.I)
        pair = _pair(text, ("::", "--", "-"))
        if pair is None or pair[1].lower() == "intragenic":
            return "intragenic rearrangements without breakpoints (oncokb 'GENE-intragenic'), not gene fusions"
        return RawFusion(*pair, line, ordered=False)
    if key == "cgi":
        pair = _pair(get("fus"), ("__", "::", "--"))
        if pair is None:
            raise InputError(f"fus {get('fus')!r} is not written GENE5__GENE3", path, line)
        return RawFusion(*pair, line)
    return _simple_row(path, line, get)


def _simple_row(path: Path, line: int, get) -> RawFusion:
    """The project's own table: gene5, gene3 and optional supporting_reads, evidence, breakpoints, filter,
    confidence (low/medium/high) and reading_frame (in-frame/out-of-frame/stop-codon)."""
    support = get("supporting_reads") or get("reads")
    if support and support.upper() not in ("NA", ".") and _int(support) is None:
        raise InputError(f"supporting_reads {support!r} is not a number", path, line)
    evidence = get("evidence").lower() or None
    if evidence not in (None, "dna", "rna"):
        raise InputError(f"evidence {evidence!r} must be dna or rna", path, line)
    confidence = get("confidence").lower()
    if confidence and confidence not in _CONFIDENCES:
        raise InputError(f"confidence {confidence!r} must be low, medium or high", path, line)
    frame = get("reading_frame").lower()
    if frame and frame not in ("in-frame", "out-of-frame", "stop-codon", ".", "na"):
        raise InputError(f"reading_frame {frame!r} must be in-frame, out-of-frame or stop-codon", path, line)
    if not get("gene5") or not get("gene3"):
        raise InputError("empty gene5 or gene3", path, line)
    filt = get("filter")
    return RawFusion(get("gene5"), get("gene3"), line, _int(support), get("breakpoint5") or None, get("breakpoint3") or None,
                     evidence=evidence, confidence=_CONFIDENCES.get(confidence), reading_frame=_FRAMES.get(frame),
                     filter="PASS" if filt in ("", ".", "PASS") else filt)


def read_fusions(path: str | Path, index: KbIndex, fmt: str | None = None, include_filtered: bool = False) -> ReadResult:
    """Fusions of one file. Non-PASS records (SV VCF FILTER, a table's ``filter`` column, LINX ``reported=false``)
    are counted and skipped unless ``include_filtered``, which keeps them flagged (they never get a role)."""
    path = Path(path)
    key = resolve_format(path, fmt, FORMATS, detect_format, "fusion format")
    spec = FORMATS[key]
    tally = Tally()
    warnings: list[str] = []
    if key == "sv-vcf":
        from annotator.readers.sv import read_sv_vcf

        raws, warnings = read_sv_vcf(path, index, tally, include_filtered)
    else:
        raws = _rows(path, key, include_filtered, tally)
    best: dict[str, Fusion] = {}  # one per fusion, kept as the rows stream by (see _keep_best)
    outside = 0
    for raw in raws:
        if raw.reads == 0:
            tally.skip("call(s) with 0 supporting reads not used")
            continue
        alteration = _alteration(raw, index, path, spec)
        if alteration is None:
            outside += 1
        elif isinstance(alteration, str):
            tally.skip(alteration)
        elif not _keep_best(best, alteration):
            tally.skip("repeated calls of a fusion already listed (its best call is kept)")
    outside += tally.outside  # SV VCF junctions in no knowledgebase gene, counted while reading
    warnings += [f"{path.name}: {n} record(s) skipped: {reason}" for reason, n in sorted(tally.skipped.items())]
    if tally.filtered:
        what = "not reported by LINX (reported=false)" if key == "linx" else "non-PASS (FILTER)"
        warnings.append(f"{path.name}: {tally.filtered} record(s) {what} not used (--include-filtered keeps them, flagged)")
    if tally.flagged:
        warnings.append(f"{path.name}: {tally.flagged} non-PASS record(s) kept and flagged (--include-filtered): never given a role")
    non_pass = tally.filtered + tally.flagged  # as in every reader: non-PASS records, whether kept or not
    counts = Counts(records_read=tally.read, passed_filters=tally.read - non_pass, filtered=non_pass,
                    outside_knowledgebase_genes=outside, skipped=sum(tally.skipped.values()),
                    skipped_reasons=dict(sorted(tally.skipped.items())))
    return ReadResult(
        input=InputFile(role="fusions", file=path.name, sha256=file_sha256(path), format=spec.name),
        alterations=tuple(best.values()),
        counts=counts,
        warnings=tuple(warnings),
    )


_FRAME_RANK = {"in-frame": 0, None: 1, "stop-codon": 2, "out-of-frame": 2}
_CONFIDENCE_RANK = {"high": 0, "medium": 1, None: 1, "low": 2}


def _rank(a: Fusion) -> tuple:
    return (a.filter != "PASS", _FRAME_RANK[a.reading_frame], _CONFIDENCE_RANK[a.confidence], -(a.supporting_reads or 0))


def _keep_best(best: dict[str, Fusion], a: Fusion) -> bool:
    """One entry per fusion: callers list a fusion once per breakpoint pair (FusionCatcher writes GOPC--ROS1 in frame
    and out of frame). Keep the best call: passing filters, in frame, most confident, then best supported; the
    first of equals, at the place of the fusion's first row. Same-gene events are not one fusion: each junction
    is its own event (a kinase-domain duplication and a deletion of one gene must not compete), so they are keyed
    by their breakpoints. Returns whether ``a`` started a new entry (False: it was merged into one)."""
    key = a.fusion or ""
    if a.gene5 and a.gene5 == a.gene3:
        key += f"@{a.breakpoint5}>{a.breakpoint3}"
    current = best.get(key)
    if current is None or _rank(a) < _rank(current):
        best[key] = a
    return current is None


def _alteration(raw: RawFusion, index: KbIndex, path: Path, spec: FusionFormat) -> Fusion | str | None:
    """The fusion alteration of a raw call; a reason (str) when it is skipped; None outside knowledgebase genes."""
    g5 = index.symbol(raw.gene5) or raw.gene5.strip()
    g3 = index.symbol(raw.gene3) or raw.gene3.strip()
    notes: list[str] = [
        f"{original.strip()} is a previous symbol or alias of {mapped}"
        for original, mapped in ((raw.gene5, g5), (raw.gene3, g3))
        if original.strip().upper() != mapped.upper()
    ]
    notes += raw.notes
    caller = raw.caller or spec.caller
    if g5 == g3:
        # A same-gene event is not a fusion; it is kept only where the knowledgebase names an intragenic
        # rearrangement of the gene (EGFR kinase-domain duplication), for matching to check.
        if g5 not in index.genes or not any(a.kind in INTRAGENIC_KINDS for a in index.alterations_for_gene(g5)):
            return "same-gene (intragenic) events: not fusions, and the knowledgebase names no intragenic rearrangement of the gene"
        notes.append("same-gene event: an intragenic rearrangement, not a fusion")
        return _make(raw, g5, g5, g5, path, spec, caller, notes)
    if not raw.ordered:
        kinase5 = g5 in index.genes and index.genes[g5].kinase
        kinase3 = g3 in index.genes and index.genes[g3].kinase
        if kinase5 and not kinase3:
            g5, g3 = g3, g5
        notes.append("the source does not give the 5'/3' order; the kinase was taken as the 3' partner")
    gene = fusion_gene(index, g5, g3)
    if gene is None:
        return None
    partner = g5 if gene == g3 else g3
    named = {p for a in index.alterations_for_gene(gene) if a.fusion for p in (a.fusion.gene5, a.fusion.gene3) if p and p != gene}
    if partner not in named:
        notes.append(f"partner {partner} is not among the knowledgebase's named {gene} fusions; reported as {'an' if gene[0] in 'AEIOU' else 'a'} {gene} fusion")
    if gene == g5 and index.genes[gene].kinase:
        notes.append(f"{gene} is the 5' partner: its kinase domain is usually not retained")
    return _make(raw, gene, g5, g3, path, spec, caller, notes)


def _make(raw: RawFusion, gene: str, g5: str, g3: str, path: Path, spec: FusionFormat, caller: str | None, notes: list[str]) -> Fusion:
    if raw.filter != "PASS":
        notes.append(f"did not pass the caller's filters ({raw.filter}); kept with --include-filtered")
    return Fusion(
        gene=gene, source=path.name, fusion=f"{g5}::{g3}", gene5=g5, gene3=g3,
        supporting_reads=raw.reads, evidence=raw.evidence or spec.evidence, filter=raw.filter,
        breakpoint5=raw.breakpoint5 or None, breakpoint3=raw.breakpoint3 or None, notes=tuple(notes),
        caller=caller, confidence=raw.confidence, reading_frame=raw.reading_frame,
    )
