"""annotate_sample: inputs -> normalized alterations -> matches -> interpretation -> ReportModel."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator import copynumber
from annotator.config import CNV_FORMATS_CONTEXT, DEFAULT_PLOIDY, RunConfig
from annotator.errors import InputError
from annotator.genome import detect_build, parse_build
from annotator.interpret import interpret, parse_stated_driver, resolve_prior_therapies
from annotator.kb.index import KbIndex, kb_index
from annotator.kb.schema import Knowledgebase
from annotator.matching import match_alterations, near_named_exon
from annotator.models import (
    Counts,
    Fusion,
    GeneCopyNumber,
    InputFile,
    Observation,
    ReadResult,
    SmallVariant,
    WbcCalls,
)
from annotator.options import choose_options
from annotator.plasma import stated_driver_query
from annotator.readers import cnv as cnv_reader
from annotator.readers import fusion as fusion_reader
from annotator.readers import maf as maf_reader
from annotator.readers import vcf as vcf_reader
from annotator.readers.coverage import read_assay
from annotator.report import ReportModel, Settings, build_report
from annotator.sample_steps import PlasmaInputs, assay_parts, read_sample_plasma

_VCF_SUFFIXES = (".vcf.gz", ".vcf.bgz", ".vcf", ".bcf")


def option_context() -> dict[str, Any]:
    """What option validation needs from the readers' registries (config sits to their left)."""
    return {CNV_FORMATS_CONTEXT: tuple(cnv_reader.FORMATS)}


@dataclass(frozen=True)
class SampleInputs:
    vcfs: tuple[Path, ...]
    cnv: tuple[Path, ...] = ()
    fusions: tuple[Path, ...] = ()
    sample_id: str | None = None
    prior_therapies: tuple[str, ...] = ()
    driver: str | None = None
    warnings: list[str] = field(default_factory=list)
    wbc_vcf: Path | None = None  # matched white-blood-cell calls (--wbc-vcf, the sheet's wbc_vcf column)
    panel_bed: Path | None = None  # the assay's targets (--panel-bed, the sheet's panel_bed column)
    coverage: Path | None = None  # depth per region or target (--coverage, the sheet's coverage column)


def check_explicit_sample_id(sample_id: str) -> str:
    """Refuse ids that try to reach outside the output folder; other odd characters are sanitized later."""
    if not sample_id.strip():
        raise InputError("--sample-id is empty")
    if "/" in sample_id or "\\" in sample_id or ".." in sample_id or "\0" in sample_id:
        raise InputError(f"--sample-id {sample_id!r} contains a path separator or '..'; give a plain name")
    return sample_id


def safe_file_stem(sample_id: str) -> str:
    """File-name-safe form of a sample id: letters, digits, '.', '_' and '-' only; never '..'."""
    stem = re.sub(r"[^\w.-]+", "_", sample_id)
    stem = re.sub(r"\.{2,}", ".", stem).strip("._-") or "sample"
    if len(stem.encode()) > 120:  # file systems allow 255 bytes; keep room for suffixes, stay unique
        digest = hashlib.sha256(sample_id.encode()).hexdigest()[:10]
        stem = stem.encode()[:100].decode("utf-8", "ignore") + "_" + digest
    return stem


def _stem(path: Path) -> str:
    name = path.name
    for suffix in _VCF_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


SmallVariantHeader = vcf_reader.VcfHeader | maf_reader.MafHeader  # a MAF is accepted wherever a VCF is


def _build_evidence(header: SmallVariantHeader) -> tuple[str | None, list[str]]:
    if isinstance(header, maf_reader.MafHeader):
        return header.build_evidence()
    names = [*header.contig_names, *([header.first_contig] if header.first_contig else [])]
    return detect_build(header.reference_lines, header.contigs, str(header.path), names)


def read_small_variant_header(path: Path) -> SmallVariantHeader:
    """A VCF's or a MAF's header: MAFs are accepted wherever a VCF is."""
    path = Path(path)
    if path.is_file() and maf_reader.looks_like_maf(path):
        return maf_reader.read_maf_header(path)
    return vcf_reader.read_header(path)


