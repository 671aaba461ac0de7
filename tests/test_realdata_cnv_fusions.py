"""Real copy-number and fusion/SV files written by other people's tools (../shared/realdata)."""

from __future__ import annotations

import pytest

from annotator.kb.index import kb_index
from annotator.models import GeneCopyNumber
from annotator.readers.cnv import read_copy_number
from annotator.readers.fusion import read_fusions
from tests.support.paths import REALDATA, require_realdata, skip_module_without

skip_module_without(REALDATA, "real copy-number and fusion files of other tools")

CNV_FILES = {
    "etal-cnvkit__p2-9_2.call.cns": ("GRCh37", "cnvkit-call-cns", None),
    "etal-cnvkit__p2-9_2.cnr": ("GRCh37", "cnvkit-cnr", None),
    "broadinstitute-gatk__single-sample-cr-ac-nac.modelFinal.seg": ("GRCh37", "gatk-model-final", None),
    "hartwigmedical-hmftools__tumor_sample.purple.cnv.somatic.tsv": ("GRCh37", "purple-somatic", None),
    "hartwigmedical-hmftools__tumor_sample.purple.driver.catalog.somatic.tsv": ("GRCh37", "purple-gene", None),
    "umccr-gpgr__purple.cnv.gene.tsv": ("GRCh38", "purple-gene", None),
    "oncokb-annotator__example_cna.txt": ("GRCh37", "gistic-thresholded", "TCGA-05-4417-01"),
    "vanallenlab-moalmanac__example_patient.capture.somatic.called.cna.txt": ("GRCh37", "moalmanac", None),
}


def by_gene(result) -> dict[str, GeneCopyNumber]:
    return {c.gene: c for c in result.copy_numbers}


@pytest.mark.parametrize("name", CNV_FILES)
def test_every_real_cnv_file_is_read_and_detected(shipped_kb, name):
    build, fmt, sample = CNV_FILES[name]
    result = read_copy_number(require_realdata("cnv", name), kb_index(shipped_kb, build), sample=sample)
    assert result.input.format.startswith(__import__("annotator.readers.cnv", fromlist=["FORMATS"]).FORMATS[fmt].name)
    assert result.counts.records_read > 0


def test_cnvkit_gain_just_3prime_of_egfr_is_not_egfr_and_erbb2_is_lost(shipped_kb):
    from annotator.config import CnvThresholds
    from annotator.copynumber import TumorFraction, interpret_gene

    genes = by_gene(read_copy_number(require_realdata("cnv", "etal-cnvkit__p2-9_2.call.cns"), kb_index(shipped_kb, "GRCh37")))
    assert genes["EGFR"].copy_number != 5  # the cn-5 segment chr7:55513224-56138787 lies 3' of EGFR
    erbb2 = interpret_gene(genes["ERBB2"], TumorFraction(1.0, "test"), CnvThresholds())
    assert erbb2.copy_number == 1 and erbb2.status in ("loss", "copy_loss")


def test_purple_values_are_tumor_level(shipped_kb):
    genes = by_gene(read_copy_number(require_realdata("cnv", "hartwigmedical-hmftools__tumor_sample.purple.driver.catalog.somatic.tsv"),
                                     kb_index(shipped_kb, "GRCh37")))
    assert genes["BRAF"].level == "tumor" and genes["BRAF"].copy_number == pytest.approx(6.0275)


def test_gistic_matrix_needs_a_sample_and_reads_discrete_calls(shipped_kb):
    from annotator.errors import InputError

    path = require_realdata("cnv", "oncokb-annotator__example_cna.txt")
    index = kb_index(shipped_kb, "GRCh37")
    with pytest.raises(InputError, match="--tumor-sample"):
        read_copy_number(path, index)
    genes = by_gene(read_copy_number(path, index, sample="TCGA-05-4417-01"))
    assert genes["MET"].tool_call == "amp" and genes["ERBB2"].tool_call == "amp" and genes["MET"].level == "call"


def test_moalmanac_calls(shipped_kb):
    genes = by_gene(read_copy_number(require_realdata("cnv", "vanallenlab-moalmanac__example_patient.capture.somatic.called.cna.txt"),
                                     kb_index(shipped_kb, "GRCh37")))
    assert genes["BRAF"].tool_call == "amp"


FUSION_FILES = {
    "STAR-Fusion__fuco.star-fusion.fusion_candidates.final.abridged": ("GRCh37", {"EML4::ALK", "CD74::ROS1", "CCDC6::RET", "HOOK3::RET"}),
    "ndaniel-fusioncatcher__final-list_candidate-fusion-genes.txt": ("GRCh38", {"EML4::ALK", "NPM1::ALK", "CD74::ROS1", "GOPC::ROS1", "HOOK3::RET"}),
    "suhrig-arriba__fusions.tsv": ("GRCh37", set()),  # BCR--ABL1 only: no knowledgebase kinase
    "hartwigmedical-hmftools__tumor_sample.linx.fusion.tsv": ("GRCh37", set()),  # nothing reported=true
    "oncokb-annotator__example_fusions.txt": ("GRCh37", {"EML4::ALK"}),  # written ALK-EML4
    "hartwigmedical-hmftools__tumor_sample.purple.sv.vcf": ("GRCh37", set()),
    "mskcc-vcf2maf__test_delly.vcf": ("GRCh37", set()),
    "umccr-gpgr__manta.vcf.gz": ("GRCh38", set()),
}


@pytest.mark.parametrize("name", FUSION_FILES)
def test_every_real_fusion_file_is_read(shipped_kb, name):
    build, expected = FUSION_FILES[name]
    result = read_fusions(require_realdata("fusion", name), kb_index(shipped_kb, build))
    found = {a.fusion for a in result.alterations}
    assert expected <= found, found
    assert result.counts.records_read > 0
    for a in result.alterations:
        assert a.gene in (a.gene5, a.gene3)


def test_rna_and_dna_evidence_are_told_apart(shipped_kb):
    rna = read_fusions(require_realdata("fusion", "STAR-Fusion__fuco.star-fusion.fusion_candidates.final.abridged"), kb_index(shipped_kb, "GRCh37"))
    assert {a.evidence for a in rna.alterations} == {"rna"}
    eml4 = next(a for a in rna.alterations if a.fusion == "EML4::ALK")
    assert eml4.gene == "ALK" and eml4.supporting_reads and eml4.breakpoint5.startswith("chr2:")


def test_unordered_oncokb_fusion_puts_the_kinase_3prime(shipped_kb):
    result = read_fusions(require_realdata("fusion", "oncokb-annotator__example_fusions.txt"), kb_index(shipped_kb, "GRCh37"))
    eml4 = next(a for a in result.alterations if a.gene == "ALK")
    assert (eml4.gene5, eml4.gene3) == ("EML4", "ALK")
    assert any("5'/3' order" in n for n in eml4.notes)
