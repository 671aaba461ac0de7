"""Plasma-aware copy number: tumor-fraction adjustment, focal vs broad, what cannot be excluded."""

from __future__ import annotations

import pytest

from annotator.config import CnvThresholds, RunConfig
from annotator.copynumber import TumorFraction, interpret_gene, read_ichorcna_params, tumor_copy_number
from annotator.errors import InputError
from annotator.models import GeneCopyNumber
from annotator.pipeline import SampleInputs, annotate_sample
from tests.support.inputs import mutect2_vcf

L858R = "chr7 55191822 T G PASS 0/0:600,0:0.0:600 0/1:2970,30:0.01:3000"
CNS_HEADER = "chromosome\tstart\tend\tgene\tlog2\tdepth\tprobes\tweight\n"


def test_formula_from_copy_number_and_from_fold_change():
    assert tumor_copy_number(2.4, 0.05) == pytest.approx(10.0)
    assert tumor_copy_number(2.1, 0.01) == pytest.approx(12.0)  # the noise magnification the thresholds guard against
    fold_change, fraction = 1.3, 0.1
    assert tumor_copy_number(2 * fold_change, fraction) == pytest.approx(2 + 2 * (fold_change - 1) / fraction)
    # ploidy-aware: relative to a triploid tumor genome the same ratio means more copies
    assert tumor_copy_number(2.4, 0.05, ploidy=3) > tumor_copy_number(2.4, 0.05)


def _cn(value, length=1_000_000, level="plasma"):
    return GeneCopyNumber(gene="MET", copy_number=value, source="x", level=level, segment="7:1-2", segment_length=length)


def test_calls():
    t = CnvThresholds()
    def at(f: float) -> TumorFraction:
        return TumorFraction(f, "test")

    likely = interpret_gene(_cn(2.4), at(0.05), t)
    assert (likely.status, likely.adjusted_copy_number, likely.adjusted_interval) == ("likely_amplification", 10.0, (7.0, 13.0))
    assert interpret_gene(_cn(8.0), at(0.3), t).status == "amplification"
    assert interpret_gene(_cn(3.0, length=159_000_000), at(0.3), t).status == "broad_gain"
    assert interpret_gene(_cn(2.1), at(0.01), t).status == "cannot_exclude"
    assert interpret_gene(_cn(2.05), at(0.5), t).status == "neutral"
    assert interpret_gene(_cn(2.2), at(0.01), t).status == "cannot_exclude"  # 2.2 is within noise: no call, and nothing excluded
    assert interpret_gene(_cn(2.6), TumorFraction(None, "unknown"), t).status == "gain"
    assert interpret_gene(_cn(9.0, level="tumor"), at(0.05), t).status == "amplification"  # PURPLE-style: no re-adjustment
    assert interpret_gene(_cn(2.4), TumorFraction(0.0, "test"), t).status == "gain"  # no tumor DNA: nothing to adjust


def run(write, kb, cns_rows, tf=None, prior=("osimertinib",), records=(L858R,)):
    vcf = write("s.vcf", mutect2_vcf(list(records)))
    cns = write("s.cns", CNS_HEADER + "".join(cns_rows))
    return annotate_sample(SampleInputs(vcfs=(vcf,), cnv=(cns,), prior_therapies=prior), RunConfig(tumor_fraction=tf), kb)


def test_five_percent_tumor_fraction_plasma_met_2_4_is_a_likely_amplification(write, shipped_kb):
    report = run(write, shipped_kb, [
        "chr7\t100000\t116000000\t-\t0\t500\t400\t300\n",
        "chr7\t116000000\t117000000\tMET\t0.263\t600\t40\t30\n",  # 2 x 2^0.263 = 2.4 copies in plasma
        "chr7\t117000000\t159000000\t-\t0\t500\t400\t300\n",
    ], tf=0.05)
    met = next(c for c in report.gene_copy_numbers if c.gene == "MET")
    assert met.status == "likely_amplification" and met.focal is True
    assert met.copy_number == pytest.approx(2.4, abs=0.01) and 9.5 < met.adjusted_copy_number < 10.5
    finding = next(f for f in report.findings if f.gene == "MET")
    assert (finding.alteration, finding.role) == ("MET amplification", "bypass_resistance")
    assert "Likely amplification: 2.40 copies observed in plasma at tumor fraction 5.0%" in finding.statement
    alteration = next(a for a in report.observations if a.gene == "MET")
    assert alteration.copy_number == met.copy_number and alteration.adjusted_copy_number == met.adjusted_copy_number
    assert alteration.tumor_fraction == 0.05 and alteration.status == "likely_amplification"
    assert report.settings.tumor_fraction_source == "--tumor-fraction"


