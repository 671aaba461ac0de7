"""The fusion formats: one entry each, pairing the header that identifies a caller's table with its row parser.

Adding a caller is one entry in :data:`FORMATS` (and a fixture): its name, the evidence it gives
(DNA or RNA), the header columns that identify it, a function from a :class:`Row` to a
:class:`RawFusion` -- or to the reason (a string) the row is not a fusion, counted under that
reason -- and the caller's short name. Detection tries the entries in order (VCF files are
recognised by content and read by :mod:`annotator.readers.fusion.sv_vcf`), so an entry goes
before any whose columns its header also has.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotator.errors import InputError
from annotator.readers.fusion.model import CONFIDENCES, EVIDENCE, FRAMES, Evidence, RawFusion, frame_of


@dataclass(frozen=True)
class Row:
    """One data row of a fusion table: ``get`` gives a cell by lower-cased column name, stripped ("" when absent)."""

    path: Path
    line: int
    cells: list[str]
    idx: dict[str, int]
    caller: str | None

    def get(self, column: str) -> str:
        i = self.idx.get(column)
        return self.cells[i].strip() if i is not None and i < len(self.cells) else ""


RowParser = Callable[[Row], RawFusion | str]


@dataclass(frozen=True)
class FusionFormat:
    """One fusion format: its name, evidence, identifying columns and row parser (None: a VCF)."""

    name: str
    evidence: Evidence | None  # dna | rna | None (not stated)
    required: tuple[str, ...]  # lower-cased header columns that identify the format
    row: RowParser | None  # one table row -> a raw fusion, or the reason it is skipped
    caller: str | None = None  # short tool name used in notes ("out-of-frame (Arriba)")
    not_used: str = "non-PASS (FILTER)"  # how the warning names the records that did not pass


def read_count(raw: str | None) -> int | None:
    """A read count; None when missing or not a number."""
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


def _arriba(row: Row) -> RawFusion:
    """Arriba fusions.tsv::

        #gene1  gene2  ...  breakpoint1  breakpoint2  site1  site2  type  split_reads1  split_reads2  discordant_mates  ...  confidence  reading_frame
    """
    notes: list[str] = []
    support = sum(read_count(row.get(c)) or 0 for c in ("split_reads1", "split_reads2", "discordant_mates"))
    confidence = CONFIDENCES.get(row.get("confidence").lower())
    kind = row.get("type")
    if kind:
        notes.append(f"event type {kind} ({row.caller})")
    return RawFusion(_strip_gene(row.get("gene1")), _strip_gene(row.get("gene2")), row.line, support, row.get("breakpoint1"),
                     row.get("breakpoint2"), confidence=confidence, reading_frame=frame_of(row.get("reading_frame"), row.caller, notes),
                     notes=notes)


def _star_fusion(row: Row) -> RawFusion:
    """STAR-Fusion star-fusion.fusion_predictions(.abridged)(.coding_effect).tsv::

        #FusionName  JunctionReadCount  SpanningFragCount  ...  LeftGene  LeftBreakpoint  RightGene  RightBreakpoint  ...  PROT_FUSION_TYPE
    """
    notes: list[str] = []
    support = (read_count(row.get("junctionreadcount")) or 0) + (read_count(row.get("spanningfragcount")) or 0)
    return RawFusion(_strip_gene(row.get("leftgene")), _strip_gene(row.get("rightgene")), row.line, support, row.get("leftbreakpoint"),
                     row.get("rightbreakpoint"), reading_frame=frame_of(row.get("prot_fusion_type"), row.caller, notes), notes=notes)


def _fusioncatcher(row: Row) -> RawFusion:
    """FusionCatcher final-list_candidate-fusion-genes.txt::

        Gene_1_symbol(5end_fusion_partner)  Gene_2_symbol(3end_fusion_partner)  ...  Spanning_pairs  Spanning_unique_reads  ...
        Fusion_point_for_gene_1(5end_fusion_partner)  Fusion_point_for_gene_2(3end_fusion_partner)  ...  Predicted_effect
    """
    notes: list[str] = []
    support = (read_count(row.get("spanning_pairs")) or 0) + (read_count(row.get("spanning_unique_reads")) or 0)
    return RawFusion(row.get("gene_1_symbol(5end_fusion_partner)"), row.get("gene_2_symbol(3end_fusion_partner)"), row.line, support,
                     row.get("fusion_point_for_gene_1(5end_fusion_partner)"), row.get("fusion_point_for_gene_2(3end_fusion_partner)"),
                     reading_frame=frame_of(row.get("predicted_effect"), row.caller, notes), notes=notes)


def _linx(row: Row) -> RawFusion:
    """HMF LINX .linx.fusion.tsv (a fusion LINX does not report is filtered as LINX_NOT_REPORTED)::

        FivePrimeBreakendId  ThreePrimeBreakendId  Name  Reported  ReportedType  Phased  Likelihood  ...  GeneStart  ...  GeneEnd
    """
    notes: list[str] = []
    reported = row.get("reported").lower() == "true"
    kind = row.get("reportedtype")
    if kind and kind.upper() != "NONE":
        notes.append(f"LINX reported type {kind}")
    return RawFusion(row.get("genestart"), row.get("geneend"), row.line, confidence=CONFIDENCES.get(row.get("likelihood").lower()),
                     reading_frame=frame_of(row.get("phased"), row.caller, notes), filter="PASS" if reported else "LINX_NOT_REPORTED",
                     notes=notes)


def _pcgr(row: Row) -> RawFusion:
    """PCGR RNA fusion input::

        FusionGene  LeftBreakpoint  RightBreakpoint  SplitReads
        KIF5B--RET  chr10:32317356  chr10:43116584   12
    """
    pair = _pair(row.get("fusiongene"), ("--", "::"))
    if pair is None:
        raise InputError(f"FusionGene {row.get('fusiongene')!r} is not written GENE5--GENE3", row.path, row.line)
    return RawFusion(*pair, row.line, read_count(row.get("splitreads")), row.get("leftbreakpoint"), row.get("rightbreakpoint"))


def _oncokb(row: Row) -> RawFusion | str:
    """oncokb-annotator fusions (no 5'/3' order given; 'GENE-intragenic' rows are skipped)::

        Tumor_Sample_Barcode  Fusion
        S1                    EML4-ALK Fusion
    """
    text = re.sub(r"\s+fusion$", "", row.get("fusion"), flags=re.I)
    pair = _pair(text, ("::", "--", "-"))
    if pair is None or pair[1].lower() == "intragenic":
        return "intragenic rearrangements without breakpoints (oncokb 'GENE-intragenic'), not gene fusions"
    return RawFusion(*pair, row.line, ordered=False)


def _cgi(row: Row) -> RawFusion:
    """Cancer Genome Interpreter fusions::

        fus
        EML4__ALK
    """
    pair = _pair(row.get("fus"), ("__", "::", "--"))
    if pair is None:
        raise InputError(f"fus {row.get('fus')!r} is not written GENE5__GENE3", row.path, row.line)
    return RawFusion(*pair, row.line)


def _simple(row: Row) -> RawFusion:
    """The project's own table: gene5, gene3 and optional supporting_reads, evidence, breakpoints, filter,
    confidence (low/medium/high) and reading_frame (in-frame/out-of-frame/stop-codon)::

        gene5  gene3  supporting_reads  evidence
        EML4   ALK    25                rna
    """
    support = row.get("supporting_reads") or row.get("reads")
    if support and support.upper() not in ("NA", ".") and read_count(support) is None:
        raise InputError(f"supporting_reads {support!r} is not a number", row.path, row.line)
    evidence = row.get("evidence").lower()
    if evidence and evidence not in EVIDENCE:
        raise InputError(f"evidence {evidence!r} must be dna or rna", row.path, row.line)
    confidence = row.get("confidence").lower()
    if confidence and confidence not in CONFIDENCES:
        raise InputError(f"confidence {confidence!r} must be low, medium or high", row.path, row.line)
    frame = row.get("reading_frame").lower()
    if frame and frame not in ("in-frame", "out-of-frame", "stop-codon", ".", "na"):
        raise InputError(f"reading_frame {frame!r} must be in-frame, out-of-frame or stop-codon", row.path, row.line)
    if not row.get("gene5") or not row.get("gene3"):
        raise InputError("empty gene5 or gene3", row.path, row.line)
    filt = row.get("filter")
    return RawFusion(row.get("gene5"), row.get("gene3"), row.line, read_count(support), row.get("breakpoint5") or None,
                     row.get("breakpoint3") or None, evidence=EVIDENCE.get(evidence), confidence=CONFIDENCES.get(confidence),
                     reading_frame=FRAMES.get(frame), filter="PASS" if filt in ("", ".", "PASS") else filt)


# The registry. Its order is the order of detection.
FORMATS: dict[str, FusionFormat] = {
    "arriba": FusionFormat("Arriba fusions.tsv", "rna", ("gene1", "gene2", "breakpoint1", "breakpoint2", "split_reads1", "split_reads2",
                                                         "discordant_mates"), _arriba, "Arriba"),
    "star-fusion": FusionFormat("STAR-Fusion", "rna", ("fusionname", "junctionreadcount", "spanningfragcount", "leftgene", "leftbreakpoint",
                                                       "rightgene", "rightbreakpoint"), _star_fusion, "STAR-Fusion"),
    "fusioncatcher": FusionFormat("FusionCatcher final-list", "rna", ("gene_1_symbol(5end_fusion_partner)", "gene_2_symbol(3end_fusion_partner)",
                                                                      "spanning_pairs", "spanning_unique_reads"), _fusioncatcher, "FusionCatcher"),
    "linx": FusionFormat("HMF LINX fusions", "dna", ("fiveprimebreakendid", "threeprimebreakendid", "name", "reported", "genestart", "geneend"),
                         _linx, "LINX", not_used="not reported by LINX (reported=false)"),
    "pcgr": FusionFormat("PCGR fusions (RNA fusion input)", "rna", ("fusiongene", "leftbreakpoint", "rightbreakpoint"), _pcgr, "PCGR"),
    "oncokb": FusionFormat("oncokb-annotator fusions", None, ("tumor_sample_barcode", "fusion"), _oncokb, "oncokb-annotator"),
    "cgi": FusionFormat("CGI fusions", None, ("fus",), _cgi, "CGI"),
    "simple": FusionFormat("fusion table (gene5, gene3)", None, ("gene5", "gene3"), _simple),
    "sv-vcf": FusionFormat("SV VCF", "dna", (), None),
}
