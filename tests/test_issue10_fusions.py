"""Issue 10, fusions and SVs: named partners from breakend VCFs, same-gene events, caller confidence and frame,
FILTER in SV VCFs and fusion tables, and counts of everything not used (fixtures: tests/data/fusions, see its README)."""

from __future__ import annotations

import pytest

from annotator.config import CallThresholds, RunConfig
from annotator.kb.index import kb_index
from annotator.matching import match_alterations
from annotator.pipeline import SampleInputs, annotate_sample
from annotator.readers.fusion import read_fusions
from tests.support.inputs import mutect2_vcf
from tests.support.paths import DATA

FUS = DATA / "fusions"
L858R = "chr7 55191822 T G PASS 0/0:600,0:0.0:600 0/1:2700,300:0.1:3000"


def _report(write, shipped_kb, fusion_file, priors=("osimertinib",), config=None, small=(L858R,)):
    vcf = write("s.vcf", mutect2_vcf(list(small)))
    inputs = SampleInputs(vcfs=(vcf,), fusions=(fusion_file,), prior_therapies=priors)
    return annotate_sample(inputs, config or RunConfig(), shipped_kb)


# ------------------------------------------------------------------ 1. FusionCatcher BND VCF
def test_fusioncatcher_bnd_vcf_one_call_per_fusion_in_caller_order(shipped_kb):
    result = read_fusions(FUS / "fusioncatcher_bnd_grch38.vcf", kb_index(shipped_kb, "GRCh38"))
    calls = {a.fusion: a for a in result.alterations}
    assert sorted(calls) == ["CD74::ROS1", "EML4::ALK", "GOPC::ROS1"]  # once each, caller's order, GOPC named
    cd74 = calls["CD74::ROS1"]
    assert (cd74.gene, cd74.breakpoint5, cd74.breakpoint3) == ("ROS1", "5:150404680", "6:117324415")
    assert calls["GOPC::ROS1"].breakpoint5 == "6:117566854" and calls["GOPC::ROS1"].breakpoint3 == "6:117321394"
    assert {a.evidence for a in result.alterations} == {"rna"}  # fusion transcripts, not DNA
    assert {a.caller for a in result.alterations} == {"FusionCatcher"}
    assert (cd74.reading_frame, calls["EML4::ALK"].reading_frame) == ("in-frame", "out-of-frame")
    assert result.counts.records_read == 6 and result.counts.skipped == 0 and result.counts.filtered == 0


def test_fusioncatcher_bnd_matches_named_knowledgebase_fusions(shipped_kb):
    index = kb_index(shipped_kb, "GRCh38")
    result = read_fusions(FUS / "fusioncatcher_bnd_grch38.vcf", index)
    best = {m.observed.fusion: m.best.kb.id for m in match_alterations(list(result.alterations), index)}
    # Issue 14 names CD74 as a ROS1 partner (CD74_ROS1): the call now matches that entry exactly, not the any-partner one.
    assert best["GOPC::ROS1"] == "GOPC_ROS1" and best["CD74::ROS1"] == "CD74_ROS1"


def test_unannotated_breakend_outside_known_genes_is_written_as_position(write, shipped_kb):
    head = (FUS / "fusioncatcher_bnd_grch38.vcf").read_text().split("#CHROM")[0].replace("##source=FusionCatcher\n", "##source=GenerateSVCandidates 1.6.0\n")
    rec = "6\t117566854\tb1\tN\tN]6:117321394]\t.\tPASS\tSVTYPE=BND;MATEID=b2\n6\t117321394\tb2\tN\t]6:117566854]N\t.\tPASS\tSVTYPE=BND;MATEID=b1\n"
    path = write("manta.vcf", head + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + rec)
    (fusion,) = read_fusions(path, kb_index(shipped_kb, "GRCh38")).alterations
    assert (fusion.gene, fusion.gene3, fusion.evidence, fusion.caller) == ("ROS1", "ROS1", "dna", "Manta")
    assert fusion.gene5 == "6:117566854" and not fusion.gene5.startswith("intergenic")
    assert any("written as its position" in n for n in fusion.notes)


