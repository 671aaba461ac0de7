"""Issue 17, what a negative means: "not detected" or "cannot be excluded" for an SNV (EGFR C797S), an amplification
(MET) and a fusion, with and without a panel BED and a coverage file, at 0.5% and 8% tumor fraction; "not assessable"
for what plasma DNA cannot show. The panel, coverage and assay thresholds are small stand-ins with the members the
contract names (annotator.plasma.negatives reads them through Protocols)."""

from __future__ import annotations

import math

import pytest

from annotator.config import CnvThresholds
from annotator.interpret import resolve_prior_therapies
from annotator.kb.index import kb_index
from annotator.models import GeneCopyNumber
from annotator.plasma.negatives import (
    SampleContext,
    SampleData,
    assess,
    assess_negatives,
    at_least,
    cannot_exclude_lines,
    locus,
    relevant_alterations,
)
from tests.support.assay import Assay, Coverage, Panel


@pytest.fixture
def index(shipped_kb):
    return kb_index(shipped_kb, "GRCh38")


def target(index, alteration_id, pad=50):
    where = locus(index.alteration(alteration_id), index)
    return where.chrom, where.start - pad, where.end + pad


def on_panel(index, *ids, depth=2000.0):
    """A panel targeting these alterations' loci, and a coverage table with ``depth`` over each."""
    targets = tuple(target(index, a) for a in ids)
    return Panel(targets), Coverage(tuple((*t, depth) for t in targets))


def run(index, alteration_id, tf, **data):
    return assess(index.alteration(alteration_id), index, SampleData(tumor_fraction=tf, thresholds=Assay(), **data))


def test_sensitivity_is_the_exact_binomial_tail():
    def brute(n, p, r):
        return 1 - sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(r))

    for n, p, r in [(1000, 0.0025, 5), (1000, 0.005, 5), (2000, 0.04, 5), (300, 0.01, 3), (50, 0.2, 10)]:
        assert at_least(n, p, r) == pytest.approx(brute(n, p, r), abs=1e-12)
    assert at_least(4, 0.5, 5) == 0.0 and at_least(100, 0.0, 1) == 0.0 and at_least(100, 0.3, 0) == 1.0


# --- SNV: EGFR C797S --------------------------------------------------------------------------------------------

def test_snv_at_8_percent_covered_at_2000x_is_not_detected_with_its_sensitivity(index):
    panel, coverage = on_panel(index, "EGFR_C797S", depth=2000)
    n = run(index, "EGFR_C797S", 0.08, panel=panel, coverage=coverage)
    assert n.status == "not_detected"
    x = n.numbers
    assert x.covered is True and x.depth == 2000 and not x.depth_assumed
    assert x.expected_vaf == pytest.approx(0.04) and x.limit_vaf == pytest.approx(5 / 2000)
    assert x.sensitivity > 0.999 and x.min_sensitivity == 0.95
    assert n.reason.startswith("Not detected: at a tumor fraction of 8% a clonal EGFR C797S would be at ~4% VAF")
    assert "sensitivity >99.9%" in n.reason


def test_snv_at_half_a_percent_is_below_the_limit_and_cannot_be_excluded(index):
    panel, coverage = on_panel(index, "EGFR_C797S", depth=1000)
    n = run(index, "EGFR_C797S", 0.005, panel=panel, coverage=coverage)
    assert n.status == "cannot_be_excluded"
    assert n.numbers.expected_vaf == pytest.approx(0.0025) and n.numbers.sensitivity < 0.95
    assert ("At a tumor fraction of 0.5% a clonal EGFR C797S would be at ~0.25% VAF, below this assay's ~0.5% limit at 1000x"
            in n.reason)
    assert "it cannot be excluded. At this depth a clonal change is seen from a tumor fraction of ~1.8%." in n.reason
    assert n.short == "tumor fraction too low for the assay's limit"


