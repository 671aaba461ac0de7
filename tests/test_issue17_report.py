"""Issue 17, report schema 3.2: negatives, the tumor-fraction section, clonality on small-variant rows, the polyclonal
flag and settings.assay, in the JSON (valid against the published schema) and the HTML.

The pipeline does not yet compute these (the lead wires helper A's readers and helper B's estimator): the tests run a
shipped-knowledgebase sample through the pipeline with ``build_report`` wrapped to pass the new keyword arguments the
way the pipeline will, from stand-ins for the panel, coverage, estimate, clonality and polyclonal reading."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import jsonschema
import pytest

from annotator import pipeline
from annotator.config_assay import AssayThresholds
from annotator.kb.references import SourceRef
from annotator.models import SmallVariant
from annotator.plasma.negatives import (
    SampleContext,
    SampleData,
    assess_negatives,
    found_alteration_ids,
    locus,
)
from annotator.render import json_out
from annotator.render.html import render_html
from annotator.report import SCHEMA_VERSION
from annotator.resources import report_schema_path
from tests.support.assay import Assay, Coverage, Panel


@dataclass(frozen=True)
class Estimate:
    value: float | None = 0.075
    method: str = "twice the median of the top 3 informative VAFs"
    confidence: str = "high"
    n_informative: int = 4
    reason: str = "4 informative variants (PASS, depth >= 100, below the germline band, not CH)"


@dataclass(frozen=True)
class Clonality:
    ccf: float | None = 1.05
    low: float | None = 0.82
    high: float | None = 1.3
    label: str = "clonal"
    expected_clonal_vaf: float | None = 0.04


@dataclass(frozen=True)
class Association:
    statement: str = "A KRAS mutation beside MET amplification has been associated with less benefit from MET-directed combinations."
    sources: list[SourceRef] = field(default_factory=lambda: [SourceRef(ref="review", section="3.1.2")])


@dataclass(frozen=True)
class Polyclonal:
    statement: str = "Possible polyclonal resistance: one combination may not cover them."
    mechanisms: tuple[str, ...] = ("MET amplification", "KRAS G12D")
    associations: tuple[Association, ...] = (Association(),)


ASSAY = {"assumed_depth": 1000, "min_depth": 100, "detection_min_alt_reads": 5, "min_sensitivity": 0.95,
         "clonal_ccf_threshold": 0.5, "ccf_interval": 0.95, "tf_min_variants": 3, "tf_low_confidence_below": 0.02,
         "background_max_vaf": 0.25}


@pytest.fixture
def wired(monkeypatch):
    """Run ``shipped_sample`` with build_report given negatives (panel over EGFR C797S at ``depth``, or no panel),
    the estimate, every small variant clonal and, when asked, the polyclonal reading."""

    def _wire(panel_ids=("EGFR_C797S",), depth=2000.0, polyclonal=True):
        real = pipeline.build_report

        def build_report(**kw):
            index, interp = kw["index"], kw["interpretation"]
            targets = tuple((w.chrom, w.start - 50, w.end + 50) for a in panel_ids if (w := locus(index.alteration(a), index)))
            data = SampleData(
                tumor_fraction=kw["settings"].tumor_fraction, thresholds=Assay(),
                panel=Panel(targets) if targets else None, coverage=Coverage(tuple((*t, depth) for t in targets)) if targets else None,
                copy_numbers=kw["copy_numbers"] if kw["copy_number_assessed"] else None, fusions_assessed=True,
            )
            context = SampleContext(interp.context_groups, [index.drug_by_id(d) for d in kw["prior_ids"]])
            negatives = assess_negatives(index, context, found_alteration_ids(interp), data)
            clonality = {a.identity: Clonality() for a in kw["alterations"] if isinstance(a, SmallVariant)}
            settings = kw["settings"].model_copy(update={"assay": AssayThresholds(**ASSAY)})
            own = {k: v for k, v in kw.items() if k not in ("negatives", "tumor_fraction_estimate", "clonality", "polyclonal")}
            return real(**{**own, "settings": settings}, negatives=negatives, tumor_fraction_estimate=Estimate(),
                        clonality=clonality, polyclonal=Polyclonal() if polyclonal else None)

        monkeypatch.setattr(pipeline, "build_report", build_report)

    return _wire


def met_kras(shipped_sample, tumor_fraction=0.08):
    return shipped_sample(snvs=[("EGFR", "L858R"), ("KRAS", "G12D")], cnv=[("MET", 8.0)], prior=["osimertinib"],
                          driver="EGFR L858R", tumor_fraction=tumor_fraction)


def test_report_3_2_json_carries_negatives_tumor_fraction_clonality_polyclonal_and_assay(wired, shipped_sample):
    wired()
    data = json.loads(json_out.render(met_kras(shipped_sample)))
    jsonschema.validate(data, json.loads(report_schema_path().read_text()))
    assert data["schema_version"] == SCHEMA_VERSION == "3.2"
    negatives = {n["alteration"]: n for n in data["negatives"]}
    assert "MET_AMP" not in negatives and "KRAS_G12D" not in negatives  # found
    c797s = negatives["EGFR_C797S"]
    assert c797s["status"] == "not_detected" and c797s["numbers"]["depth"] == 2000 and not c797s["numbers"]["depth_assumed"]
    assert c797s["numbers"]["sensitivity"] > 0.999 and c797s["numbers"]["expected_vaf"] == pytest.approx(0.04)
    assert negatives["ERBB2_AMP"]["status"] == "cannot_be_excluded" and "no value for ERBB2" in negatives["ERBB2_AMP"]["reason"]
    assert negatives["MET_OVEREXPRESSION"]["status"] == "not_assessable"
    statuses = [n["status"] for n in data["negatives"]]
    assert statuses == sorted(statuses, key=["cannot_be_excluded", "not_detected", "not_assessable"].index)
    tf = data["tumor_fraction"]
    assert tf["value"] == 0.08 and tf["source"] == "--tumor-fraction" and not tf["estimated"]
    assert tf["estimate"] == 0.075 and tf["confidence"] == "high" and tf["n_informative"] == 4 and tf["method"]
    rows = [r for r in data["alterations"] if r["observation"]["kind"] == "small_variant"]
    assert rows and all(r["clonality"]["label"] == "clonal" and r["clonality"]["ccf_low"] == 0.82 for r in rows)
    poly = data["polyclonal"]
    assert poly["mechanisms"] == ["MET amplification", "KRAS G12D"]
    assert "associated with" in poly["associations"][0]["statement"] and poly["associations"][0]["references"]
    assert data["settings"]["assay"] == ASSAY


def test_report_3_2_html_shows_what_a_negative_means_and_the_new_pieces(wired, shipped_sample):
    wired()
    html = render_html(met_kras(shipped_sample))
    assert 'id="negatives"' in html and "What a negative means" in html
    assert "negative-not_detected" in html and "negative-cannot_be_excluded" in html and "not assessable in plasma" in html
    assert "Tumor fraction:</strong> 8.0% (--tumor-fraction)" in html and "high confidence (4 informative variants)" in html
    assert 'class="flag polyclonal"' in html and "<strong>Possible polyclonal resistance: one combination" in html
    assert "associated with less benefit" in html
    assert '<th scope="col">Clonality</th>' in html and "CCF 1.05 [0.82–1.30]" in html


def test_without_a_panel_every_depth_is_marked_assumed(wired, shipped_sample):
    wired(panel_ids=(), polyclonal=False)
    report = met_kras(shipped_sample, tumor_fraction=0.005)
    snvs = [n for n in report.negatives if n.kind == "protein_change"]
    assert snvs and all(n.status == "cannot_be_excluded" and n.numbers.depth_assumed for n in snvs)
    assert report.polyclonal is None
    html = render_html(report)
    assert '<em class="assumed">assumed</em>' in html and 'class="flag polyclonal"' not in html


def test_met_amplification_with_kras_g12d_is_flagged_possibly_polyclonal_end_to_end(shipped_sample):
    """The pipeline wires the 3.2 parts: negatives, the estimate, clonality, polyclonal, settings.assay."""
    data = json.loads(json_out.render(met_kras(shipped_sample)))
    assert data["polyclonal"] is not None and "polyclonal" in data["polyclonal"]["statement"]
    assert {"MET amplification", "KRAS G12D"} <= set(data["polyclonal"]["mechanisms"])
    assert data["negatives"] and data["settings"]["assay"]["assumed_depth"] == 1000
    kras = next(r for r in data["alterations"] if r["label"] == "KRAS G12D")
    assert kras["clonality"]["label"] in ("clonal", "subclonal", "indeterminate")

