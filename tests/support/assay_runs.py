"""Plasma samples run end to end with real assay files: a Mutect2-style VCF, a panel BED and a mosdepth
coverage file (issue 17 scenarios and their review tests)."""

from __future__ import annotations

import gzip

from annotator.config import RunConfig
from annotator.kb.load import get_knowledgebase
from annotator.pipeline import SampleInputs, annotate_sample
from tests.support.inputs import mutect2_vcf

N = "0/0:500,0:0.0:500"
C797 = 55181398  # EGFR codon 797, lowest base, GRCh38
MET = ("chr7", 116699085, 116796124)  # MET gene window, GRCh38


def cell(vaf: float, depth: int = 2000) -> str:
    alt = round(vaf * depth)
    return f"0/1:{depth - alt},{alt}:{alt / depth:.4f}:{depth}"


def l858r(vaf: float) -> str:
    return f"chr7 55191822 T G PASS {N} {cell(vaf)}"


def run(write, records, *, panel=None, coverage=None, cnv=None, prior=("osimertinib",), **config):
    vcf = write("plasma.vcf", mutect2_vcf(records))
    panel_path = write("panel.bed", "".join(f"{c}\t{s}\t{e}\t{n}\n" for c, s, e, n in panel)) if panel else None
    coverage_path = None
    if coverage:
        coverage_path = write("sample.regions.bed.gz", "")
        with gzip.open(coverage_path, "wt") as out:
            out.writelines(f"{c}\t{s}\t{e}\t{n}\t{d}\n" for c, s, e, n, d in coverage)
    cnv_path = write("s.cnv.tsv", "gene\tcopy_number\n" + "".join(f"{g}\t{v}\n" for g, v in cnv)) if cnv else None
    inputs = SampleInputs(vcfs=(vcf,), cnv=(cnv_path,) if cnv_path else (), prior_therapies=tuple(prior), driver="EGFR L858R",
                          panel_bed=panel_path, coverage=coverage_path)
    return annotate_sample(inputs, RunConfig(genome="GRCh38", **config), get_knowledgebase())


C797_TARGET = ("chr7", C797 - 60, C797 + 60, "EGFR_ex20")


def negative(report, name: str):
    return next(n for n in report.negatives if n.name == name)
