"""The JSON report is a published contract: schema in docs/, every output validated against it."""

from __future__ import annotations

import json

import jsonschema

from annotator.render.json_out import json_schema, render
from annotator.resources import report_schema_path
from tests.support.mini_kb import G12D, L858R, run
from tests.support.paths import ROOT


def test_published_schema_matches_the_model():
    published = (ROOT / "docs" / "report.schema.json").read_text()
    assert published == json_schema(), "regenerate with: ctdna-annotator schema > docs/report.schema.json"


def test_report_validates_and_has_the_contract_fields(write, mini_kb):
    report = run(write, mini_kb, [L858R, G12D], cnv="MET\t8\n", fusions="KIF5B\tRET\t42\n", prior=["osimertinib"])
    data = json.loads(render(report))
    jsonschema.validate(data, json.loads(report_schema_path().read_text()))
    for key in ("schema_version", "software_version", "genome_build", "knowledgebase", "inputs", "counts", "sample",
                "alterations", "findings", "standard_options", "mechanism_options", "not_recommended", "trials", "setting_trials",
                "evidence_scale", "generated_at"):
        assert key in data
    assert set(data["knowledgebase"]) == {"name", "version", "sha256"}
    assert [i["role"] for i in data["inputs"]] == ["vcf", "cnv", "fusions"]
    assert all(len(i["sha256"]) == 64 and "/" not in i["file"] for i in data["inputs"])
    observations = [row["observation"] for row in data["alterations"]]
    g12d = next(a for a in observations if a.get("hgvsp") == "p.G12D")
    assert g12d["kind"] == "small_variant"
    assert (g12d["gene"], g12d["type"], g12d["chrom"], g12d["pos"], g12d["ref"], g12d["alt"], g12d["vaf"], g12d["depth"]) == (
        "KRAS", "snv", "chr12", 25245350, "C", "T", 0.015, 1000)
    fusion = next(a for a in observations if a["kind"] == "fusion")
    assert (fusion["gene"], fusion["fusion"], fusion["gene5"], fusion["gene3"]) == ("RET", "KIF5B::RET", "KIF5B", "RET")
    assert data["sample"]["prior_therapies"] == ["osimertinib"]
    assert data["sample"]["primary_driver"] == {"gene": "EGFR", "alteration": "EGFR L858R", "source": "plasma"}
    assert {f["role"] for f in data["findings"]} == {"primary_driver", "bypass_resistance"}
    assert data["mechanism_options"][0]["drugs"] == ["osimertinib", "savolitinib"] == data["mechanism_options"][0]["drug_ids"]
    assert data["trials"][0]["nct_id"] == "NCT03778229"


def test_same_input_same_bytes(write, mini_kb, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = render(run(write, mini_kb, [L858R, G12D], prior=["osimertinib"]))
    second = render(run(write, mini_kb, [L858R, G12D], prior=["osimertinib"]))
    assert first == second
    assert json.loads(first)["generated_at"] == "2023-11-14T22:13:20Z"
