"""The copy-number formats: one entry each, pairing the header that identifies a file with its reading.

Adding a format is one entry in :data:`FORMATS` (and a fixture): its name, level, the header
columns that identify it, and how its rows are read -- a :class:`SegmentTable` with a function
from a :class:`Row` to a :class:`Segment`, or a :class:`GeneTable` with a function from a row to
a :class:`GeneValue`. Detection tries the entries in order (VCF files are recognised by content),
so an entry goes before any whose columns its header also has.
"""

from __future__ import annotations

from collections.abc import Callable

from annotator.errors import InputError
from annotator.readers.cnv.genes import GeneTable
from annotator.readers.cnv.model import CALL_WORDS, CnvFormat, GeneValue, Row, Segment
from annotator.readers.cnv.segments import SegmentTable
from annotator.readers.cnv.vcf_records import VcfRecords


# --- segment rows -----------------------------------------------------------------------------
def _cnvkit(row: Row) -> Segment:
    """CNVkit .cns, .call.cns and .cnr (BED-like 0-based starts; ``cn`` in .call.cns only)::

        chromosome  start     end       gene  log2  cn  depth  probes  weight
        chr7        55019016  55211628  EGFR  3.12  17  812.3  120     98.1
    """
    span = row.span("chromosome", zero_based=True)
    log2 = row.log2("log2", "log2")
    return span.segment(row.number("cn", "cn") if row.has("cn") else None, log2)


def _gatk_model_final(row: Row) -> Segment:
    """GATK ModelSegments .modelFinal.seg (after '@' SAM header lines)::

        CONTIG  START     END       NUM_POINTS_COPY_RATIO  ...  LOG2_COPY_RATIO_POSTERIOR_50  ...
    """
    span = row.span("contig")
    return span.segment(log2=row.log2("log2_copy_ratio_posterior_50", "LOG2_COPY_RATIO_POSTERIOR_50"))


def _gatk_called(row: Row) -> Segment:
    """GATK CallCopyRatioSegments .called.seg (CALL is +, - or 0)::

        CONTIG  START     END       NUM_POINTS_COPY_RATIO  MEAN_LOG2_COPY_RATIO  CALL
    """
    span = row.span("contig")
    return span.segment(log2=row.log2("mean_log2_copy_ratio", "MEAN_LOG2_COPY_RATIO"), call=CALL_WORDS.get(row.cell("call").strip()))


def _purple_floor(row: Row, value: float | None) -> float | None:
    """PURPLE's fit writes small negative copy numbers: taken as 0, with a note."""
    if value is not None and value < 0:
        row.notes.append(f"{row.path.name}:{row.line}: PURPLE copy number {value} below zero treated as 0 (fit noise)")
        return 0.0
    return value


def _purple_somatic(row: Row) -> Segment:
    """PURPLE .purple.cnv.somatic.tsv (purity-adjusted)::

        chromosome  start  end  copyNumber  bafCount  observedBAF  baf  segmentStartSupport ...
    """
    span = row.span("chromosome")
    return span.segment(_purple_floor(row, row.number("copynumber", "copyNumber")))


def _pcgr_segment(row: Row) -> Segment:
    """PCGR allele-specific segments: the copy number is nMajor + nMinor::

        Chromosome  Start  End  nMajor  nMinor
    """
    span = row.span("chromosome")
    major = row.number("nmajor", "nMajor")
    minor = row.number("nminor", "nMinor")
    return span.segment(None if major is None or minor is None else major + minor)


# --- gene rows --------------------------------------------------------------------------------
def _gene_copy_number(row: Row) -> GeneValue:
    """The project's own table: gene and copy_number; an empty copy_number may be given as fold_change or log2::

        gene  copy_number  fold_change  log2
        MET   9.4
    """
    raw = row.cell("copy_number")
    cn = row.number("copy_number", "copy_number")
    if cn is not None and cn < 0:
        raise InputError(f"copy_number {raw!r} is below zero", row.path, row.line)
    if cn is None and row.has("fold_change"):
        fold = row.number("fold_change", "fold_change")
        cn = 2 * fold if fold is not None else None
    if cn is None and row.has("log2"):
        log2 = row.log2("log2", "log2")
        cn = 2 * 2**log2 if log2 is not None else None
    if cn is None:
        raise InputError(f"copy_number {raw!r} is not a number", row.path, row.line)
    return GeneValue(copy_number=cn)


