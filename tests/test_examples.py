"""The shipped examples, end to end through the CLI: three files each, a valid JSON, the expected findings."""

from __future__ import annotations

import json

import jsonschema
import pytest

from annotator.resources import report_schema_path
from tests.support.examples import CASES, example_args


@pytest.mark.parametrize("name", CASES)
def test_example_end_to_end(run_cli, tmp_path, name):
    extra, sample_id, build, expected = CASES[name]
    result = run_cli(["annotate", *example_args(name), "--tumor-type", "NSCLC", *extra, "--outdir", tmp_path])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{sample_id}.{ext}" for ext in ("html", "pdf", "json"))
    data = json.loads((tmp_path / f"{sample_id}.json").read_text())
    jsonschema.validate(data, json.loads(report_schema_path().read_text()))
    assert data["genome_build"] == build
    assert {f["alteration"]: f["role"] for f in data["findings"]} == expected
    assert (tmp_path / f"{sample_id}.pdf").read_bytes().startswith(b"%PDF")
    html = (tmp_path / f"{sample_id}.html").read_text()
    framing = "Diagnostic summary" if data["summary"]["framing"] == "diagnostic" else "Resistance summary"
    assert framing in html and sample_id in html
    if not expected:
        # the stated driver is absent from plasma: the sample cannot answer the question, and says so (issue 16)
        assert data["summary"]["headline"].startswith("This plasma sample is not informative for resistance")
        assert data["plasma"]["informative"] == "not_informative"
        assert data["sample"]["primary_driver"]["source"] == "stated"


def test_help_and_version_on_every_command(run_cli):
    assert "ctdna-annotator" in run_cli(["--version"]).output
    for args in (["--help"], ["annotate", "--help"], ["kb", "--help"], ["kb", "validate", "--help"], ["kb", "list", "--help"],
                 ["kb", "show", "--help"], ["kb", "version", "--help"], ["schema", "--help"]):
        result = run_cli(args)
        assert result.exit_code == 0 and "Usage:" in result.output, args
