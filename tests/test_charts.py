"""The report's two SVG charts (annotator/render/charts.py, templates/charts/chart.svg.j2): what they draw
and where, read back from the SVG text with xml.etree (so every chart is also checked to be well-formed XML).

Reports are the shipped example's, with their small variants or copy numbers replaced."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from annotator.config import RunConfig
from annotator.models import GeneCopyNumber, SmallVariant
from annotator.pipeline import SampleInputs, annotate_sample
from annotator.render.charts import CN_CAP, ROLE_SERIES, copy_number_chart, vaf_chart
from annotator.render.html import render_html
from annotator.render.rows import TABLE_ROW_LIMIT, capped
from annotator.report import AlterationRow, CopyNumberRow
from tests.support.paths import EXAMPLES

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(\"x\")</script> & 'q'"


@pytest.fixture(scope="module")
def base(shipped_kb_module):
    name = "egfr_l858r_met_amp"
    inputs = SampleInputs(vcfs=(EXAMPLES / f"{name}.vcf.gz",), cnv=(EXAMPLES / f"{name}.cnv.tsv",), prior_therapies=("osimertinib",))
    return annotate_sample(inputs, RunConfig(), shipped_kb_module)


@pytest.fixture(scope="module")
def shipped_kb_module():
    from annotator.kb.load import get_knowledgebase

    return get_knowledgebase()


def variant(gene: str, vaf: float | None, n: int = 0, hgvsp: str | None = None, role: str | None = None) -> AlterationRow:
    obs = SmallVariant(gene=gene, source="s.vcf", type="snv", chrom="chr7", pos=55_000_000 + n, ref="A", alt="G", hgvsp=hgvsp, vaf=vaf)
    return AlterationRow(observation=obs, label=obs.label, kb_id=f"KB_{n}" if role else None, role=role, relative_vaf=None)


def with_variants(report, rows):
    others = [r for r in report.alterations if not isinstance(r.observation, SmallVariant)]
    return report.model_copy(update={"alterations": others + list(rows)})


def with_copy_numbers(report, values, amp: float = 5.0):
    rows = [CopyNumberRow(measurement=GeneCopyNumber(gene=g, copy_number=cn, source="s.tsv", adjusted_copy_number=adj), kb_id=None)
            for g, cn, adj in values]
    settings = report.settings.model_copy(update={"cnv": report.settings.cnv.model_copy(update={"amplification_min_copy_number": amp})})
    return report.model_copy(update={"copy_numbers": rows, "settings": settings})


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def group(root: ET.Element, name: str) -> ET.Element:
    found = root.find(f".//{SVG}g[@id='{root.get('id')}-{name}']")
    assert found is not None, name
    return found


def markers(root: ET.Element) -> list[ET.Element]:
    return list(group(root, "markers"))


def centre_y(marker: ET.Element) -> float:
    """A circle's centre, or the middle of a path's height (a diamond's centre)."""
    if marker.tag == f"{SVG}circle":
        return float(marker.get("cy"))
    ys = [float(y) for _, y in re.findall(r"([\d.]+) ([\d.]+)", marker.get("d"))]
    return (min(ys) + max(ys)) / 2


def ticks(root: ET.Element) -> dict[str, float]:
    """Tick label -> the y of its grid line."""
    g = group(root, "ticks")
    lines = g.findall(f"{SVG}line")
    texts = g.findall(f"{SVG}text")
    return {t.text: float(line.get("y1")) for line, t in zip(lines, texts, strict=True)}


def text_end(t: ET.Element) -> tuple[float, float]:
    """Where a text ends, taking DejaVu Sans' widest common advance (0.6 em, capitals and digits) per character."""
    x, y, size = float(t.get("x")), float(t.get("y")), float(t.get("font-size"))
    width = len(t.text) * size * 0.6 * {"start": 1, "middle": 0.5, "end": 0}[t.get("text-anchor")]
    angle = math.radians(float(m[1]) if (m := re.match(r"rotate\(([-\d.]+)", t.get("transform", ""))) else 0.0)
    return x + width * math.cos(angle), y + width * math.sin(angle)


def texts(root: ET.Element, name: str) -> list[str]:
    return [t.text for t in group(root, name).iter(f"{SVG}text")]


# --- the VAF chart ---------------------------------------------------------------------------------


def test_one_dot_per_row_the_table_shows(base):
    rows = [variant("EGFR", 0.1, 0, "p.L858R", "primary_driver"), variant("TP53", 0.02, 1), variant("KRAS", None, 2), variant("MET", 0.0, 3)]
    root = parse(vaf_chart(with_variants(base, rows)))
    assert len(markers(root)) == 2  # no VAF or a VAF of 0: not drawn (nothing to place on a log axis)
    assert texts(root, "x-labels") == ["EGFR L858R", "TP53 chr7:55000001"]
    assert texts(root, "values") == ["10.00%", "2.00%"]  # as the table prints them


def test_a_long_table_draws_the_rows_it_shows(base):
    rows = [variant("TP53", 0.001 + i / 1000, i) for i in range(TABLE_ROW_LIMIT + 20)]
    report = with_variants(base, rows)
    shown = capped(report.small_variant_rows).shown
    root = parse(vaf_chart(report))
    assert len(markers(root)) == len(shown) == TABLE_ROW_LIMIT
    assert texts(root, "x-labels") == [f"TP53 chr7:{r.observation.pos}" for r in shown]
    assert all("rotate(90" in t.get("transform", "") for t in group(root, "x-labels"))  # many labels: upright
    assert texts(root, "values") == []  # too narrow to print legibly: each marker's tooltip has it
    assert [m.find(f"{SVG}title").text for m in markers(root)][:1] == [f"TP53 chr7:{shown[0].observation.pos}: 12.00% (Other / not matched)"]


def test_log_positions_follow_the_values(base):
    vafs = [0.3, 0.01, 0.05, 0.002, 0.01]
    root = parse(vaf_chart(with_variants(base, [variant("EGFR", v, i) for i, v in enumerate(vafs)])))
    ys = [float(m.get("cy")) for m in markers(root)]
    assert sorted(range(5), key=lambda i: ys[i]) == sorted(range(5), key=lambda i: -vafs[i])
    assert ys[1] == ys[4]
    grid = ticks(root)
    assert ys[1] == grid["1%"]  # a dot at 1% sits on the 1% line
    assert grid["10%"] - grid["100%"] == pytest.approx(grid["1%"] - grid["10%"], abs=0.02)  # decades equally spaced
    assert grid["3%"] - grid["10%"] == pytest.approx((grid["1%"] - grid["10%"]) * (1 - 0.4771), abs=0.05)  # log10(3)


@pytest.mark.parametrize(("low", "labels"), [
    (0.0123, ["0.1%", "0.3%", "1%", "3%", "10%", "30%", "100%"]),  # bottom 10**floor(log10(low / 2)) = 0.001
    (0.004, ["0.1%", "0.3%", "1%", "3%", "10%", "30%", "100%"]),
    (0.0019, ["0.01%", "0.1%", "0.3%", "1%", "3%", "10%", "30%", "100%"]),
    (0.00001, ["0.01%", "0.1%", "0.3%", "1%", "3%", "10%", "30%", "100%"]),  # nothing below 0.01% is labelled
    (0.5, ["10%", "30%", "100%"]),
])
def test_ticks(base, low, labels):
    root = parse(vaf_chart(with_variants(base, [variant("EGFR", low, 0), variant("EGFR", 0.6, 1)])))
    assert list(ticks(root)) == labels


def test_legend_names_only_the_roles_present_each_with_its_own_shape(base):
    rows = [variant("EGFR", 0.1, 0, "p.L858R", "primary_driver"), variant("MET", 0.05, 1, None, "bypass_resistance"), variant("TP53", 0.02, 2)]
    root = parse(vaf_chart(with_variants(base, rows)))
    assert texts(root, "legend") == ["Primary driver", "Bypass resistance", "Other / not matched"]
    drawn = markers(root)
    shapes = {(m.tag, m.get("fill"), bool(m.get("d"))) for m in drawn}
    assert len(shapes) == 3  # told apart without colour: circle, path, hollow circle
    colours = {name: colour for _, name, colour in ROLE_SERIES}
    assert drawn[0].get("fill") == colours["Primary driver"] and drawn[2].get("stroke") == colours["Other / not matched"]
    legend_shapes = [(m.tag, m.get("fill")) for m in group(root, "legend") if m.tag != f"{SVG}text"]
    assert legend_shapes == [(m.tag, m.get("fill")) for m in drawn]


def test_few_short_labels_lie_level_under_their_dots(base):
    root = parse(vaf_chart(with_variants(base, [variant("EGFR", 0.1, 0, "p.L858R"), variant("KRAS", 0.05, 1, "p.G12D")])))
    labels = list(group(root, "x-labels"))
    assert not any(t.get("transform") for t in labels)
    assert [t.get("x") for t in labels] == [m.get("cx") for m in markers(root)]


@pytest.mark.parametrize("n", [1, 7, 40])
def test_everything_lies_inside_the_view_box(base, n):
    rows = [variant("EGFR", 0.001 * (i + 1), i, f"p.L{i}R" * 9) for i in range(n)]  # labels at the 40-character cap
    report = with_copy_numbers(with_variants(base, rows), [(f"GENE{i}", 1.0 + i, 2.0 * i) for i in range(n)])
    for svg in (vaf_chart(report), copy_number_chart(report)):
        root = parse(svg)
        width, height = (float(v) for v in root.get("viewBox").split()[2:])
        points = [(float(e.get(a)), float(e.get(b))) for e in root.iter() for a, b in (("x", "y"), ("cx", "cy")) if e.get(a)]
        points += [text_end(t) for t in root.iter(f"{SVG}text")]
        assert points and all(0 <= x <= width and 0 <= y <= height for x, y in points)
        assert max(len(t) for t in texts(root, "x-labels")) <= 40


def test_no_vaf_chart_without_a_variant_to_draw(base):
    assert vaf_chart(with_variants(base, [])) is None
    assert vaf_chart(with_variants(base, [variant("EGFR", None, 0), variant("EGFR", 0.0, 1)])) is None


# --- the copy-number chart -------------------------------------------------------------------------


def test_thresholds_lie_at_their_values(base):
    root = parse(copy_number_chart(with_copy_numbers(base, [("EGFR", 2.2, 2.8), ("MET", 4.0, 7.5)], amp=5.0)))
    grid = ticks(root)
    assert list(grid) == ["0", "1", "2", "3", "4", "5", "6", "7", "8"]  # 0 .. ceil(highest value)
    threshold, diploid = group(root, "rules")
    assert float(threshold.get("y1")) == grid["5"] and threshold.get("stroke-dasharray") == "6 4"
    assert float(diploid.get("y1")) == grid["2"] and diploid.get("stroke-dasharray") == "2 3"
    assert texts(root, "legend") == ["Observed (plasma)", "Tumor-adjusted", "Amplification threshold (5)", "Diploid (2)"]
    observed, adjusted = markers(root)[:2]
    assert float(observed.get("cy")) == pytest.approx(grid["2"] - (grid["2"] - grid["3"]) * 0.2, abs=0.02)
    assert adjusted.get("fill") == "none" and observed.get("fill") != "none"  # both visible where they coincide


def test_tumor_adjusted_values_are_capped_and_say_so(base):
    root = parse(copy_number_chart(with_copy_numbers(base, [("MET", 9.0, 120.0), ("EGFR", 2.0, None)])))
    grid = ticks(root)
    assert list(grid)[-1] == "40"
    assert len(markers(root)) == 3  # two observed, one adjusted
    assert centre_y(markers(root)[1]) == pytest.approx(grid["40"], abs=0.02)
    assert texts(root, "values") == [f">{CN_CAP:g}"]


def test_no_adjusted_series_when_no_value_was_adjusted(base):
    root = parse(copy_number_chart(with_copy_numbers(base, [("MET", 3.0, None)])))
    assert "Tumor-adjusted" not in texts(root, "legend")


def test_no_copy_number_chart_without_a_measured_gene(base):
    assert copy_number_chart(with_copy_numbers(base, [])) is None
    assert copy_number_chart(with_copy_numbers(base, [("MET", None, None)])) is None


# --- both ------------------------------------------------------------------------------------------


def test_labels_are_escaped(base):
    rows = [variant(HOSTILE, 0.1, 0, None, "primary_driver")]
    report = with_copy_numbers(with_variants(base, rows), [(HOSTILE, 3.0, 4.0)])
    for svg in (vaf_chart(report), copy_number_chart(report)):
        assert "<script" not in svg
        root = parse(svg)
        assert root.find(f".//{SVG}script") is None
        assert HOSTILE[:40] in "".join(root.itertext())  # the text itself survives, printable and cut at 40
    html = render_html(report)
    assert "<script>alert" not in html


def test_accessible_self_contained_and_unique_ids(base):
    html = render_html(base)
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 2
    ids: list[str] = []
    for svg in svgs:
        root = parse(svg)
        assert root.get("role") == "img"
        title = root.find(f"{SVG}title")
        desc = root.find(f"{SVG}desc")
        assert root.get("aria-labelledby") == title.get("id") and root.get("aria-describedby") == desc.get("id")
        ids += [e.get("id") for e in root.iter() if e.get("id")]
        assert not re.search(r"href|url\(|<script|<style|@import|https?:", svg.replace('xmlns="http://www.w3.org/2000/svg"', ""))
        assert 'font-family="DejaVu Sans' in svg
    assert len(ids) == len(set(ids))
    vaf, cn = (parse(s) for s in svgs)
    assert "EGFR L858R 12.00% (primary driver)" in vaf.find(f"{SVG}desc").text
    assert "MET observed 8.00, tumor-adjusted 27.0" in cn.find(f"{SVG}desc").text
    assert len(set(ids) & set(re.findall(r'id="([^"]+)"', html.replace(svgs[0], "").replace(svgs[1], "")))) == 0


def test_same_report_same_bytes_in_another_process(base, tmp_path):
    """Nothing random, dated or hash-ordered: a fresh interpreter with another hash seed writes the same SVG."""
    script = (
        "import sys; from annotator.config import RunConfig; from annotator.kb.load import get_knowledgebase;"
        "from annotator.pipeline import SampleInputs, annotate_sample; from annotator.render.charts import copy_number_chart, vaf_chart;"
        "from tests.support.paths import EXAMPLES as E; n = 'egfr_l858r_met_amp';"
        "r = annotate_sample(SampleInputs(vcfs=(E / f'{n}.vcf.gz',), cnv=(E / f'{n}.cnv.tsv',), prior_therapies=('osimertinib',)), RunConfig(), get_knowledgebase());"
        "sys.stdout.write(vaf_chart(r) + copy_number_chart(r))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONWARNINGS": "ignore"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True).stdout
    assert out == vaf_chart(base) + copy_number_chart(base)
    assert vaf_chart(base) == vaf_chart(base)
