"""HTML and PDF rendering: escaping, self-containment, the fetcher that refuses the outside world."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from annotator.output import write_reports
from annotator.render.html import render_html
from tests.support.inputs import mutect2_vcf
from tests.support.mini_kb import G12D, L858R, run

EVIL = "<script>alert(1)</script>"


@pytest.fixture
def report(write, mini_kb):
    return run(write, mini_kb, [L858R, G12D], cnv="MET\t8\n", prior=["osimertinib"])


def test_html_is_self_contained_with_key_sections(report):
    html = render_html(report)
    for section in ("Resistance summary", "Findings in context", "Alterations detected", "Therapy options",
                    "Clinical trials enrolling these alterations", "Methods and limitations", "For research use only"):
        assert section in html
    assert "<link" not in html and "src=" not in html and "@import" not in html
    assert "KRAS G12D" in html and "MET amplification" in html and "osimertinib + savolitinib" in html


def test_untrusted_text_is_escaped(write, mini_kb):
    vcf = write("s.vcf", mutect2_vcf([L858R], tumor=EVIL.replace("/", "_")))
    from annotator.config import RunConfig
    from annotator.pipeline import SampleInputs, annotate_sample

    report = annotate_sample(SampleInputs(vcfs=(vcf,), sample_id=EVIL.replace("/", "")), RunConfig(), mini_kb)
    report = report.model_copy(update={"sample": report.sample.model_copy(update={"id": EVIL})})
    html = render_html(report)
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_written_file_names_are_sanitized_but_json_keeps_the_id(tmp_path, report):
    report = report.model_copy(update={"sample": report.sample.model_copy(update={"id": EVIL})})
    from annotator.pipeline import safe_file_stem

    written = write_reports(report, tmp_path, safe_file_stem(report.sample.id), ("json", "html"))
    assert [p.name for p in written] == ["script_alert_1_script.json", "script_alert_1_script.html"]
    assert EVIL in written[0].read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_pdf_fetcher_refuses_everything_outside_bundled_assets(tmp_path):
    from annotator.render.pdf import BundledOnlyFetcher, RefusedURL
    from annotator.resources import templates_dir

    fetcher = BundledOnlyFetcher(templates_dir())
    for url in ("https://example.org/x.css", "http://127.0.0.1/", "file:///etc/passwd", (tmp_path / "x.css").as_uri()):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    inside = (templates_dir() / "report.css").as_uri()
    assert fetcher.fetch(inside).read().startswith(b"/*")


def test_pdf_with_smuggled_url_fails_loudly_not_silently(report):
    from annotator.render import pdf

    evil = report.model_copy(update={"warnings": ['<img src="http://127.0.0.1:9/x.png">']})
    pdf.render(evil)  # escaped: the tag is text, so nothing is fetched and rendering succeeds
    html = render_html(evil, media="print").replace("</style>", "</style><link rel=stylesheet href='http://127.0.0.1:9/a.css'>")
    from weasyprint import HTML

    with pytest.raises(pdf.RefusedURL):
        HTML(string=html, url_fetcher=pdf.BundledOnlyFetcher(pdf.templates_dir())).write_pdf()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_pdf_is_a4_paginated_and_has_the_findings_in_its_text(tmp_path, report):
    from annotator.render import pdf

    path = tmp_path / "r.pdf"
    path.write_bytes(pdf.render(report))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89" in info or "595.28 x 841.89" in info  # A4 in points
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 1 <= pages <= 8
    assert "Page 1 of" in text
    assert "KRAS G12D" in text and "MET amplification" in text and "Research use only" in text
    assert report.sample.id in text