def resolve_build(headers: list[SmallVariantHeader], requested: str | None) -> str:
    detected: dict[str, tuple[str, list[str]]] = {}
    for h in headers:
        build, evidence = _build_evidence(h)
        if build:
            detected[str(h.path)] = (build, evidence)
    builds = {b for b, _ in detected.values()}
    if len(builds) > 1:
        raise InputError("the VCFs of one sample are on different genome builds: " + ", ".join(f"{p}: {b}" for p, (b, _) in detected.items()))
    if requested:
        build = parse_build(requested)
        for path, (found, evidence) in detected.items():
            if found != build:
                raise InputError(f"--genome {requested} contradicts the header, which indicates {found} ({'; '.join(evidence[:2])})", path)
        return build
    if not builds:
        raise InputError(
            "the input names no genome build (VCF: no ##reference or ##contig lengths; MAF: no NCBI_Build);"
            " give --genome GRCh37 or GRCh38", headers[0].path)
    return builds.pop()


def _merge_counts(results: list[ReadResult]) -> Counts:
    return sum((r.counts for r in results), Counts())


def check_inputs(inputs: SampleInputs) -> None:
    """Cheap checks of what the user typed, run before the knowledgebase is even loaded."""
    optional = [p for p in (inputs.wbc_vcf, inputs.panel_bed, inputs.coverage) if p]
    for path in (*inputs.vcfs, *inputs.cnv, *inputs.fusions, *optional):
        if Path(path).is_dir():
            raise InputError("is a directory, not a file", path)
        if not Path(path).is_file():
            raise InputError("file not found", path)
    if inputs.sample_id is not None:
        check_explicit_sample_id(inputs.sample_id)


