"""Issue 16: plasma is not only tumor. The "Done when" cases of the classification (annotator.plasma), with
stand-ins for the knowledgebase's plasma knowledge and the run's plasma thresholds (the shapes of
annotator.plasma.shapes), and the report: page-1 headline and flags in the JSON and the HTML."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from annotator.copynumber import TumorFraction
from annotator.kb.index import kb_index
from annotator.kb.load import get_knowledgebase
from annotator.kb.plasma import BenignPolymorphism, ChHotspot
from annotator.kb.references import SourceRef
from annotator.models import GeneCopyNumber, SmallVariant, WbcCalls, allele_key
from annotator.plasma import PlasmaReading, StatedDriverQuery, read_plasma
from annotator.plasma.signals import inactivating
from annotator.render import json_out
from annotator.render.html import render_html
from annotator.report import SCHEMA_VERSION

CITED = [SourceRef(ref="review")]  # any reference the shipped knowledgebase has: the stand-ins cite it


@dataclass(frozen=True)
class Hotspot:
    gene: str
    codon: int
    protein: str | None = None


@dataclass(frozen=True)
class Rate:
    gene: str
    fraction: float
    sources: list[SourceRef] = field(default_factory=lambda: list(CITED))


@dataclass(frozen=True)
class Knowledge:
    ch_genes: tuple[str, ...] = ("DNMT3A", "TET2", "ASXL1", "PPM1D", "JAK2", "SF3B1", "SRSF2", "CBL", "GNAS", "TP53")
    ch_discordance_only: tuple[str, ...] = ("TP53",)
    ch_wbc_only: tuple[str, ...] = ("KRAS", "NRAS", "BRAF", "EGFR")
    ch_hotspots: tuple[Hotspot, ...] = (Hotspot("DNMT3A", 882), Hotspot("JAK2", 617, "p.V617F"))
    ch_rates: tuple[Rate, ...] = (Rate("NRAS", 0.073), Rate("BRAF", 0.058), Rate("KRAS", 0.021), Rate("EGFR", 0.021))
    germline_counselling: tuple[str, ...] = ("EGFR_T790M",)
    transformation_tp53_hotspot_codons: tuple[int, ...] = (175, 245, 248, 249, 273, 282)
    sources_ch: list[SourceRef] = field(default_factory=lambda: list(CITED))
    sources_germline: list[SourceRef] = field(default_factory=lambda: list(CITED))
    sources_not_informative: list[SourceRef] = field(default_factory=lambda: list(CITED))
    sources_transformation: list[SourceRef] = field(default_factory=lambda: list(CITED))
    sources_wbc: list[SourceRef] = field(default_factory=lambda: list(CITED))
    wbc_ch_max_vaf: float = 0.20
    transformation_tp53_gene: str = "TP53"
    transformation_rb1_gene: str = "RB1"
    benign: tuple[BenignPolymorphism, ...] = (BenignPolymorphism(gene="TP53", protein="p.P72R", note="rs1042522"),)

    def ch_hotspot(self, gene: str, hgvsp: str) -> Hotspot | None:
        return next((h for h in self.ch_hotspots if h.gene == gene and _as_kb(h).matches(hgvsp)), None)

    def benign_polymorphism(self, gene: str, hgvsp: str) -> BenignPolymorphism | None:
        return next((b for b in self.benign if b.matches(gene, hgvsp)), None)


def _as_kb(h: Hotspot) -> ChHotspot:
    return ChHotspot(gene=h.gene, codon=h.codon, protein=h.protein, sources=list(CITED))


@dataclass(frozen=True)
class Thresholds:
    germline_het_band: tuple[float, float] = (0.40, 0.60)
    germline_hom_min_vaf: float = 0.90
    germline_max_tumor_fraction: float = 0.30
    discordance_factor: float = 2.0
    informative_min_tumor_fraction: float = 0.01
    wbc_min_vaf: float = 0.002
    wbc_min_alt_reads: int = 2
    wbc_germline_min_vaf: float = 0.30
    deep_loss_max_copy_number: float = 0.5


@dataclass(frozen=True)
class Wbc:
    variants: tuple[SmallVariant, ...]

    def find(self, variant: SmallVariant) -> SmallVariant | None:
        return next((w for w in self.variants if allele_key(w) == allele_key(variant)), None)

    def alt_reads(self, variant: SmallVariant) -> int | None:
        return WbcCalls.alt_reads(variant)


@pytest.fixture(scope="module")
def index():
    return kb_index(get_knowledgebase(), "GRCh38")


def snv(gene: str, protein: str | None, vaf: float, pos: int = 1000, hgvsc: str | None = None, depth: int = 2000) -> SmallVariant:
    return SmallVariant(gene=gene, source="plasma.vcf", type="snv", chrom="chr1", pos=pos, ref="C", alt="T",
                        hgvsp=f"p.{protein}" if protein else None, hgvsc=hgvsc, vaf=vaf, depth=depth)


def read(index, small, *, tf=None, estimated=False, wbc=None, cns=(), stated=None, priors=False) -> PlasmaReading:
    """``stated``: the stated driver's text ("EGFR L858R"); whether plasma shows it is read from ``small``."""
    fraction = TumorFraction(tf, "estimated from somatic VAFs" if estimated else "--tumor-fraction", estimated)
    driver = StatedDriverQuery(stated, stated.split()[0], "protein_change", True) if stated else None
    return read_plasma(small, list(cns), fraction, wbc, index, Thresholds(), knowledge=Knowledge(), driver=driver,
                       targeted_priors=priors)


