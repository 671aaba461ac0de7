"""Inline SVG charts of the report (pygal: ~0.05 s to import, against ~0.55 s for matplotlib).

The same SVG text goes into the HTML and, through it, the PDF. pygal gives every chart a random id
and a dated comment; both are replaced so that a report is reproducible, and its JavaScript
tooltips are turned off (the report loads nothing from outside).
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

from annotator.models import SmallVariant
from annotator.render.rows import capped
from annotator.report import AlterationRow, ReportModel

PygalObject = Any  # pygal ships no type information: its module, styles and charts

ROLE_SERIES = [
    ("primary_driver", "Primary driver", "#0b4f8a"),
    ("on_target_resistance", "On-target resistance", "#8a1c1c"),
    ("bypass_resistance", "Bypass resistance", "#c0392b"),
    ("histologic_transformation", "Histologic transformation", "#6c3483"),
    ("co_alteration", "Co-alteration", "#7d5a00"),
    ("other", "Other / not matched", "#6b6b6b"),
]


def _pygal() -> PygalObject:
    """pygal without its import hook: pygal appends a finder for its ``pygal.maps`` plugins to
    ``sys.meta_path`` that lacks ``find_spec``, so every later failed import warns (ImportWarning).
    The report uses no map plugins, so the hook is taken out again."""
    import sys
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        import pygal
        import pygal.style
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]
    return pygal


def _style(colors: list[str]) -> PygalObject:
    Style = _pygal().style.Style

    return Style(
        background="white", plot_background="white", foreground="#1a1a1a", foreground_strong="#1a1a1a",
        foreground_subtle="#d9d9d9", colors=tuple(colors), font_family="DejaVu Sans, Arial, sans-serif",
        label_font_size=11, major_label_font_size=11, legend_font_size=11, title_font_size=13, value_font_size=10,
        guide_stroke_dasharray="1,0", major_guide_stroke_dasharray="1,0",
    )


def _clean(svg: str, chart_id: str) -> str:
    svg = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", chart_id, svg)
    svg = re.sub(r"<!--.*?-->", "", svg)
    return svg


def _label(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable())[:40]


class _Dot(NamedTuple):
    """A small variant on the VAF chart."""

    variant: SmallVariant
    vaf: float
    role: str


def _dot(row: AlterationRow) -> _Dot | None:
    """The row's dot, when it is a small variant with a VAF above 0."""
    variant = row.observation
    if isinstance(variant, SmallVariant) and variant.vaf is not None and variant.vaf > 0:
        return _Dot(variant, variant.vaf, row.role or "other")
    return None


def vaf_chart(report: ReportModel) -> str | None:
    """VAF of each reported small variant (log scale), coloured and grouped by its role."""
    pygal = _pygal()
    rows = capped([r for r in report.small_variant_rows if _dot(r)]).shown  # as many dots as the table has rows, chosen the same way
    dots = [d for r in rows if (d := _dot(r))]
    if not dots:
        return None
    variants = [d.variant for d in dots]
    labels = [_label(f"{a.gene} {a.hgvsp.removeprefix('p.')}" if a.hgvsp else f"{a.gene} {a.chrom}:{a.pos}") for a in variants]
    role_of = [d.role for d in dots]
    used = [r for r in ROLE_SERIES if r[0] in role_of]
    low = min(d.vaf for d in dots)
    # A dot per variant on a log axis (bars would exaggerate on a log scale); one series per role, so the
    # legend says which colour is which and grey-scale print still separates them by position and label.
    chart = pygal.Line(
        js=[], disable_xml_declaration=True, logarithmic=True, width=760, height=300, stroke=False, dots_size=7,
        style=_style([c for _, _, c in used]), title="Variant allele fraction in plasma (log scale)", legend_at_bottom=True,
        x_label_rotation=20 if len(variants) > 5 else 0, print_values=True, value_formatter=lambda v: f"{v * 100:.2g}%",
        range=(bottom := 10 ** math.floor(math.log10(low / 2)), 1), truncate_label=-1, y_title="VAF",
        y_labels=(ticks := [v for v in (0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1) if v >= bottom]), y_labels_major=ticks,
        x_labels_major_count=len(variants), formatter=lambda v: f"{v * 100:g}%",
    )
    chart.x_labels = labels
    for key, name, _ in used:
        chart.add(name, [d.vaf if d.role == key else None for d in dots])
    return _clean(chart.render(is_unicode=True), "vaf")


def copy_number_chart(report: ReportModel) -> str | None:
    """Observed (plasma) and tumor-adjusted copy number per knowledgebase gene, with the thresholds."""
    pygal = _pygal()
    genes = [row.measurement for row in report.copy_numbers if row.measurement.copy_number is not None]
    if not genes:
        return None
    observed = [c.copy_number for c in genes if c.copy_number is not None]  # every gene's (the filter above)
    amp = report.settings.cnv.amplification_min_copy_number
    top = max([amp + 1] + observed + [min(c.adjusted_copy_number or 0, 40) for c in genes])
    chart = pygal.Line(
        js=[], disable_xml_declaration=True, width=760, height=300, style=_style(["#0b4f8a", "#c0392b", "#1a1a1a", "#6b6b6b"]),
        title="Copy number of knowledgebase genes", legend_at_bottom=True, range=(0, math.ceil(top)), dots_size=5,
        x_label_rotation=30, truncate_label=-1, y_title="copies",
    )
    chart.x_labels = [c.gene for c in genes]
    chart.add("Observed (plasma)", observed, stroke=False)
    adjusted = [min(c.adjusted_copy_number, 40) if c.adjusted_copy_number is not None else None for c in genes]
    if any(v is not None for v in adjusted):
        chart.add("Tumor-adjusted", adjusted, stroke=False, dots_size=7)
    chart.add(f"Amplification threshold ({amp:g})", [amp] * len(genes), show_dots=False, stroke_style={"width": 2, "dasharray": "6, 4"})
    chart.add("Diploid (2)", [2] * len(genes), show_dots=False, stroke_style={"width": 1, "dasharray": "2, 3"})
    return _clean(chart.render(is_unicode=True), "cn")