def annotate_sample(inputs: SampleInputs, config: RunConfig, kb: Knowledgebase) -> ReportModel:
    check_inputs(inputs)
    headers = [read_small_variant_header(p) for p in inputs.vcfs]
    build = resolve_build(headers, config.genome)
    wbc_header = read_wbc_header(inputs.wbc_vcf, build) if inputs.wbc_vcf else None  # refused before any reading
    assay = read_assay(inputs.panel_bed, inputs.coverage)  # a bad line is refused before any VCF is read
    index = kb_index(kb, build)

    reference = None
    if config.reference:
        from annotator.reference import Reference

        reference = Reference(config.reference)
    # Small variants the annotation calls non-coding are counted, not kept as rows, unless the knowledgebase
    # names them (matching decides, e.g. MET exon 14 splice-site deletions that VEP calls intronic) or they lie
    # near an exon the knowledgebase names (a branch-point deletion just outside the splice window stays in view).
    def known(alteration: Observation) -> bool:
        return bool(match_alterations([alteration], index)) or near_named_exon(alteration, index, config.calls.non_coding_kept_within_bp)

    vcf_options = vcf_reader.VcfOptions(tumor_sample=config.tumor_sample, include_filtered=config.include_filtered, reference=reference,
                                        calls=config.calls, known=known, panel=assay.panel)
    vcf_results = [
        maf_reader.read_maf(h, index, config.tumor_sample, config.include_filtered, known)
        if isinstance(h, maf_reader.MafHeader)
        else vcf_reader.read_vcf(h.path, h, index, vcf_options)
        for h in headers
    ]
    tumor_sample = next((r.sample_name for r in vcf_results if r.sample_name), None)
    maf_with_panel = assay.panel is not None and any(isinstance(h, maf_reader.MafHeader) for h in headers)
    wbc = read_wbc(wbc_header, index, vcf_options, config) if wbc_header else None
    cnv_results = [cnv_reader.read_copy_number(p, index, config.cnv_format, config.tumor_sample or tumor_sample,
                                                include_filtered=config.include_filtered) for p in inputs.cnv]
    fusion_results = [fusion_reader.read_fusions(p, index, include_filtered=config.include_filtered) for p in inputs.fusions]
    small = [a for r in vcf_results for a in r.alterations]
    first_tf = resolve_tumor_fraction(config, small)
    results = [*vcf_results, *cnv_results, *fusion_results]
    warnings = list(inputs.warnings) + [w for r in results for w in r.warnings] + list(wbc.warnings if wbc else ())
    if maf_with_panel:  # a MAF lists calls only: nothing of the panel's other targets to estimate the fraction from
        warnings.append("--panel-bed: no background variants are read from a MAF (VCF/BCF inputs only)")
    sample_id = _sample_id(inputs, tumor_sample)

    priors, unknown = resolve_prior_therapies(list(inputs.prior_therapies), index)
    warnings += [f"prior therapy {name!r} is not in the knowledgebase and was not used for interpretation" for name in unknown]
    stated = parse_stated_driver(inputs.driver, index)
    if inputs.driver and stated is None:
        warnings.append(f"stated driver {inputs.driver!r} is not a knowledgebase driver and was not used")

    # Plasma is not only tumor: variants read as blood (clonal hematopoiesis) or possibly germline are kept as
    # report rows but not given to matching and interpretation; the one tumor fraction comes from the variants read
    # as tumor (panel background included) unless one was given (annotator.sample_steps).
    fusions = [a for r in fusion_results for a in r.alterations]
    given = _inputs_given(inputs, small + fusions)
    step = read_sample_plasma(first_tf, PlasmaInputs(
        small, [v for r in vcf_results for v in r.background], _merge_gene_copy_numbers([c for r in cnv_results for c in r.copy_numbers]),
        fusions, wbc, stated_driver_query(inputs.driver, stated, index, given), any(d.tki_for for d in priors)), index, config, _dedupe)
    tf, gene_cns, alterations, plasma = step.tf, step.copy_numbers, step.alterations, step.plasma
    warnings += _tumor_fraction_warnings(tf, step.estimate.value)
    matches = match_alterations(plasma.kept(alterations), index)
    for m in matches:
        if isinstance(m.observed, SmallVariant):  # annotation conflicts; copy-number notes are shown in their table
            warnings += [f"{m.observed.label}: {note}" for note in m.observed.notes]
    disease = _disease(index, config.tumor_type)
    interpretation = interpret(matches, index, priors, stated, config.calls, disease=disease)
    options = choose_options(interpretation, index, priors)
    parts = assay_parts(step, interpretation, index, priors, config, assay.panel, assay.coverage, given)
    inputs_out = ([r.input.model_copy(update={"counts": r.counts}) for r in results] + ([wbc.input] if wbc else [])
                  + list(assay.inputs))
    settings = Settings(
        tumor_type=disease,
        include_filtered=config.include_filtered,
        cnv=config.cnv,
        calls=config.calls,
        tumor_fraction=tf.value,
        tumor_fraction_source=tf.source,
        tumor_fraction_estimated=tf.estimated,
        ploidy=tf.ploidy if tf.ploidy is not None else DEFAULT_PLOIDY,
        genome_build_source="--genome" if config.genome else "input header",
        reference=Path(config.reference).name if config.reference else None,
        plasma=config.plasma,
        assay=config.assay,
    )
    return build_report(
        sample_id=sample_id,
        tumor_type=config.tumor_type,
        prior_names=list(inputs.prior_therapies),
        prior_ids=[d.id for d in priors],
        interpretation=interpretation,
        options=options,
        index=index,
        alterations=alterations,
        copy_numbers=gene_cns,
        copy_number_assessed=bool(inputs.cnv),
        inputs=inputs_out,
        counts=_merge_counts(vcf_results),
        settings=settings,
        warnings=warnings,
        stated_driver_text=inputs.driver,
        tumor_sample=tumor_sample,
        plasma=plasma,
        negatives=parts.negatives,
        tumor_fraction_estimate=step.estimate,
        clonality=parts.clonality,
        polyclonal=parts.polyclonal,
    )


def _inputs_given(inputs: SampleInputs, alterations: list[Observation]) -> frozenset[str]:
    """The kinds of alteration the inputs could show: small variants, copy number, fusions (a fusion file, or SV
    records read as fusions)."""
    kinds = {"small"}
    if inputs.cnv:
        kinds.add("copy_number")
    if inputs.fusions or any(isinstance(a, Fusion) for a in alterations):
        kinds.add("fusion")
    return frozenset(kinds)


