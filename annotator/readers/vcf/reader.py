"""Read small-variant VCFs and BCFs (plain or bgzipped) into normalized alterations: the entry point.

The header is read and checked first (:mod:`.header`): that gives clear errors for non-VCF input, the
build evidence, the sample columns and the annotation layouts before cyvcf2 streams the records. Then
the tumor column (:mod:`.samples`) and the VAF rule (:mod:`.vaf`) are chosen once per file, and the
read loop (:mod:`.loop`) hands each record in a knowledgebase gene window to :mod:`.records`.
cyvcf2 objects never leave this package (their arrays point into C memory).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from annotator.kb.index import KbIndex
from annotator.models import InputFile, ReadResult, SmallVariant, WbcCalls
from annotator.readers import vcf_scan
from annotator.readers.common import file_sha256
from annotator.readers.htslib import capture_htslib_messages
from annotator.readers.htslib import summarize as summarize_htslib
from annotator.readers.vcf.header import VcfHeader
from annotator.readers.vcf.loop import ReadContext, read_records
from annotator.readers.vcf.options import VcfOptions
from annotator.readers.vcf.records import RecordReader
from annotator.readers.vcf.samples import choose_normal_sample, choose_tumor_sample
from annotator.readers.vcf.tally import contig_warning, skip_warnings
from annotator.readers.vcf.vaf import choose_vaf_rule

__all__ = ["VcfOptions", "read_vcf", "read_wbc_vcf"]


def read_vcf(path: str | Path, header: VcfHeader, index: KbIndex, options: VcfOptions) -> ReadResult:
    """Read one VCF or BCF; records in knowledgebase genes become alterations, the rest are counted.

    Only records in knowledgebase gene windows are parsed (see :mod:`annotator.readers.vcf_scan`):
    by index when the file has a valid one, else streamed (text files through a line pre-filter).
    With a panel BED (``options.panel``) its targets are read too: records there outside every gene
    become ``ReadResult.background`` variants (tumor-fraction estimate only), counted in
    ``Counts.background_variants``.
    """
    path = Path(path)
    tumor = choose_tumor_sample(header, options.tumor_sample)
    t = header.samples.index(tumor) if tumor is not None else None
    records = RecordReader(source=path.name, header=header, index=index, options=options,
                           rule=choose_vaf_rule(header, tumor), t=t)
    panel = options.panel
    targets = {c: [(r.start, r.end) for r in regions] for c, regions in panel.by_contig.items()} if panel else {}
    windows = vcf_scan.Windows(vcf_scan.union(index.contig_windows(), targets))
    with capture_htslib_messages() as htslib_messages:
        context = ReadContext(path=path, records=records, windows=windows, htslib=htslib_messages)
        read = read_records(context, try_index=vcf_scan.index_path(path) is not None and not header.bom)
    tally = read.tally
    warnings = (read.warnings + skip_warnings(tally) + contig_warning(path, header.contig_names, tally)
                + summarize_htslib(header.htslib_messages + htslib_messages))
    kind = "BCF" if header.kind == "bcf" else "VCF"
    return ReadResult(
        input=InputFile(role="vcf", file=path.name, sha256=file_sha256(path), format=f"{kind} ({header.caller}; {read.mode})",
                        vaf_rule=records.rule.name, tumor_sample=tumor),
        alterations=read.alterations,
        background=read.background,
        counts=tally.counts(),
        warnings=tuple(warnings),
        sample_name=tumor,
    )


def read_wbc_vcf(path: str | Path, header: VcfHeader, index: KbIndex, options: VcfOptions,
                 min_alt_reads: int, min_vaf: float) -> WbcCalls:
    """Read a matched white-blood-cell VCF or BCF as the plasma's are read (same windows, VAF rules, checks),
    from its normal column (:func:`choose_normal_sample`; ``options.tumor_sample`` is not used).

    Two things differ, because the question is whether an allele is present in the blood cells at all, not
    whether it is a call: filtered records are kept (a germline or CH allele is what a somatic caller run on
    WBC filters, e.g. Mutect2's ``germline``), their FILTER kept on each variant; and an allele the caller
    genotyped 0/0 is kept from ``min_alt_reads`` reads and ``min_vaf`` (the "present in WBC" thresholds),
    not from the call thresholds' higher bar for plasma calls.
    """
    normal = choose_normal_sample(header)
    calls = options.calls.model_copy(update={"genotype_zero_min_alt_reads": min_alt_reads, "genotype_zero_min_vaf": min_vaf})
    result = read_vcf(path, header, index, replace(options, tumor_sample=normal, include_filtered=True, calls=calls))
    # background variants too (panel targets outside the genes): a tumor-fraction estimate leaves out what blood has
    variants = tuple(a for a in (*result.alterations, *result.background) if isinstance(a, SmallVariant))
    entry = result.input.model_copy(update={"role": "wbc", "counts": result.counts})
    warnings = tuple(f"WBC VCF {Path(path).name}: {w}" for w in result.warnings)
    return WbcCalls(variants=variants, input=entry, sample=normal, warnings=warnings)