def test_snv_without_a_panel_or_coverage_cannot_be_excluded_and_says_the_depth_was_assumed(index):
    """The documented rule: without the assay's targets, absence of a record does not show the locus was read."""
    n = run(index, "EGFR_C797S", 0.08)
    assert n.status == "cannot_be_excluded"
    assert n.numbers.covered is None and n.numbers.depth == 1000 and n.numbers.depth_assumed
    assert n.numbers.sensitivity > 0.999  # the numbers at the assumed depth are still shown
    assert "assumed depth" in n.reason and "the assay's targets were not given" in n.reason
    # At 0.5% the tumor fraction is the stronger reason, whatever the targets.
    low = run(index, "EGFR_C797S", 0.005)
    assert low.status == "cannot_be_excluded" and "below this assay's ~0.5% limit at 1000x (assumed depth, no coverage file)" in low.reason


def test_snv_with_a_panel_and_no_coverage_uses_the_assumed_depth_and_says_so(index):
    panel, _ = on_panel(index, "EGFR_C797S")
    n = run(index, "EGFR_C797S", 0.08, panel=panel)
    assert n.status == "not_detected" and n.numbers.depth_assumed and n.numbers.depth == 1000
    assert "1000x (assumed depth, no coverage file)" in n.reason
    assert run(index, "EGFR_C797S", 0.005, panel=panel).status == "cannot_be_excluded"


def test_snv_with_coverage_and_no_panel_is_sequenced_where_the_coverage_file_has_depth(index):
    _, coverage = on_panel(index, "EGFR_C797S", depth=2000)
    assert run(index, "EGFR_C797S", 0.08, coverage=coverage).status == "not_detected"
    elsewhere = run(index, "KRAS_G12D", 0.08, coverage=coverage)
    assert elsewhere.status == "cannot_be_excluded" and elsewhere.numbers.covered is False


def test_snv_outside_the_panel_or_without_depth_cannot_be_excluded(index):
    panel, coverage = on_panel(index, "KRAS_G12D")
    n = run(index, "EGFR_C797S", 0.08, panel=panel, coverage=coverage)
    assert n.status == "cannot_be_excluded" and "codon 797 is not among the assay's targets" in n.reason
    panel_only, _ = on_panel(index, "EGFR_C797S")
    gap = run(index, "EGFR_C797S", 0.08, panel=panel_only, coverage=coverage)
    assert gap.status == "cannot_be_excluded" and "gives no depth over codon 797" in gap.reason


def test_snv_with_unknown_tumor_fraction_cannot_be_excluded(index):
    panel, coverage = on_panel(index, "EGFR_C797S")
    n = run(index, "EGFR_C797S", None, panel=panel, coverage=coverage)
    assert n.status == "cannot_be_excluded" and "tumor fraction is unknown" in n.reason and n.numbers.sensitivity is None


# --- amplification: MET -----------------------------------------------------------------------------------------

def met(copy_number=2.0, status="neutral", note=None):
    return (GeneCopyNumber(gene="MET", copy_number=copy_number, source="s.cnv.tsv", status=status, note=note),)


def test_amplification_without_copy_number_input_cannot_be_excluded(index):
    for tf in (0.005, 0.08):
        n = run(index, "MET_AMP", tf)
        assert n.status == "cannot_be_excluded" and "copy number was not assessed" in n.reason


def test_amplification_at_half_a_percent_cannot_be_excluded(index):
    n = run(index, "MET_AMP", 0.005, copy_numbers=met())
    assert n.status == "cannot_be_excluded"
    assert n.numbers.expected_gain == pytest.approx(0.015) and n.numbers.min_copy_number == 5
    assert "At a tumor fraction of 0.5% an amplification to 5 tumor copies would add ~0.015 copies in plasma" in n.reason