def origin(reading: PlasmaReading, label: str):
    return next((o for o in reading.origins if o.label == label), None)


def test_dnmt3a_r882h_and_jak2_v617f_excluded_as_ch_with_the_reason(index):
    l858r = snv("EGFR", "L858R", 0.05, pos=1)
    dnmt3a, jak2 = snv("DNMT3A", "R882H", 0.12, pos=2), snv("JAK2", "V617F", 0.08, pos=3)
    r = read(index, [l858r, dnmt3a, jak2], tf=0.24, estimated=True)
    for v in (dnmt3a, jak2):
        o = origin(r, v.label)
        assert o.verdict == "ch" and o.excluded and "hotspot specific to clonal hematopoiesis" in o.reason
        assert v.identity in r.excluded
    assert r.kept([l858r, dnmt3a, jak2]) == [l858r]
    # the estimate (2 x highest VAF) leaves the blood out: 2 x 5%, not 2 x 12%
    assert r.tumor_fraction == pytest.approx(0.10)


def test_a_jak2_change_other_than_the_named_hotspot_is_only_possible_ch(index):
    o = origin(read(index, [snv("JAK2", "V617L", 0.02)], tf=0.1), "JAK2 V617L")
    assert o.verdict == "possible_ch" and not o.excluded


def test_tet2_variant_is_possible_ch_shown_with_numbers_not_excluded(index):
    r = read(index, [snv("TET2", "Q1034*", 0.021)], tf=0.1)
    o = origin(r, "TET2 Q1034*")
    assert o.verdict == "possible_ch" and not o.excluded and o.numbers["vaf"] == 0.021 and "2.1%" in o.reason
    assert not r.excluded


def test_kras_g12d_in_the_wbc_calls_is_excluded_and_without_them_kept(index):
    g12d = snv("KRAS", "G12D", 0.04)
    wbc = Wbc((g12d.model_copy(update={"vaf": 0.03, "depth": 1000}),))
    o = origin(read(index, [g12d], tf=0.1, wbc=wbc), "KRAS G12D")
    assert o.verdict == "ch" and o.excluded and o.wbc_vaf == 0.03 and o.vaf == 0.04
    assert "plasma VAF 4.0%, white-blood-cell VAF 3.0%" in o.reason
    without = read(index, [g12d], tf=0.1)
    assert not without.excluded
    assert (origin(without, "KRAS G12D") is None) or origin(without, "KRAS G12D").verdict == "tumor"


def test_wbc_carrying_less_than_half_the_plasma_signal_is_possible_ch_kept(index):
    g12d = snv("KRAS", "G12D", 0.04)
    o = origin(read(index, [g12d], tf=0.1, wbc=Wbc((g12d.model_copy(update={"vaf": 0.01}),))), "KRAS G12D")
    assert o.verdict == "possible_ch" and not o.excluded


def test_kras_discordant_with_the_tumor_fraction_kept_and_the_ch_rate_said(index):
    o = origin(read(index, [snv("KRAS", "G12D", 0.004)], tf=0.2), "KRAS G12D")
    assert o.verdict == "tumor" and not o.excluded and "2.1% of plasma KRAS variants were CH" in o.reason


def test_tp53_concordant_with_the_tumor_fraction_is_not_ch(index):
    o = origin(read(index, [snv("TP53", "R273H", 0.04)], tf=0.08), "TP53 R273H")
    assert o.verdict == "tumor" and not o.excluded and "concordant" in o.reason


def test_tp53_discordant_with_the_tumor_fraction_is_possible_ch(index):
    o = origin(read(index, [snv("TP53", "R273H", 0.004)], tf=0.3), "TP53 R273H")
    assert o.verdict == "possible_ch" and not o.excluded


def test_t790m_at_49_percent_with_tumor_fraction_8_percent_is_possibly_germline(index):
    l858r, t790m = snv("EGFR", "L858R", 0.04, pos=1), snv("EGFR", "T790M", 0.49, pos=2)
    for reading in (read(index, [l858r, t790m], tf=0.08), read(index, [l858r, t790m], tf=0.08, estimated=True)):
        o = origin(reading, "EGFR T790M")
        assert o.verdict == "possible_germline" and o.excluded and reading.tumor_fraction == pytest.approx(0.08)
        assert "germline testing and genetic counselling" in o.recommendation
        assert any(rec.topic == "germline" for rec in reading.recommendations)
    # a known driver allele is not called germline on its VAF (mutant-allele gain raises it)
    driver = read(index, [snv("EGFR", "L858R", 0.45, pos=1), snv("TP53", "R273H", 0.04, pos=2)], tf=0.08)
    assert not driver.excluded and origin(driver, "EGFR L858R").verdict == "tumor"
    # a tumor fraction that can explain a 49% VAF: not called germline
    assert origin(read(index, [t790m], tf=0.9), "EGFR T790M").verdict == "tumor"