def test_simple_ann_gene_fusion_names_an_unplaced_partner(write, shipped_kb):
    head = (FUS / "fusioncatcher_bnd_grch38.vcf").read_text().split("#CHROM")[0].replace("##source=FusionCatcher\n", "##source=GenerateSVCandidates 1.5.0\n")
    head += '##INFO=<ID=SIMPLE_ANN,Number=.,Type=String,Description="SVTYPE | EFFECT | GENE(s) | TRANSCRIPT | PRIORITY (1-4)">\n'
    ann = "SIMPLE_ANN=BND|gene_fusion|GOPC&ROS1|ENST00000368507|known_pair|1"
    rec = f"6\t117566854\tb1\tN\tN]6:117321394]\t.\tPASS\tSVTYPE=BND;MATEID=b2;{ann}\n6\t117321394\tb2\tN\t]6:117566854]N\t.\tPASS\tSVTYPE=BND;MATEID=b1;{ann}\n"
    path = write("manta.vcf", head + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + rec)
    (fusion,) = read_fusions(path, kb_index(shipped_kb, "GRCh38")).alterations
    assert fusion.fusion == "GOPC::ROS1" and fusion.evidence == "dna"


# ------------------------------------------------------------------ 3. Arriba: same-gene events, confidence, frame
def test_arriba_same_gene_events_are_not_fusions(shipped_kb):
    index = kb_index(shipped_kb, "GRCh38")
    result = read_fusions(FUS / "arriba_intragenic_and_low_confidence_grch38.tsv", index)
    fusions = {a.fusion for a in result.alterations}
    assert "RET::RET" not in fusions
    assert result.counts.skipped == 1 and any("same-gene (intragenic)" in w and "1 record" in w for w in result.warnings)
    matched = {m.observed.fusion: m for m in match_alterations(list(result.alterations), index) if m.observed.gene == "EGFR"}
    (kdd,) = [m for m in match_alterations(list(result.alterations), index) if m.observed.gene5 == m.observed.gene3 == "EGFR"]
    assert kdd.best.kb.id == "EGFR_KDD" and kdd.observed.breakpoint5 == "7:55200000"  # the duplication, not the deletion
    assert set(matched) == {"EGFR::EGFR"}


def test_a_better_supported_same_gene_deletion_never_hides_the_kinase_domain_duplication(write, shipped_kb):
    """Same-gene junctions are separate events: a 40-read EGFR deletion must not replace the EGFR KDD."""
    text = (FUS / "arriba_intragenic_and_low_confidence_grch38.tsv").read_text()
    text = text.replace("deletion/read-through\t4\t3\t1", "deletion/read-through\t20\t20\t0")
    index = kb_index(shipped_kb, "GRCh38")
    result = read_fusions(write("arriba_kdd.tsv", text), index)
    ids = {m.best.kb.id for m in match_alterations(list(result.alterations), index)}
    assert "EGFR_KDD" in ids
    c = result.counts  # every record accounted for: listed, skipped or outside
    assert c.records_read == len(result.alterations) + c.skipped + c.outside_knowledgebase_genes


def test_arriba_confidence_and_frame_are_carried(shipped_kb):
    result = read_fusions(FUS / "arriba_intragenic_and_low_confidence_grch38.tsv", kb_index(shipped_kb, "GRCh38"))
    kif5b = next(a for a in result.alterations if a.fusion == "KIF5B::RET")
    assert (kif5b.confidence, kif5b.reading_frame, kif5b.supporting_reads, kif5b.caller) == ("low", "out-of-frame", 1, "Arriba")


def test_low_confidence_out_of_frame_fusion_gets_no_resistance_role(write, shipped_kb):
    report = _report(write, shipped_kb, FUS / "arriba_intragenic_and_low_confidence_grch38.tsv")
    roles = {f.alteration: f for f in report.findings}
    kif5b = roles["KIF5B::RET fusion"]
    assert kif5b.role == "other"
    assert "low confidence (Arriba), below the required medium" in kif5b.statement and "out-of-frame (Arriba)" in kif5b.statement
    assert roles["CD74::ROS1 fusion"].role == "other" and "out-of-frame (Arriba)" in roles["CD74::ROS1 fusion"].statement
    assert not any(f.role == "bypass_resistance" and f.gene in ("RET", "ROS1") for f in report.findings)
    assert not any("selpercatinib" in t.drugs for t in report.offered_options)


def test_thresholds_decide_the_gate(write, shipped_kb):
    lenient = RunConfig(calls=CallThresholds(fusion_min_confidence="low", fusion_require_in_frame=False))
    report = _report(write, shipped_kb, FUS / "arriba_intragenic_and_low_confidence_grch38.tsv", config=lenient)
    roles = {f.alteration: f.role for f in report.findings}
    assert roles["KIF5B::RET fusion"] == "bypass_resistance"
    assert report.settings.calls.fusion_min_confidence == "low" and report.settings.calls.fusion_require_in_frame is False


