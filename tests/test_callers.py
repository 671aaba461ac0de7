"""Every caller's layout: the five hotspots found with the VAF and depth that caller means, decoys not hit.

Fixtures and the expected values are in tests/data/callers/ (see its README for each caller's rule).
"""

from __future__ import annotations

import pytest

from annotator.config import RunConfig
from annotator.normalize import plain_allele, trim_alleles
from annotator.pipeline import SampleInputs, annotate_sample
from tests.support.inputs import expected_rows
from tests.support.paths import DATA

CALLERS = DATA / "callers"
BY_FILE = expected_rows(CALLERS, "file", "sample")
VAF_RULE = {
    "Mutect2": "FORMAT/AF", "VarDict": "FORMAT/AF", "SAGE": "FORMAT/AF", "Pisces": "FORMAT/VF", "VarScan2": "FORMAT/FREQ",
    "FreeBayes": "FORMAT/AO,RO", "bcftools": "FORMAT/AD", "LoFreq": "INFO/AF", "PCGR": "INFO/TVAF",
}


def _key(chrom, pos, ref, alt):
    """VCF-style and MAF-style ('-') alleles compared after trimming."""
    tpos, tref, talt = trim_alleles(int(pos), plain_allele(ref), plain_allele(alt))
    return str(chrom).removeprefix("chr"), tpos, tref, talt


def _annotate(kb, name, sample):
    tumor = sample if name.endswith(".maf") else None
    return annotate_sample(SampleInputs(vcfs=(CALLERS / name,)), RunConfig(tumor_sample=tumor), kb)


@pytest.mark.parametrize("name, sample", sorted(BY_FILE), ids=[f"{f}:{s}" for f, s in sorted(BY_FILE)])
def test_caller_fixture(shipped_kb, name, sample):
    rows = BY_FILE[(name, sample)]
    report = _annotate(shipped_kb, name, sample)
    assert report.genome_build == rows[0]["build"]
    found = {_key(a.chrom, a.pos, a.ref, a.alt): a for a in report.observations}
    hits = {(f.gene, f.kb_id) for f in report.findings}
    hit_details = {f.detail for f in report.findings}
    for row in rows:
        key = _key(row["chrom"], int(row["pos"]), row["ref"], row["alt"])
        if row["hgvsp"] == "DECOY":
            decoy = found.get(key)
            assert decoy is None or f"{decoy.gene} {decoy.hgvsp}" not in hit_details, f"decoy {row} was reported as a knowledgebase hit"
            continue
        alt = found.get(key)
        assert alt is not None, f"{row['gene']} {row['hgvsp']} not found in {name}"
        assert alt.gene == row["gene"]
        if row["hgvsp"] != "p.E746_A750del" or alt.hgvsp:
            assert alt.hgvsp == row["hgvsp"], (alt.hgvsp, row)
        assert alt.vaf == pytest.approx(float(row["vaf"]), abs=6e-5), (name, row["gene"], alt.vaf)
        assert alt.depth == int(row["depth"]), (name, row["gene"], alt.depth)
        assert any(g == row["gene"] for g, _ in hits), f"{row['gene']} {row['hgvsp']} matched no knowledgebase entry"
    rule = VAF_RULE.get(rows[0]["caller"].split()[0])
    if rule and not name.endswith(".maf") and "strelka" not in name:
        assert report.inputs[0].vaf_rule == rule


def test_strelka2_snv_and_indel_files_of_one_sample_are_merged(shipped_kb):
    for build in ("grch37", "grch38"):
        files = (CALLERS / f"strelka2_snvs_{build}.vcf", CALLERS / f"strelka2_indels_{build}.vcf")
        report = annotate_sample(SampleInputs(vcfs=files), RunConfig(), shipped_kb)
        assert {i.vaf_rule for i in report.inputs} == {"Strelka2 SNV tier1 counts", "Strelka2 indel tier1 TIR/(TAR+TIR)"}
        assert {"EGFR", "KRAS", "PIK3CA", "BRAF"} <= {f.gene for f in report.findings}


def test_multisample_maf_needs_tumor_sample(shipped_kb):
    from annotator.errors import InputError

    with pytest.raises(InputError, match="--tumor-sample"):
        annotate_sample(SampleInputs(vcfs=(CALLERS / "multisample.maf",)), RunConfig(), shipped_kb)