def test_amplification_at_8_percent_is_not_detected_when_its_gain_can_be_seen(index):
    """At 8% an amplification to 5 copies adds 0.24 plasma copies: below the default 0.3 that can be seen (as
    annotator.copynumber judges it), so it cannot be excluded; with a 0.2 floor, or at 20%, it is not detected."""
    assert run(index, "MET_AMP", 0.08, copy_numbers=met()).status == "cannot_be_excluded"
    n = run(index, "MET_AMP", 0.08, copy_numbers=met(), cnv=CnvThresholds(min_observed_gain=0.2))
    assert n.status == "not_detected" and n.numbers.expected_gain == pytest.approx(0.24)
    assert n.reason.startswith("Not detected: at a tumor fraction of 8% an amplification to 5 tumor copies would add ~0.24")
    assert run(index, "MET_AMP", 0.2, copy_numbers=met()).status == "not_detected"


def test_amplification_not_in_the_input_or_equivocal_cannot_be_excluded(index):
    other = (GeneCopyNumber(gene="ERBB2", copy_number=2.0, source="s.cnv.tsv", status="neutral"),)
    assert "no value for MET" in run(index, "MET_AMP", 0.2, copy_numbers=other).reason
    n = run(index, "MET_AMP", 0.2, copy_numbers=met(3.0, "equivocal", "interval spans 5"))
    assert n.status == "cannot_be_excluded" and "equivocal" in n.reason


# --- fusions, not assessable, which alterations ----------------------------------------------------------------

def test_fusion_needs_a_fusion_input_and_even_then_cannot_be_excluded(index):
    assert "no fusion input" in run(index, "EML4_ALK", 0.08).reason
    panel, coverage = on_panel(index, "EML4_ALK", depth=2000)  # the whole ALK gene, deep: breakpoints are still not placed
    n = run(index, "EML4_ALK", 0.08, panel=panel, coverage=coverage, fusions_assessed=True)
    assert n.status == "cannot_be_excluded" and "fusion breakpoints are mostly intronic" in n.reason
    assert n.short == "fusion breakpoints are intronic and not placed"


def test_what_plasma_dna_cannot_show_is_not_assessable(index):
    n = run(index, "MET_OVEREXPRESSION", 0.08)
    assert n.status == "not_assessable" and n.reason.startswith("Plasma DNA cannot show c-MET protein overexpression")


def test_the_mechanisms_assessed_are_those_of_the_driver_after_the_prior_therapy(index):
    osimertinib = resolve_prior_therapies(["osimertinib"], index).drugs
    context = SampleContext(["EGFR"], osimertinib)
    ids = {a.id for a in relevant_alterations(index, context)}
    assert {"EGFR_C797S", "MET_AMP", "MET_OVEREXPRESSION", "KRAS_G12D"} <= ids
    assert "EGFR_T790M" not in ids  # resistance to first- and second-generation TKIs, not to osimertinib
    assert relevant_alterations(index, SampleContext(["EGFR"], [])) == []  # a negative speaks to resistance
    negatives = assess_negatives(index, context, {"MET_AMP"}, SampleData(tumor_fraction=0.08, thresholds=Assay()))
    assert "MET_AMP" not in {n.alteration_id for n in negatives} and "EGFR_C797S" in {n.alteration_id for n in negatives}


def test_page_one_lines_name_what_cannot_be_excluded_by_reason(index):
    osimertinib = resolve_prior_therapies(["osimertinib"], index).drugs
    negatives = assess_negatives(index, SampleContext(["EGFR"], osimertinib), set(),
                                 SampleData(tumor_fraction=0.005, thresholds=Assay()))
    lines = cannot_exclude_lines(negatives)
    assert "c-MET protein overexpression" in lines  # as today: what plasma DNA cannot show, by name
    assert any(line.startswith("MET amplification") and line.endswith("(copy number not assessed)") for line in lines)
    assert any("EGFR C797S" in line and line.endswith("(tumor fraction too low for the assay's limit)") for line in lines)
    assert any(line.endswith("(no fusion input)") for line in lines)
    assert not any(n.status == "not_detected" for n in negatives)