def test_knowledgebase_frame_independent_entry_exempts_the_frame_only(write, shipped_kb):
    entries = [a.model_copy(update={"frame_independent": True}) if a.id in ("ROS1_FUSION", "CD74_ROS1") else a for a in shipped_kb.alterations]
    kb = shipped_kb.model_copy(update={"alterations": entries})
    report = _report(write, kb, FUS / "arriba_intragenic_and_low_confidence_grch38.tsv")
    roles = {f.alteration: f.role for f in report.findings}
    assert roles["CD74::ROS1 fusion"] == "bypass_resistance"  # medium confidence, out of frame, exempted by the KB
    assert roles["KIF5B::RET fusion"] == "other"  # RET entries are not exempt; low confidence is never exempt


def test_egfr_kinase_domain_duplication_from_a_dna_tandem_duplication(write, shipped_kb):
    head = (FUS / "fusioncatcher_bnd_grch38.vcf").read_text().split("#CHROM")[0].replace("##source=FusionCatcher\n", "##source=GenerateSVCandidates 1.6.0\n")
    head = head.replace("##contig=<ID=2,", "##contig=<ID=7,length=159345973>\n##contig=<ID=2,")
    head += '##INFO=<ID=END,Number=1,Type=Integer,Description="End position">\n'
    dup = "7\t55170000\tMantaDUP:1\tN\t<DUP:TANDEM>\t.\tPASS\tSVTYPE=DUP;END=55200000\n"
    small_dup = "7\t55180000\tMantaDUP:2\tN\t<DUP:TANDEM>\t.\tPASS\tSVTYPE=DUP;END=55185000\n"  # exons 20 only: not a KDD
    path = write("manta.vcf", head + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + dup + small_dup)
    index = kb_index(shipped_kb, "GRCh38")
    result = read_fusions(path, index)
    hits = {m.observed.breakpoint3: m.best.kb.id for m in match_alterations(list(result.alterations), index)}
    assert hits == {"7:55170000": "EGFR_KDD"}
    report = _report(write, shipped_kb, path, priors=())
    kdd = [f for f in report.findings if f.kb_id == "EGFR_KDD"]
    assert [f.alteration for f in kdd] == ["EGFR kinase-domain duplication"]  # named as such, never "EGFR::EGFR fusion"


def test_kdd_exons_have_coordinates(shipped_kb):
    genes = {g.symbol: g for g in shipped_kb.genes}
    for a in shipped_kb.alterations:
        if a.kind == "kinase_domain_duplication":
            assert set(a.duplicated_exons) <= {e.number for e in genes[a.gene].exons}, a.id


def test_same_gene_event_never_matches_a_fusion_entry(shipped_kb):
    from annotator.models import Fusion

    index = kb_index(shipped_kb, "GRCh38")
    ret = Fusion(gene="RET", source="x", fusion="RET::RET", gene5="RET", gene3="RET")
    assert match_alterations([ret], index) == []


# ------------------------------------------------------------------ other callers' frame and confidence
def test_other_callers_frame_and_confidence(write, shipped_kb):
    index = kb_index(shipped_kb, "GRCh38")
    star = write("star.tsv", "#FusionName\tJunctionReadCount\tSpanningFragCount\tSpliceType\tLeftGene\tLeftBreakpoint\tRightGene\tRightBreakpoint\tPROT_FUSION_TYPE\n"
                 "KIF5B--RET\t5\t3\tONLY_REF_SPLICE\tKIF5B^ENSG00000170759.11\tchr10:32028428:-\tRET^ENSG00000165731.17\tchr10:43116584:+\tFRAMESHIFT\n"
                 "EML4--ALK\t5\t3\tONLY_REF_SPLICE\tEML4^ENSG00000143924.18\tchr2:42295516:+\tALK^ENSG00000171094.16\tchr2:29223528:-\tINFRAME\n")
    frames = {a.fusion: a.reading_frame for a in read_fusions(star, index).alterations}
    assert frames == {"KIF5B::RET": "out-of-frame", "EML4::ALK": "in-frame"}
    linx = (FUS / "linx.linx.fusion.tsv").read_text().splitlines()
    linx[1] = linx[1].replace("INFRAME\tHIGH", "OUT_OF_FRAME\tLOW")
    result = read_fusions(write("x.linx.fusion.tsv", "\n".join(linx) + "\n"), index)
    kif5b = next(a for a in result.alterations if a.fusion == "KIF5B::RET")
    assert (kif5b.reading_frame, kif5b.confidence, kif5b.caller) == ("out-of-frame", "low", "LINX")


