"""The four flagship mechanisms on both builds, with and without a prior TKI, on the shipped knowledgebase."""

from __future__ import annotations

import pytest

from annotator.config import RunConfig
from annotator.pipeline import SampleInputs, annotate_sample
from tests.support.inputs import mutect2_vcf

N = "0/0:600,0:0.0:600"
DRIVER = {"GRCh38": f"chr7 55191822 T G PASS {N} 0/1:2640,360:0.12:3000", "GRCh37": f"7 55259515 T G PASS {N} 0/1:2640,360:0.12:3000"}
SNVS = {
    ("KRAS G12D", "GRCh38"): f"chr12 25245350 C T PASS {N} 0/1:985,15:0.015:1000",
    ("KRAS G12D", "GRCh37"): f"12 25398284 C T PASS {N} 0/1:985,15:0.015:1000",
    ("PIK3CA E545K", "GRCh38"): f"chr3 179218303 G A PASS {N} 0/1:980,20:0.02:1000",
    ("PIK3CA E545K", "GRCh37"): f"3 178936091 G A PASS {N} 0/1:980,20:0.02:1000",
}
BUILDS = ("GRCh37", "GRCh38")
PRIORS = {(): "co_alteration", ("osimertinib",): "bypass_resistance"}
# A driver-capable alteration (KRAS G12D, a RET fusion) beside EGFR L858R before any TKI: its resistance context
# needs prior osimertinib, so it is a second primary driver, flagged (issue 13), not a co-alteration.
DRIVER_PRIORS = {(): "primary_driver", ("osimertinib",): "bypass_resistance"}


def annotate(write, kb, records, build, prior, cnv=None, fusions=None, driver=None):
    vcf = write(f"s_{build}.vcf", mutect2_vcf(records, build))
    cnvs = (write("s.cnv.tsv", "gene\tcopy_number\n" + cnv),) if cnv else ()
    fus = (write("s.fusions.tsv", "gene5\tgene3\tsupporting_reads\n" + fusions),) if fusions else ()
    return annotate_sample(SampleInputs(vcfs=(vcf,), cnv=cnvs, fusions=fus, prior_therapies=prior, driver=driver), RunConfig(), kb)


def role_of(report, name):
    found = [f.role for f in report.findings if f.alteration == name]
    assert found, f"{name} not among {[f.alteration for f in report.findings]}"
    return found[0]


@pytest.mark.parametrize("prior, expected", PRIORS.items())
@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("name", ["KRAS G12D", "PIK3CA E545K"])
def test_point_mutations(write, shipped_kb, name, build, prior, expected):
    report = annotate(write, shipped_kb, [DRIVER[build], SNVS[(name, build)]], build, prior)
    assert role_of(report, "EGFR L858R") == "primary_driver"
    assert role_of(report, name) == (DRIVER_PRIORS[prior] if name == "KRAS G12D" else expected)
    assert any("More than one primary oncogenic driver" in f for f in report.summary.flags) == (role_of(report, name) == "primary_driver")
    assert report.genome_build == build


@pytest.mark.parametrize("prior, expected", PRIORS.items())
@pytest.mark.parametrize("build", BUILDS)
def test_met_amplification(write, shipped_kb, build, prior, expected):
    report = annotate(write, shipped_kb, [DRIVER[build]], build, prior, cnv="MET\t8.0\nEGFR\t2.2\n")
    assert role_of(report, "MET amplification") == expected
    if prior:
        drugs = [t.drugs for t in report.offered_options]
        assert ["osimertinib", "savolitinib"] in drugs
        assert ["osimertinib"] not in drugs
        # Issue 14: the standard next step after an EGFR TKI (amivantamab + carboplatin-pemetrexed) now leads the
        # offered options; among the mechanism-directed ones the current drug is kept and the MET inhibitor added.
        assert report.standard_options and all(t.evidence[0].level == "A" for t in report.standard_options)
        assert report.mechanism_options[0].drugs == ["osimertinib", "savolitinib"]  # keep the current drug, add the MET inhibitor
        matched = {t.nct_id for t in report.trials}
        assert "NCT03778229" in matched
        assert "NCT03944772" not in matched  # ORCHARD: active, not recruiting per its cited registry record


@pytest.mark.parametrize("prior, expected", DRIVER_PRIORS.items())
@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("fusion", ["CCDC6\tRET", "KIF5B\tRET", "NCOA4\tRET", "ERC1\tRET"])
def test_ret_fusions_with_egfr_driver(write, shipped_kb, build, prior, expected, fusion):
    report = annotate(write, shipped_kb, [DRIVER[build]], build, prior, fusions=f"{fusion}\t30\n")
    name = fusion.replace("\t", "::") + " fusion"
    assert role_of(report, name) == expected


@pytest.mark.parametrize("build", BUILDS)
def test_ret_fusion_alone_is_primary_driver_with_ret_inhibitors(write, shipped_kb, build):
    report = annotate(write, shipped_kb, [], build, (), fusions="KIF5B\tRET\t42\n")
    assert [(f.alteration, f.role) for f in report.findings] == [("KIF5B::RET fusion", "primary_driver")]
    offered = {d for t in report.offered_options for d in t.drugs}
    assert {"selpercatinib", "pralsetinib"} <= offered


def test_no_mechanism_gives_a_clear_negative_report(write, shipped_kb):
    report = annotate(write, shipped_kb, [DRIVER["GRCh38"]], "GRCh38", ("osimertinib",))
    assert report.summary.headline == "No resistance mechanism in this knowledgebase detected after osimertinib."
    assert report.summary.resistance_mechanisms == []
    assert {"c-MET protein overexpression", "Histologic transformation"} <= set(report.summary.cannot_exclude)
