"""Issue 16, knowledgebase side: genes read beyond the resistance entries (read_for) and plasma.yaml.

The new genes' coordinates on both builds are checked against the shared truth tables by the existing coordinate tests
(tests/test_kb_coordinates.py iterates over genes.yaml); here: the schema, the loader, the validation and the index.
"""

from __future__ import annotations

import shutil

import pytest
import yaml

from annotator.errors import KnowledgebaseError
from annotator.kb.index import kb_index
from annotator.kb.load import load_knowledgebase
from annotator.kb.schema import Gene
from tests.support.paths import KNOWLEDGEBASE, MINI_KB

KB = load_knowledgebase(KNOWLEDGEBASE)
CH_GENES = ["DNMT3A", "TET2", "ASXL1", "PPM1D", "JAK2", "SF3B1", "SRSF2", "CBL", "GNAS", "TP53"]


def test_plasma_yaml_loads_with_its_statements() -> None:
    plasma = KB.plasma
    assert plasma.ch_genes == CH_GENES
    assert plasma.ch_discordance_only == ["TP53"]
    assert sorted(plasma.ch_wbc_only) == ["BRAF", "EGFR", "KRAS", "NRAS"]
    assert {r.gene: r.fraction for r in plasma.ch_rates} == {"NRAS": 0.073, "BRAF": 0.058, "KRAS": 0.021, "EGFR": 0.021, "TP53": 0.185}
    assert plasma.germline_counselling == ["EGFR_T790M"]
    assert plasma.transformation_tp53_hotspot_codons == [175, 220, 245, 248, 249, 273, 282]
    refs = {r.id: r for r in KB.references}
    assert refs["magee2025_ch_plasma"].doi == "10.1158/1078-0432.CCR-24-3335" and refs["magee2025_ch_plasma"].certain
    assert refs["rolfo2021_iaslc_liquid_biopsy"].doi == "10.1016/j.jtho.2021.06.017" and refs["rolfo2021_iaslc_liquid_biopsy"].certain
    assert not refs["lee2017_sclc_transformation"].certain  # not checked against PubMed or the publisher


def test_read_for_genes() -> None:
    genes = {g.symbol: g for g in KB.genes}
    assert set(genes["TP53"].read_for) == {"transformation", "clonal_hematopoiesis", "tumor_fraction"}
    assert genes["RB1"].read_for == ["transformation"]
    for symbol in CH_GENES[:-1]:
        assert genes[symbol].read_for == ["clonal_hematopoiesis"], symbol
    assert genes["EGFR"].read_for == []


@pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
def test_index_helpers_on_both_builds(build: str) -> None:
    index = kb_index(KB, build)
    assert index.plasma is KB.plasma
    assert index.read_for("RB1") == ["transformation"] and index.read_for("EGFR") == [] and index.read_for("NOPE") == []
    for hgvsp in ("p.R882H", "p.R882C", "R882S"):
        hit = index.ch_hotspot("DNMT3A", hgvsp)
        assert hit is not None and hit.codon == 882, hgvsp
    for hgvsp in ("p.R736H", "p.R882=", "p.R882R", "p.R882*"):
        assert index.ch_hotspot("DNMT3A", hgvsp) is None, hgvsp
    assert index.ch_hotspot("JAK2", "p.V617F") is not None
    assert index.ch_hotspot("JAK2", "p.V617I") is None  # exactly p.V617F
    assert index.ch_hotspot("TET2", "p.R882H") is None
    # the new genes are read: their windows are in the gene intervals on both builds
    for symbol in ("TP53", "RB1", "DNMT3A", "JAK2", "CBL"):
        loc = getattr(index.genes[symbol].location, build)
        assert symbol in index.genes_at(loc.chrom, loc.start, loc.start + 1)
    # TP53 R248 (GRCh37 truth MAF 17:7577538, GRCh38 17:7674220: the codon's middle base) translates
    site = index.codon_at("17", {"GRCh37": 7577538, "GRCh38": 7674220}[build])
    assert site is not None and site.gene.symbol == "TP53" and site.number == 248 and site.ref_codon == "CGG"