def test_chromosome_7_polysomy_is_not_met_amplification(write, shipped_kb):
    report = run(write, shipped_kb, ["chr7\t10000\t159335973\tEGFR,MET\t0.585\t600\t4000\t3000\n"], tf=0.3)
    met = next(c for c in report.gene_copy_numbers if c.gene == "MET")
    assert met.status == "broad_gain" and met.focal is False
    assert not any(f.gene == "MET" for f in report.findings)


def test_one_percent_tumor_fraction_without_gain_cannot_exclude_amplification(write, shipped_kb):
    report = run(write, shipped_kb, ["chr7\t10000\t159335973\t-\t0.01\t600\t4000\t3000\n"], tf=0.01)
    assert next(c for c in report.gene_copy_numbers if c.gene == "MET").status == "cannot_exclude"
    assert "MET amplification (tumor fraction too low to see it)" in report.summary.cannot_exclude


def test_tumor_fraction_is_estimated_from_vafs_when_not_given(write, shipped_kb):
    report = run(write, shipped_kb, ["chr7\t116000000\t117000000\tMET\t0.263\t600\t40\t30\n"])
    assert report.settings.tumor_fraction == 0.02  # 2 x the L858R VAF of 1%
    assert report.settings.tumor_fraction_estimated is True


def test_ichorcna_params(write):
    params = write("params.txt", "Parameter\tSAMPLE\nTumor Fraction:\t0.0813\nPloidy:\t2.05\nSubclone Fraction:\tNA\n")
    tf = read_ichorcna_params(params)
    assert (tf.value, tf.ploidy) == (0.0813, 2.05)
    with pytest.raises(InputError, match="no 'Tumor Fraction:' line"):
        read_ichorcna_params(write("other.txt", "hello\n"))


@pytest.mark.parametrize("value", ["1.5", "-0.1", "five"])
def test_tumor_fraction_outside_range_exits_2(run_cli, write, tmp_path, value):
    vcf = write("s.vcf", mutect2_vcf([L858R]))
    result = run_cli(["annotate", vcf, "--tumor-fraction", value, "--outdir", tmp_path / "out"])
    assert result.exit_code == 2 and "--tumor-fraction" in result.output
    assert not (tmp_path / "out").exists()


def test_thresholds_come_from_configuration_and_are_echoed(run_cli, write, tmp_path):
    vcf = write("s.vcf", mutect2_vcf([L858R]))
    cnv = write("s.cnv.tsv", "gene\tcopy_number\nMET\t4.2\n")
    conf = write("t.yaml", "amplification_min_copy_number: 4\nmin_observed_gain: 0.5\n")
    result = run_cli(["annotate", vcf, "--cnv", cnv, "--cnv-thresholds", conf, "--tumor-fraction", "1", "--prior-therapy",
                      "osimertinib", "--format", "json", "--outdir", tmp_path / "out"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads((tmp_path / "out" / "PLASMA_1.json").read_text())
    assert data["settings"]["cnv"]["amplification_min_copy_number"] == 4 and data["settings"]["cnv"]["min_observed_gain"] == 0.5
    assert any(f["alteration"] == "MET amplification" for f in data["findings"])
    bad = write("bad.yaml", "amplification_min: 4\n")
    result = run_cli(["annotate", vcf, "--cnv", cnv, "--cnv-thresholds", bad, "--outdir", tmp_path / "out2"])
    assert result.exit_code == 2 and "unknown threshold(s) amplification_min" in result.output


def test_segment_past_contig_end_and_missing_column(write, shipped_kb):
    with pytest.raises(InputError, match=r"s.cns:2: segment chr7:.* ends past chr7 \(159,345,973 bp on GRCh38\)"):
        run(write, shipped_kb, ["chr7\t116000000\t160000000\tMET\t0.5\t600\t40\t30\n"], tf=0.1)
    vcf = write("s.vcf", mutect2_vcf([L858R]))
    cns = write("nolog2.cns", "chromosome\tstart\tend\tgene\tdepth\tprobes\tweight\nchr7\t1\t2\t-\t1\t1\t1\n")
    with pytest.raises(InputError, match="unrecognized copy-number format"):
        annotate_sample(SampleInputs(vcfs=(vcf,), cnv=(cns,)), RunConfig(), shipped_kb)
    with pytest.raises(InputError, match=r"nolog2.cns:1: missing column\(s\) log2"):
        annotate_sample(SampleInputs(vcfs=(vcf,), cnv=(cns,)), RunConfig(cnv_format="cnvkit-cns"), shipped_kb)