def _purple_gene(row: Row) -> GeneValue:
    """PURPLE .purple.cnv.gene.tsv: the gene's highest copy number (maxCopyNumber)::

        chromosome  start  end  gene  minCopyNumber  maxCopyNumber  ...
    """
    return GeneValue(copy_number=_purple_floor(row, row.number("maxcopynumber", "maxCopyNumber")))


def called(column: str) -> Callable[[Row], GeneValue]:
    """A gene row whose value is the tool's discrete call in ``column`` (Amplification, -2..2, gain...)."""

    def parse(row: Row) -> GeneValue:
        return GeneValue(tool_call=row.call(column))

    return parse


def _sample_call(row: Row) -> GeneValue:
    """A GISTIC-style matrix: the call in the chosen sample's column (-2..2)::

        Hugo_Symbol  Entrez_Gene_Id  SAMPLE1  SAMPLE2
        MET          4233            2        0
    """
    return GeneValue(tool_call=row.call(row.sample_column))


_CNVKIT = ("chromosome", "start", "end", "log2")
# The registry. Its order is the order of detection and of the --cnv-format choices (option checks read
# the names from here: annotator.pipeline.option_context).
FORMATS: dict[str, CnvFormat] = {
    "cnvkit-call-cns": CnvFormat("CNVkit .call.cns", "plasma", ("chromosome", "start", "end", "log2", "cn"), SegmentTable(_cnvkit, _CNVKIT)),
    "cnvkit-cns": CnvFormat("CNVkit .cns", "plasma", ("chromosome", "start", "end", "log2", "probes"), SegmentTable(_cnvkit, _CNVKIT), ("cn",)),
    "cnvkit-cnr": CnvFormat("CNVkit .cnr", "plasma", ("chromosome", "start", "end", "gene", "log2", "depth"),
                            SegmentTable(_cnvkit, _CNVKIT, bins=True), ("probes", "cn")),
    "gatk-model-final": CnvFormat("GATK ModelSegments .modelFinal.seg", "plasma", ("contig", "start", "end", "log2_copy_ratio_posterior_50"),
                                  SegmentTable(_gatk_model_final, ("contig", "start", "end", "log2_copy_ratio_posterior_50"))),
    "gatk-called": CnvFormat("GATK CallCopyRatioSegments .called.seg", "plasma", ("contig", "start", "end", "mean_log2_copy_ratio", "call"),
                             SegmentTable(_gatk_called, ("contig", "start", "end", "mean_log2_copy_ratio"))),
    "purple-gene": CnvFormat("PURPLE gene copy number", "tumor", ("gene", "mincopynumber", "maxcopynumber"), GeneTable("gene", _purple_gene)),
    "purple-somatic": CnvFormat("PURPLE somatic segments", "tumor", ("chromosome", "start", "end", "copynumber"),
                                SegmentTable(_purple_somatic, ("chromosome", "start", "end", "copynumber"))),
    "pcgr-segments": CnvFormat("PCGR allele-specific segments", "tumor", ("chromosome", "start", "end", "nmajor", "nminor"),
                               SegmentTable(_pcgr_segment, ("chromosome", "start", "end"))),
    "gene-table": CnvFormat("gene copy-number table", "plasma", ("gene", "copy_number"), GeneTable("gene", _gene_copy_number)),
    "oncokb-individual": CnvFormat("oncokb-annotator individual CNA", "call", ("tumor_sample_barcode", "hugo_symbol", "copy_number_alteration"),
                                   GeneTable("hugo_symbol", called("copy_number_alteration"), sample="tumor_sample_barcode")),
    # A matrix needs a sample column beside the genes; a header that also has GISTIC's "Gene Symbol" is all_thresholded.
    "gistic-matrix": CnvFormat("GISTIC / oncokb-annotator CNA matrix", "call", ("hugo_symbol",),
                               GeneTable("hugo_symbol", _sample_call, samples_as_columns=True), ("gene symbol",), min_columns=2),
    "gistic-thresholded": CnvFormat("GISTIC all_thresholded", "call", ("gene symbol",), GeneTable("gene symbol", _sample_call, samples_as_columns=True)),
    "moalmanac": CnvFormat("MOAlmanac called CNA", "call", ("gene", "call"), GeneTable("gene", called("call"))),
    "cgi": CnvFormat("CGI CNA", "call", ("gene", "cna"), GeneTable("gene", called("cna"))),
    "vcf": CnvFormat("VCF CNV records", "tumor", (), VcfRecords()),
}