def _copy(tmp_path, edit_plasma=None, edit_genes=None):
    dest = tmp_path / "kb"
    shutil.copytree(KNOWLEDGEBASE, dest)
    if edit_plasma:
        data = yaml.safe_load((dest / "plasma.yaml").read_text())
        edit_plasma(data)
        (dest / "plasma.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    if edit_genes:
        (dest / "genes.yaml").write_text(edit_genes((dest / "genes.yaml").read_text()))
    return dest


def _refused(path, message: str) -> None:
    with pytest.raises(KnowledgebaseError) as exc:
        load_knowledgebase(path)
    assert message in str(exc.value), str(exc.value)


def test_a_plasma_gene_missing_from_genes_yaml_is_refused(tmp_path) -> None:
    _refused(_copy(tmp_path, lambda d: d["ch_genes"].append("NOTAGENE")), "gene 'NOTAGENE' is not in genes.yaml")


def test_a_ch_gene_not_read_for_ch_is_refused(tmp_path) -> None:
    _refused(_copy(tmp_path, lambda d: d["ch_genes"].append("ALK")), "CH gene 'ALK' is not read for clonal_hematopoiesis")


def test_an_unknown_reference_is_refused(tmp_path) -> None:
    _refused(_copy(tmp_path, lambda d: d["sources_ch"].append({"ref": "nobody2099"})), "unknown reference 'nobody2099'")


def test_a_hotspot_codon_not_in_the_codon_table_is_refused(tmp_path) -> None:
    def edit(d):
        d["ch_hotspots"].append({"gene": "TP53", "codon": 176, "sources": [{"ref": "magee2025_ch_plasma"}]})
    _refused(_copy(tmp_path, edit), "codon 176 is not in the codon table of TP53")


def test_a_stale_no_codon_reason_is_refused(tmp_path) -> None:
    def edit(d):
        d["ch_hotspots"].append({"gene": "TP53", "codon": 175, "no_codon_coordinates": "none held here at all",
                                 "sources": [{"ref": "magee2025_ch_plasma"}]})
    _refused(_copy(tmp_path, edit), "remove the reason")


def test_a_transformation_codon_not_in_the_tp53_table_is_refused(tmp_path) -> None:
    _refused(_copy(tmp_path, lambda d: d["transformation_tp53_hotspot_codons"].append(176)),
             "transformation TP53 hotspot codon 176 is not in the codon table of TP53")


def test_an_unknown_germline_alteration_is_refused(tmp_path) -> None:
    _refused(_copy(tmp_path, lambda d: d["germline_counselling"].append("EGFR_T790X")), "unknown alteration 'EGFR_T790X'")


def test_a_protein_off_its_codon_is_refused(tmp_path) -> None:
    def edit(d):
        d["ch_hotspots"][1]["protein"] = "p.V618F"
    _refused(_copy(tmp_path, edit), "is not at codon 617")


def test_a_transcriptless_gene_needs_read_for_and_no_codons() -> None:
    base = {"symbol": "X", "name": "x", "strand": 1, "sources": [{"ref": "r"}], "last_reviewed": "2026-11-29",
            "location": {"GRCh37": {"chrom": "1", "start": 1, "end": 9}, "GRCh38": {"chrom": "1", "start": 1, "end": 9}}}
    Gene.model_validate({**base, "read_for": ["clonal_hematopoiesis"]})
    with pytest.raises(ValueError, match="names its transcript"):
        Gene.model_validate(base)
    with pytest.raises(ValueError, match="names its transcript"):
        Gene.model_validate({**base, "read_for": ["transformation"], "codons": [{"number": 1, "ref": "ATG", "GRCh37": 1, "GRCh38": 1}]})


def test_a_kb_without_plasma_yaml_has_no_plasma_knowledge() -> None:
    mini = load_knowledgebase(MINI_KB)
    assert mini.plasma.ch_genes == [] and mini.plasma.ch_hotspot("DNMT3A", "p.R882H") is None


def test_plasma_yaml_is_in_the_content_hash(tmp_path) -> None:
    dest = _copy(tmp_path, lambda d: d.update(last_reviewed="2026-11-28"))
    assert load_knowledgebase(dest).sha256 != KB.sha256
