"""The VAF rule registry is the extension point: a caller's VAF field is one entry of ``VAF_RULES``."""

from __future__ import annotations

from annotator.config import RunConfig
from annotator.pipeline import SampleInputs, annotate_sample
from annotator.readers.vcf import vaf
from tests.support.paths import ROOT

# A made-up caller that writes the tumor VAF as FORMAT/XAF (and AD, which would otherwise be read).
FAKE_CALLER_VCF = (
    "##fileformat=VCFv4.2\n"
    "##source=FakeCaller\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
    '##FORMAT=<ID=XAF,Number=A,Type=Float,Description="FakeCaller allele fraction">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">\n'
    "##contig=<ID=chr12,length=133275309>\n"
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\n"
    "chr12\t25245350\t.\tC\tT\t.\tPASS\t.\tGT:AD:XAF:DP\t0/1:950,50:0.123:1000\n"  # KRAS p.G12D
)


def _kras(tmp_path, kb):
    path = tmp_path / "fake_caller.vcf"
    path.write_text(FAKE_CALLER_VCF)
    report = annotate_sample(SampleInputs(vcfs=(path,)), RunConfig(), kb)
    g12d = next(a for a in report.observations if (a.gene, a.hgvsp) == ("KRAS", "p.G12D"))
    return report.inputs[0].vaf_rule, g12d.vaf, g12d.depth


def test_a_registered_rule_is_chosen_and_read_without_other_changes(tmp_path, monkeypatch, shipped_kb):
    assert _kras(tmp_path, shipped_kb) == ("FORMAT/AD", 0.05, 1000)  # unknown field: AD is the rule

    xaf = vaf.VafRule("FORMAT/XAF", "FakeCaller", vaf.format_fraction("XAF"), format_ids=("XAF",))
    monkeypatch.setattr(vaf, "VAF_RULES", (xaf, *vaf.VAF_RULES))  # first match wins: before FORMAT/AD

    assert _kras(tmp_path, shipped_kb) == ("FORMAT/XAF", 0.123, 1000)


def test_the_readme_lists_the_rules_in_registry_order():
    """Users read the README's "VAF and depth" table to know which field wins; it must follow VAF_RULES."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("### VAF and depth", 1)[1].split("\n\n")[2]
    listed = [line.split("|")[1].strip().strip("`") for line in table.splitlines()[2:]]
    assert listed == [r.name for r in vaf.VAF_RULES] + [vaf.NO_RULE.name]