def read_wbc_header(path: Path, build: str) -> vcf_reader.VcfHeader:
    """The matched WBC VCF's header, refused unless its genome build (when it names one) is the plasma's."""
    header = vcf_reader.read_header(path)
    found, evidence = _build_evidence(header)
    if found and found != build:
        raise InputError(f"the WBC VCF (--wbc-vcf) is on {found} ({'; '.join(evidence[:2])}) but the plasma input is on {build};"
                         " give calls on one build", path)
    return header


def read_wbc(header: vcf_reader.VcfHeader, index: KbIndex, plasma_options: vcf_reader.VcfOptions, config: RunConfig) -> WbcCalls:
    """The matched WBC calls over the plasma's windows, with its REF checks and non-coding rule (see read_wbc_vcf)."""
    return vcf_reader.read_wbc_vcf(header.path, header, index, plasma_options,
                                   min_alt_reads=config.plasma.wbc_min_alt_reads, min_vaf=config.plasma.wbc_min_vaf)


def _sample_id(inputs: SampleInputs, tumor_sample: str | None) -> str:
    """--sample-id, else the tumor sample's name unless it is generic ("TUMOR"), else the first VCF's file stem."""
    if inputs.sample_id:
        return inputs.sample_id
    if tumor_sample and not vcf_reader.is_generic_sample_name(tumor_sample):
        return tumor_sample
    return _stem(Path(inputs.vcfs[0]))


def _disease(index: KbIndex, tumor_type: str) -> str:
    """The knowledgebase's own short name for the sample's tumor type (statements say "EGFR-driven NSCLC").
    The run configuration has refused a tumor type the knowledgebase does not know before any work."""
    found = index.kb.tumor_type(tumor_type)
    if found is None:
        raise InputError(f"tumor type {tumor_type!r} is not one of the knowledgebase's: {', '.join(index.kb.release.tumor_type_labels())}")
    return found.id


def resolve_tumor_fraction(config: RunConfig, small: list[Observation]) -> copynumber.TumorFraction:
    """--tumor-fraction, else an ichorCNA params.txt, else an estimate from somatic VAFs."""
    if config.tumor_fraction is not None:
        value = copynumber.parse_tumor_fraction(config.tumor_fraction)
        return copynumber.TumorFraction(value, "--tumor-fraction", False, config.ploidy)
    if config.tumor_fraction_file:
        tf = copynumber.read_ichorcna_params(config.tumor_fraction_file)
        return copynumber.TumorFraction(tf.value, tf.source, False, config.ploidy or tf.ploidy)
    estimate = copynumber.estimate_from_vafs(small, config.cnv.estimate_max_vaf)
    return copynumber.TumorFraction(estimate.value, estimate.source, estimate.estimated, config.ploidy)


def _tumor_fraction_warnings(tf: copynumber.TumorFraction, implied: float | None) -> list[str]:
    """Say when a given tumor fraction contradicts the estimate from the variants read as tumor (blood-derived and
    germline-like ones left out; the estimate is a lower bound when the clone is subclonal)."""
    if tf.estimated or tf.value is None or implied is None:
        return []
    if tf.value == 0:
        return [f"tumor fraction 0 (no tumor DNA) given, but somatic variants imply at least {implied:.1%}; copy numbers were not adjusted"]
    if tf.value < implied / 2:
        return [f"tumor fraction {tf.value:.1%} ({tf.source}) is well below the {implied:.1%} the somatic VAFs imply;"
                " tumor-adjusted copy numbers may be overestimated"]
    return []


def _merge_gene_copy_numbers(calls: list[GeneCopyNumber]) -> list[GeneCopyNumber]:
    """One value per gene across CNV files: a measured value beats a discrete call; else the first file wins."""
    best: dict[str, GeneCopyNumber] = {}
    for c in calls:
        current = best.get(c.gene)
        if current is None or (current.copy_number is None and c.copy_number is not None):
            best[c.gene] = c
    return sorted(best.values(), key=lambda c: c.gene)


def _dedupe(alterations: list[Observation]) -> list[Observation]:
    """One entry per allele/fusion/gene call, first file wins (Strelka2 SNV + indel files may overlap)."""
    seen, out = set(), []
    for a in alterations:
        if a.identity not in seen:
            seen.add(a.identity)
            out.append(a)
    return out


__all__ = ["SampleInputs", "annotate_sample", "safe_file_stem", "check_explicit_sample_id", "InputFile"]