# ------------------------------------------------------------------ 4. FILTER
def test_sv_vcf_filter_skips_and_counts_unless_include_filtered(write, shipped_kb):
    index = kb_index(shipped_kb, "GRCh38")
    path = FUS / "fusioncatcher_bnd_filtered_grch38.vcf"
    result = read_fusions(path, index)
    assert {a.fusion for a in result.alterations} == {"GOPC::ROS1"}
    assert (result.counts.records_read, result.counts.filtered, result.counts.passed_filters) == (4, 2, 2)
    assert any("2 record(s) non-PASS" in w for w in result.warnings)
    kept = read_fusions(path, index, include_filtered=True)
    cd74 = next(a for a in kept.alterations if a.fusion == "CD74::ROS1")
    assert cd74.filter == "LowSupport" and kept.counts.filtered == result.counts.filtered  # filtered means non-PASS, kept or not
    report = _report(write, shipped_kb, path, priors=(), small=(), config=RunConfig(include_filtered=True))
    roles = {f.alteration: f.role for f in report.findings}
    assert roles["CD74::ROS1 fusion"] == "other" and roles["GOPC::ROS1 fusion"] == "primary_driver"


def test_pipeline_passes_include_filtered_to_fusion_reader(write, shipped_kb):
    path = FUS / "fusioncatcher_bnd_filtered_grch38.vcf"
    default = _report(write, shipped_kb, path, priors=(), small=())
    assert "CD74::ROS1" not in {r.observation.fusion for r in default.fusion_rows}
    fusion_input = next(i for i in default.inputs if i.file == path.name)
    assert fusion_input.counts is not None and fusion_input.counts.filtered == 2


def test_table_filter_column_and_linx_reported_follow_include_filtered(write, shipped_kb):
    index = kb_index(shipped_kb, "GRCh38")
    table = write("f.tsv", "gene5\tgene3\tsupporting_reads\tfilter\nKIF5B\tRET\t12\tPASS\nCD74\tROS1\t9\tLowQual\n")
    assert {a.fusion for a in read_fusions(table, index).alterations} == {"KIF5B::RET"}
    kept = read_fusions(table, index, include_filtered=True)
    assert {a.fusion: a.filter for a in kept.alterations} == {"KIF5B::RET": "PASS", "CD74::ROS1": "LowQual"}
    linx = read_fusions(FUS / "linx.linx.fusion.tsv", index)
    linx_all = read_fusions(FUS / "linx.linx.fusion.tsv", index, include_filtered=True)
    assert linx.counts.filtered == 1 and linx_all.counts.filtered == 1
    assert any("1 non-PASS record(s) kept and flagged" in w for w in linx_all.warnings)
    assert all(a.filter == "PASS" for a in linx_all.alterations)  # the reported KIF5B_RET row wins over the unreported one


# ------------------------------------------------------------------ 5. counts
@pytest.mark.parametrize("name", ["fusioncatcher_bnd_grch38.vcf", "fusioncatcher_bnd_filtered_grch38.vcf",
                                  "arriba_intragenic_and_low_confidence_grch38.tsv"])
def test_every_record_is_accounted_for(shipped_kb, name):
    result = read_fusions(FUS / name, kb_index(shipped_kb, "GRCh38"))
    c = result.counts
    assert c.passed_filters + c.filtered == c.records_read
    assert c.skipped == sum(int(w.split(" record(s) skipped")[0].rsplit(" ", 1)[1]) for w in result.warnings if "record(s) skipped" in w)


def test_sv_vcf_skips_are_counted_with_reasons(write, shipped_kb):
    head = (FUS / "fusioncatcher_bnd_grch38.vcf").read_text().split("#CHROM")[0].replace("##source=FusionCatcher\n", "##source=GRIDSS\n")
    recs = ("2\t29300000\tg1\tN\tN.\t.\tPASS\tSVTYPE=BND\n"  # single breakend
            "2\t29300100\tg2\tN\t<INS>\t.\tPASS\tSVTYPE=INS\n"  # no partner position
            "2\t100000\tg3o\tN\tN[2:200000[\t.\tPASS\tSVTYPE=BND;MATEID=g3h\n"  # a junction in no known gene...
            "2\t200000\tg3h\tN\t]2:100000]N\t.\tPASS\tSVTYPE=BND;MATEID=g3o\n")  # ...and its mate
    result = read_fusions(write("gridss.vcf", head + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + recs), kb_index(shipped_kb, "GRCh38"))
    assert result.counts.records_read == 4 and result.counts.skipped == 2 and result.counts.outside_knowledgebase_genes == 1
    assert result.counts.skipped_reasons == {"records without a partner position (e.g. insertions)": 1,
                                             "single breakends (no partner position): not fusions": 1}
    assert any("single breakend" in w for w in result.warnings) and any("without a partner position" in w for w in result.warnings)
