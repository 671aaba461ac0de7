"""Issue 17: the cell fraction of a small variant (annotator.plasma.clonality), possible polyclonal resistance and
the clonality order (annotator.plasma.polyclonal), with stand-ins for the assay thresholds and the plasma knowledge;
and the knowledgebase's polyclonal_associations (plasma.yaml)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

import pytest
import yaml

from annotator.errors import KnowledgebaseError
from annotator.kb.load import load_knowledgebase
from annotator.kb.references import SourceRef
from annotator.models import SmallVariant
from annotator.plasma.clonality import cell_fraction, expected_clonal_vaf, wilson_interval
from annotator.plasma.polyclonal import (
    POLYCLONAL_STATEMENT,
    ResistanceItem,
    order_by_clonality,
    polyclonal_resistance,
)
from tests.support.paths import KNOWLEDGEBASE


@dataclass(frozen=True)
class Assay:
    clonal_ccf_threshold: float = 0.5
    ccf_interval: float = 0.95


@dataclass(frozen=True)
class Assoc:
    genes: list[str]
    statement: str
    sources: list[SourceRef] = field(default_factory=lambda: [SourceRef(ref="review")])


@dataclass(frozen=True)
class Knowledge:
    polyclonal_associations: list[Assoc] = field(default_factory=list)


def snv(gene: str, hgvsp: str, alt: int, depth: int | None) -> SmallVariant:
    vaf = alt / depth if depth else 0.01
    return SmallVariant(gene=gene, source="plasma.vcf", type="snv", chrom="chr12", pos=25398284, ref="C", alt="T",
                        hgvsp=hgvsp, vaf=vaf, depth=depth)


# --- cell fraction -------------------------------------------------------------------------------------------------

def test_expected_clonal_vaf_is_copy_number_aware() -> None:
    assert expected_clonal_vaf(0.5) == pytest.approx(0.25)  # diploid: tf / 2
    assert expected_clonal_vaf(0.2, 8) == pytest.approx(0.2 / (0.2 * 8 + 1.6))  # 6.25%: diluted by the amplified copies
    assert expected_clonal_vaf(0.2, 8, 4) == pytest.approx(0.25)


def test_wilson_interval_matches_the_textbook_value() -> None:
    low, high = wilson_interval(10, 200, 0.95)  # 5%: Wilson 95% interval 2.74%-8.96%
    assert low == pytest.approx(0.0274, abs=2e-4) and high == pytest.approx(0.0896, abs=2e-4)


def test_clonal_subclonal_and_indeterminate() -> None:
    tf = 0.20  # a clonal heterozygous variant: VAF 10%
    clonal = cell_fraction(snv("EGFR", "p.T790M", 200, 2000), tf, None, Assay())
    subclonal = cell_fraction(snv("EGFR", "p.C797S", 40, 2000), tf, None, Assay())
    indeterminate = cell_fraction(snv("KRAS", "p.G12D", 10, 200), tf, None, Assay())  # 5%: too few reads to tell
    assert clonal.label == "clonal" and clonal.ccf == pytest.approx(1.0) and clonal.low is not None and clonal.low > 0.5
    assert subclonal.label == "subclonal" and subclonal.ccf == pytest.approx(0.2) and subclonal.high is not None
    assert subclonal.high < 0.5
    assert indeterminate.label == "indeterminate" and indeterminate.ccf == pytest.approx(0.5)
    assert indeterminate.low is not None and indeterminate.high is not None
    assert indeterminate.low < 0.5 < indeterminate.high
    assert clonal.expected_clonal_vaf == pytest.approx(0.10)


def test_amplification_lowers_the_cell_fraction_of_a_high_vaf() -> None:
    # tf 20%, VAF 25%: a diploid reading says 2.5 cells' worth; at tumor copy number 8 the mutation sits on 4 copies
    high = snv("EGFR", "p.L858R", 500, 2000)
    diploid = cell_fraction(high, 0.2, None, Assay())
    amplified = cell_fraction(high, 0.2, 8, Assay())
    assert diploid.ccf == pytest.approx(2.5) and diploid.multiplicity == 1 and diploid.label == "clonal"
    assert amplified.ccf == pytest.approx(1.0) and amplified.multiplicity == 4 and amplified.copy_number == 8
    assert amplified.ccf < diploid.ccf and amplified.label == "clonal"
    # one mutant copy among eight: the amplified copies dilute it, so the same VAF is a larger cell fraction
    one_copy = snv("EGFR", "p.C797S", 125, 2000)  # 6.25%
    assert cell_fraction(one_copy, 0.2, None, Assay()).ccf == pytest.approx(0.625)
    in_amp = cell_fraction(one_copy, 0.2, 8, Assay())
    assert in_amp.ccf == pytest.approx(1.0) and in_amp.multiplicity == 1 and in_amp.expected_clonal_vaf == pytest.approx(0.0625)


def test_unknown_without_tumor_fraction_or_depth() -> None:
    v = snv("KRAS", "p.G12D", 16, 2000)
    assert cell_fraction(v, None, None, Assay()).label == "unknown"
    no_depth = cell_fraction(snv("KRAS", "p.G12D", 0, None), 0.1, None, Assay())
    assert no_depth.label == "unknown" and no_depth.ccf is None and no_depth.expected_clonal_vaf == pytest.approx(0.05)


# --- polyclonal resistance and order ---------------------------------------------------------------------------------

def _item(gene: str, mechanism: str, label: str, clonality=None, role: str = "bypass_resistance") -> ResistanceItem:
    return ResistanceItem(gene=gene, mechanism_id=mechanism, role=role, label=label, clonality=clonality)


def _met_kras_pik3ca() -> list[ResistanceItem]:
    # after osimertinib: MET amplification, PIK3CA E545K and KRAS G12D at 0.8% (tf 8%: expected clonal VAF 4%)
    tf = 0.08
    return [
        _item("EGFR", "egfr_driver", "EGFR p.L858R", cell_fraction(snv("EGFR", "p.L858R", 80, 2000), tf, None, Assay()),
              role="primary_driver"),
        _item("MET", "met_amplification", "MET amplification"),
        _item("PIK3CA", "pik3ca_mutation", "PIK3CA p.E545K", cell_fraction(snv("PIK3CA", "p.E545K", 76, 2000), tf, None, Assay())),
        _item("KRAS", "kras_mutation", "KRAS p.G12D", cell_fraction(snv("KRAS", "p.G12D", 16, 2000), tf, None, Assay())),
    ]


def test_met_amplification_and_kras_g12d_are_flagged_possibly_polyclonal() -> None:
    flag = polyclonal_resistance(_met_kras_pik3ca(), Knowledge())
    assert flag is not None and flag.statement == POLYCLONAL_STATEMENT
    assert set(flag.genes) == {"MET", "PIK3CA", "KRAS"} and "EGFR" not in flag.genes  # the driver is no mechanism
    assert flag.mechanisms == ("PIK3CA p.E545K", "KRAS p.G12D", "MET amplification")  # clonal, subclonal, unknown
    assert flag.associations == ()  # the shipped plasma.yaml names none: no checked source (see plasma.yaml)


def test_an_association_the_knowledge_names_is_added_worded_as_one() -> None:
    known = Knowledge([Assoc(["KRAS", "MET"], "A KRAS mutation beside MET amplification is associated with less benefit"
                                              " from MET-directed combinations."),
                       Assoc(["BRAF", "MET"], "not this one")])
    flag = polyclonal_resistance(_met_kras_pik3ca(), known)
    assert flag is not None and [a.genes for a in flag.associations] == [("KRAS", "MET")]
    assert "associated with" in flag.associations[0].statement and flag.associations[0].sources[0].ref == "review"


def test_one_gene_or_one_mechanism_is_not_polyclonal() -> None:
    same_gene = [_item("MET", "met_amplification", "MET amplification"), _item("MET", "met_ex14", "MET exon 14 skipping")]
    assert polyclonal_resistance(same_gene, Knowledge()) is None
    one = [_item("EGFR", "egfr_driver", "EGFR p.L858R", role="primary_driver"), _item("MET", "met_amplification", "MET amp"),
           _item("RB1", "transformation", "RB1 loss", role="histologic_transformation")]
    assert polyclonal_resistance(one, Knowledge()) is None
    on_target_and_bypass = [_item("EGFR", "egfr_c797s", "EGFR p.C797S", role="on_target_resistance"),
                            _item("MET", "met_amplification", "MET amplification")]
    flag = polyclonal_resistance(on_target_and_bypass, Knowledge())
    assert flag is not None and flag.genes == ("EGFR", "MET")


def test_order_by_clonality_clonal_first_then_ccf_unknown_last() -> None:
    tf = 0.2
    items = [
        _item("MET", "met_amplification", "MET amplification"),  # no cell fraction
        _item("KRAS", "kras", "subclonal KRAS", cell_fraction(snv("KRAS", "p.G12D", 40, 2000), tf, None, Assay())),
        _item("BRAF", "braf", "indeterminate BRAF", cell_fraction(snv("BRAF", "p.V600E", 10, 200), tf, None, Assay())),
        _item("PIK3CA", "pik3ca", "clonal PIK3CA 0.9", cell_fraction(snv("PIK3CA", "p.E545K", 180, 2000), tf, None, Assay())),
        _item("EGFR", "c797s", "clonal EGFR 1.1", cell_fraction(snv("EGFR", "p.C797S", 220, 2000), tf, None, Assay())),
    ]
    assert [i.label for i in order_by_clonality(items)] == [
        "clonal EGFR 1.1", "clonal PIK3CA 0.9", "indeterminate BRAF", "subclonal KRAS", "MET amplification",
    ]


# --- knowledgebase --------------------------------------------------------------------------------------------------

def test_shipped_plasma_yaml_has_no_unchecked_association() -> None:
    kb = load_knowledgebase(KNOWLEDGEBASE)
    refs = {r.id: r for r in kb.references}
    for a in kb.plasma.polyclonal_associations:
        assert all(refs[s.ref].certain for s in a.sources), a.statement


def _with_association(tmp_path, association: dict):
    dest = tmp_path / "kb"
    shutil.copytree(KNOWLEDGEBASE, dest)
    data = yaml.safe_load((dest / "plasma.yaml").read_text())
    data["polyclonal_associations"] = [association]
    (dest / "plasma.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return dest


def test_an_association_loads_and_its_genes_and_sources_are_checked(tmp_path) -> None:
    ok = {"genes": ["KRAS", "MET"], "statement": "associated with less benefit", "sources": [{"ref": "review"}]}
    assert load_knowledgebase(_with_association(tmp_path / "a", ok)).plasma.polyclonal_associations[0].genes == ["KRAS", "MET"]
    for bad, message in [
        ({**ok, "sources": [{"ref": "nobody2099"}]}, "unknown reference 'nobody2099'"),
        ({**ok, "genes": ["KRAS", "NOTAGENE"]}, "gene 'NOTAGENE' is not in genes.yaml"),
        ({**ok, "genes": ["KRAS"]}, "polyclonal_associations"),
    ]:
        with pytest.raises(KnowledgebaseError) as exc:
            load_knowledgebase(_with_association(tmp_path / message[:8].replace(" ", "_"), bad))
        assert message in str(exc.value), str(exc.value)