def test_ctdna_negative_plasma_is_not_informative_with_a_rebiopsy_recommendation(index):
    r = read(index, [], tf=0.005, stated="EGFR L858R")
    assert r.informative == "not_informative" and "EGFR L858R" in r.informative_reason
    assert [rec.topic for rec in r.recommendations] == ["not_informative"] and "re-biopsy" in r.recommendations[0].text
    assert read(index, [], tf=0.005).informative == "low_shedding"
    assert read(index, [snv("EGFR", "L858R", 0.02)], tf=0.04, stated="EGFR L858R").informative == "informative"


@pytest.mark.parametrize("rb1", ["mutation", "deep_loss"])
def test_tp53_and_rb1_inactivation_after_a_tki_is_a_transformation_signal(index, rb1):
    tp53 = snv("TP53", "R248Q", 0.05, pos=1)
    small = [tp53] + ([snv("RB1", "R320*", 0.05, pos=2)] if rb1 == "mutation" else [])
    cns = [GeneCopyNumber(gene="RB1", copy_number=1.8, source="cnv.tsv", adjusted_copy_number=0.2,
                           adjusted_interval=(0.0, 0.4), status="copy_loss")] if rb1 == "deep_loss" else []
    r = read(index, small, tf=0.1, cns=cns, priors=True)
    assert r.transformation is not None and r.transformation.tp53.startswith("TP53 R248Q")
    assert ("RB1 R320*" in r.transformation.rb1[0]) if rb1 == "mutation" else ("deep loss" in r.transformation.rb1[0])
    assert "re-biopsy" in r.transformation.recommendation.text
    assert read(index, small, tf=0.1, cns=cns, priors=False).transformation is None  # no TKI: no signal


def test_a_possible_ch_tp53_does_not_count_for_transformation(index):
    small = [snv("TP53", "R248Q", 0.004, pos=1), snv("RB1", "R320*", 0.05, pos=2)]
    assert read(index, small, tf=0.3, priors=True).transformation is None


def test_inactivating_kinds():
    assert inactivating(snv("RB1", "P72Rfs*7", 0.1)) == "truncating"
    assert inactivating(snv("RB1", None, 0.1, hgvsc="c.1814+1G>A")) == "splice site"
    assert inactivating(snv("TP53", "R175H", 0.1), [175]) == "hotspot missense"
    assert inactivating(snv("TP53", "P72R", 0.1), [175]) is None


# Report level: the JSON and the HTML of samples run through the pipeline on the shipped knowledgebase.

def test_not_informative_headline_in_json_and_html(shipped_sample):
    report = shipped_sample(prior=["osimertinib"], driver="EGFR L858R", tumor_fraction=0.005)
    data = json.loads(json_out.render(report))
    assert data["schema_version"] == SCHEMA_VERSION  # 3.1 added the plasma section; later minor versions keep it
    headline = data["summary"]["headline"]
    assert headline.startswith("This plasma sample is not informative for resistance") and "re-biopsy" in headline
    assert "No resistance mechanism" not in headline
    assert data["plasma"]["informative"] == "not_informative"
    assert data["plasma"]["recommendations"][0]["references"]
    html = render_html(report)
    assert "not informative for resistance" in html and 'id="plasma"' in html and "No resistance mechanism" not in html


def test_transformation_germline_and_ch_on_page_one(shipped_sample):
    snvs = [("EGFR", "L858R", 950, 50), ("TP53", "R248Q", 950, 50), ("RB1", "R320*", 950, 50), ("EGFR", "T790M", 510, 490),
            ("DNMT3A", "R882H", 970, 30), ("TET2", "Q1034*", 980, 20)]
    report = shipped_sample(snvs=snvs, prior=["osimertinib"], tumor_fraction=0.1)
    data = json.loads(json_out.render(report))
    flags = " ".join(data["summary"]["flags"])
    assert "small-cell transformation" in flags and "Possibly germline" in flags and "DNMT3A R882H" in flags
    assert data["plasma"]["excluded"] == ["DNMT3A R882H", "EGFR T790M"]
    assert data["plasma"]["transformation"]["rb1"] == ["RB1 R320* (truncating)"]
    tet2 = next(o for o in data["plasma"]["origins"] if o["label"] == "TET2 Q1034*")
    assert tet2["verdict"] == "possible_ch" and not tet2["excluded"] and tet2["numbers"]["vaf"] == 0.02
    html = render_html(report)
    assert 'class="data plasma-excluded"' in html and "possible clonal hematopoiesis" in html and "transformation signal" in html
