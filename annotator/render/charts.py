"""Inline SVG charts of the report: the geometry is computed here, the markup is in templates/charts/.

Two small charts, drawn without a charting library (pygal took about 70% of a batch sample's CPU):
a dot plot of the small variants' VAF on a log axis, and the copy number of the knowledgebase genes.
The same SVG text goes into the HTML and, through it, the PDF (WeasyPrint draws inline SVG), so it
is deterministic by construction (fixed ids per chart, coordinates rounded to 0.01, no dates), loads
nothing (no script, no link, no font file) and is styled by presentation attributes only: a
``<style>`` element inside inline SVG would apply to the whole page. Every text goes through the
template's autoescape. Each marker has a shape as well as a colour, and a ``<title>`` (a browser's
tooltip); the chart's ``<title>`` and ``<desc>`` name it and list its values for a screen reader.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal, NamedTuple

import jinja2

from annotator.models import SmallVariant
from annotator.render.jinja import environment_for
from annotator.render.rows import capped
from annotator.report import AlterationRow, ReportModel
from annotator.resources import templates_dir

ROLE_SERIES = [
    ("primary_driver", "Primary driver", "#0b4f8a"),
    ("on_target_resistance", "On-target resistance", "#8a1c1c"),
    ("bypass_resistance", "Bypass resistance", "#c0392b"),
    ("histologic_transformation", "Histologic transformation", "#6c3483"),
    ("co_alteration", "Co-alteration", "#7d5a00"),
    ("other", "Other / not matched", "#6b6b6b"),
]
Shape = Literal["circle", "ring", "square", "triangle", "triangle_down", "diamond", "ring_diamond"]
ROLE_SHAPES: dict[str, Shape] = {  # colour is never the only sign of a role: each has its own shape too
    "primary_driver": "circle", "on_target_resistance": "square", "bypass_resistance": "triangle",
    "histologic_transformation": "diamond", "co_alteration": "triangle_down", "other": "ring",
}
VAF_TICKS = (0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
CN_CAP = 40.0  # tumor-adjusted copy numbers above this are drawn at it (a tiny tumor fraction inflates them)

WIDTH = 760.0
INK, MUTED, GRID = "#1a1a1a", "#555555", "#d9d9d9"
LABEL_SIZE, VALUE_SIZE = 11.0, 10.0
CHAR_WIDTH = 0.62  # DejaVu Sans' mean advance per character, in ems (an estimate for layout only)


class Text(NamedTuple):
    x: float
    y: float
    text: str
    size: float = LABEL_SIZE
    anchor: Literal["start", "middle", "end"] = "middle"
    rotate: float = 0.0  # degrees clockwise about (x, y)


class Marker(NamedTuple):
    x: float
    y: float
    r: float
    shape: Shape
    colour: str
    title: str  # the tooltip: what the marker is and its value
    path: str = ""  # the outline for shapes other than circles, computed from the above

    @property
    def hollow(self) -> bool:
        return self.shape.startswith("ring")


class Rule(NamedTuple):
    """A horizontal line across the plot: a grid line or a threshold."""

    y: float
    colour: str
    width: float = 1.0
    dash: str = ""


LegendItem = tuple[str, Marker | None, Rule | None]  # a legend's text and its sample: a marker or a line


class LegendEntry(NamedTuple):
    x: float
    y: float
    text: Text
    marker: Marker | None = None
    rule: Rule | None = None  # a line sample, drawn from x to x + 24


class Plot(NamedTuple):
    """The plot area and its horizontal slots, one per x label."""

    left: float
    top: float
    right: float
    bottom: float
    n: int

    @property
    def slot(self) -> float:
        return (self.right - self.left) / self.n

    def x(self, i: int) -> float:
        return self.left + (i + 0.5) * self.slot


@dataclass(frozen=True)
class Chart:
    """Everything a chart template draws, in user units of its viewBox (WIDTH wide)."""

    id: str
    title: str
    desc: str
    plot: Plot
    y_title: str
    ticks: list[tuple[Rule, Text]] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)  # thresholds, drawn over the grid
    markers: list[Marker] = field(default_factory=list)
    values: list[Text] = field(default_factory=list)  # printed beside markers
    x_labels: list[Text] = field(default_factory=list)
    legend: list[LegendEntry] = field(default_factory=list)
    height: float = 300.0  # set by _finish, from what lies under the plot
    width: float = WIDTH


def _r(v: float) -> float:
    return round(v, 2)


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_WIDTH


def _label(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable())[:40]


def _outline(shape: Shape, x: float, y: float, r: float) -> str:
    """An SVG path for a marker (circles are drawn as <circle>)."""
    if shape in ("square",):
        s = r * 0.85
        pts = [(x - s, y - s), (x + s, y - s), (x + s, y + s), (x - s, y + s)]
    elif shape == "triangle":
        pts = [(x, y - r * 1.2), (x + r * 1.1, y + r * 0.8), (x - r * 1.1, y + r * 0.8)]
    elif shape == "triangle_down":
        pts = [(x, y + r * 1.2), (x + r * 1.1, y - r * 0.8), (x - r * 1.1, y - r * 0.8)]
    elif shape in ("diamond", "ring_diamond"):
        pts = [(x, y - r * 1.25), (x + r * 1.25, y), (x, y + r * 1.25), (x - r * 1.25, y)]
    else:
        return ""
    return "M" + " L".join(f"{_r(px)} {_r(py)}" for px, py in pts) + " Z"


def _marker(x: float, y: float, r: float, shape: Shape, colour: str, title: str) -> Marker:
    return Marker(_r(x), _r(y), r, shape, colour, title, _outline(shape, x, y, r))


SLANT = 35.0  # degrees, for x labels too long to lie level


def _slanted(frame: Plot, labels: Sequence[str]) -> bool:
    """Whether the x labels are slanted: too long to lie level, and the slots wide enough for slanted
    lines not to touch (else they stand upright, in a font that fits the slot)."""
    return max(_text_width(t, LABEL_SIZE) for t in labels) > frame.slot - 6 and frame.slot >= 22


def _x_labels(frame: Plot, labels: Sequence[str]) -> tuple[list[Text], float]:
    """The x labels under the plot, and the height they take (see _slanted)."""
    widest = max(_text_width(t, LABEL_SIZE) for t in labels)
    y = frame.bottom + 8
    if widest <= frame.slot - 6:
        return [Text(_r(frame.x(i)), _r(y + LABEL_SIZE), t) for i, t in enumerate(labels)], LABEL_SIZE + 12
    if _slanted(frame, labels):
        out = [Text(_r(frame.x(i) - 3), _r(y + 4), t, anchor="start", rotate=SLANT) for i, t in enumerate(labels)]
        return out, widest * math.sin(math.radians(SLANT)) + LABEL_SIZE + 12
    size = max(5.0, min(LABEL_SIZE, frame.slot - 1))
    shift = size * 0.35  # the glyphs' middle on the slot's centre
    out = [Text(_r(frame.x(i) - shift), _r(y), t, size=size, anchor="start", rotate=90) for i, t in enumerate(labels)]
    return out, max(_text_width(t, size) for t in labels) + 12


def _legend(items: Sequence[LegendItem], left: float, y: float) -> tuple[list[LegendEntry], float]:
    """Legend entries left to right, wrapping at the chart's width; returns them and the height used."""
    out: list[LegendEntry] = []
    x = left
    for text, marker, rule in items:
        width = 30 + _text_width(text, LABEL_SIZE)
        if x > left and x + width > WIDTH - 10:
            x, y = left, y + 20
        label = Text(_r(x + 30), _r(y + 4), text, anchor="start")
        if marker is not None:
            marker = _marker(x + 12, y, marker.r, marker.shape, marker.colour, "")  # the text beside it names it
        out.append(LegendEntry(_r(x), _r(y), label, marker, rule))
        x += width + 16
    return out, y


def _frame(labels: Sequence[str], top: float = 56.0, height: float = 190.0) -> Plot:
    """The plot area: narrowed on the right when the last slanted label would run off the chart."""
    n = len(labels)
    frame = Plot(left=72.0, top=top, right=WIDTH - 24, bottom=top + height, n=n)
    if not _slanted(frame, labels):
        return frame
    reach = _text_width(labels[-1], LABEL_SIZE) * math.cos(math.radians(SLANT)) - 3  # from the last slot's centre
    right = frame.left + (WIDTH - 6 - reach - frame.left) * n / (n - 0.5)  # puts that centre at WIDTH - 6 - reach
    return frame._replace(right=min(frame.right, right))


def _ticks(frame: Plot, ticks: Sequence[tuple[float, str]]) -> list[tuple[Rule, Text]]:
    """Grid lines with their labels, given as (y position, label)."""
    return [(Rule(_r(y), GRID), Text(_r(frame.left - 6), _r(y + 4), text, anchor="end")) for y, text in ticks]


def _finish(chart: Chart, labels: Sequence[str], legend: Sequence[LegendItem]) -> Chart:
    """The chart with its x labels, legend and total height under the plot area: the part both charts share."""
    x_labels, label_height = _x_labels(chart.plot, labels)
    entries, last_y = _legend(legend, chart.plot.left, chart.plot.bottom + label_height + 16)
    return replace(chart, x_labels=x_labels, legend=entries, height=_r(last_y + 16))


# --- the VAF chart -----------------------------------------------------------------------------------


class _Dot(NamedTuple):
    """A small variant on the VAF chart."""

    variant: SmallVariant
    vaf: float
    role: str

    @property
    def label(self) -> str:
        v = self.variant
        return _label(f"{v.gene} {v.hgvsp.removeprefix('p.')}" if v.hgvsp else f"{v.gene} {v.chrom}:{v.pos}")


def _dot(row: AlterationRow) -> _Dot | None:
    """The row's dot, when it is a small variant with a VAF above 0."""
    variant = row.observation
    if isinstance(variant, SmallVariant) and variant.vaf is not None and variant.vaf > 0:
        return _Dot(variant, variant.vaf, row.role or "other")
    return None


def _pct(v: float) -> str:
    return f"{v * 100:.2f}%"  # as the table prints it


def vaf_geometry(report: ReportModel) -> Chart | None:
    """A dot per reported small variant (as many as the table has rows, chosen the same way) on a log
    axis: dots rather than bars, which exaggerate on a log scale; shape and colour by role."""
    rows = capped([r for r in report.small_variant_rows if _dot(r)]).shown
    dots = [d for r in rows if (d := _dot(r))]
    if not dots:
        return None
    bottom = 10 ** math.floor(math.log10(min(d.vaf for d in dots) / 2))
    frame = _frame([d.label for d in dots])
    span = -math.log10(bottom)

    def y(v: float) -> float:
        return frame.bottom - (math.log10(min(max(v, bottom), 1.0)) - math.log10(bottom)) / span * (frame.bottom - frame.top)

    names = {key: (name, colour) for key, name, colour in ROLE_SERIES}
    markers, values = [], []
    for i, d in enumerate(dots):
        name, colour = names.get(d.role, names["other"])
        shape = ROLE_SHAPES.get(d.role, "ring")
        markers.append(_marker(frame.x(i), y(d.vaf), 6.0, shape, colour, f"{d.label}: {_pct(d.vaf)} ({name})"))
        values += _value(frame, i, y(d.vaf) - 10, _pct(d.vaf))
    used = [(name, _marker(0, 0, 6.0, ROLE_SHAPES[key], colour, name), None) for key, name, colour in ROLE_SERIES
            if any(d.role == key for d in dots)]
    ticks = [(y(t), f"{t * 100:g}%") for t in VAF_TICKS if t >= bottom]
    listed = "; ".join(f"{d.label} {_pct(d.vaf)} ({names.get(d.role, names['other'])[0].lower()})" for d in dots)
    desc = f"{len(dots)} small variant(s), variant allele fraction on a log scale from {bottom * 100:g}% to 100%: {listed}."
    chart = Chart(id="chart-vaf", title="Variant allele fraction in plasma (log scale)", desc=desc, plot=frame, y_title="VAF",
                  ticks=_ticks(frame, ticks), markers=markers, values=values)
    return _finish(chart, [d.label for d in dots], used)


MIN_FONT = 6.0  # below this a value is not printed (about 95 dots): its marker's tooltip and the <desc> still give it


def _value(frame: Plot, i: int, y: float, text: str) -> list[Text]:
    """A value above its marker: level when it fits the slot, else upright (reading upwards) in a font that
    fits, or not at all when that font would be illegible."""
    if _text_width(text, VALUE_SIZE) <= frame.slot - 4:
        return [Text(_r(frame.x(i)), _r(y), text, size=VALUE_SIZE)]
    size = min(VALUE_SIZE, frame.slot - 1)
    if size < MIN_FONT:
        return []
    return [Text(_r(frame.x(i) + size * 0.35), _r(y), text, size=size, anchor="start", rotate=-90)]


# --- the copy-number chart ---------------------------------------------------------------------------

OBSERVED, ADJUSTED, THRESHOLD, DIPLOID = "#0b4f8a", "#c0392b", INK, "#6b6b6b"


def _cn_step(top: float) -> int:
    return next(s for s in (1, 2, 5, 10, 20) if top / s <= 10)


def copy_number_geometry(report: ReportModel) -> Chart | None:
    """Observed (plasma) and tumor-adjusted copy number per knowledgebase gene with a measured value,
    the amplification threshold (dashed) and diploid (dotted). Observed: filled circles; tumor-adjusted:
    open diamonds, so that both stay visible where they coincide."""
    genes = [row.measurement for row in report.copy_numbers if row.measurement.copy_number is not None]
    if not genes:
        return None
    amp = report.settings.cnv.amplification_min_copy_number
    adjusted = [min(c.adjusted_copy_number, CN_CAP) if c.adjusted_copy_number is not None else None for c in genes]
    highest = math.ceil(max([amp + 1] + [c.copy_number or 0 for c in genes] + [a or 0 for a in adjusted]))
    step = _cn_step(highest)
    top = -(-highest // step) * step  # up to a labelled tick
    frame = _frame([_label(c.gene) for c in genes])

    def y(v: float) -> float:
        return frame.bottom - v / top * (frame.bottom - frame.top)

    markers, values = [], []
    for i, c in enumerate(genes):
        observed = c.copy_number or 0.0
        markers.append(_marker(frame.x(i), y(observed), 4.5, "circle", OBSERVED, f"{_label(c.gene)}: observed {observed:.2f} copies"))
        a = adjusted[i]
        if a is not None:
            markers.append(_marker(frame.x(i), y(a), 6.0, "ring_diamond", ADJUSTED, f"{_label(c.gene)}: tumor-adjusted {_adjusted(c.adjusted_copy_number)} copies"))
            if a == CN_CAP and c.adjusted_copy_number != CN_CAP:
                values += _value(frame, i, y(a) - 10, f">{CN_CAP:g}")
    threshold = Rule(_r(y(amp)), THRESHOLD, 2.0, "6 4")
    diploid = Rule(_r(y(2)), DIPLOID, 1.0, "2 3")
    legend: list[LegendItem] = [("Observed (plasma)", _marker(0, 0, 4.5, "circle", OBSERVED, ""), None)]
    if any(a is not None for a in adjusted):
        legend.append(("Tumor-adjusted", _marker(0, 0, 6.0, "ring_diamond", ADJUSTED, ""), None))
    legend += [(f"Amplification threshold ({amp:g})", None, threshold), ("Diploid (2)", None, diploid)]
    listed = "; ".join(f"{_label(c.gene)} observed {(c.copy_number or 0):.2f}"
                       + (f", tumor-adjusted {_adjusted(c.adjusted_copy_number)}" if c.adjusted_copy_number is not None else "")
                       for c in genes)
    desc = f"Copy number of {len(genes)} gene(s), amplification threshold {amp:g}, diploid 2: {listed}."
    chart = Chart(id="chart-cn", title="Copy number of knowledgebase genes", desc=desc, plot=frame, y_title="copies",
                  ticks=_ticks(frame, [(y(v), str(v)) for v in range(0, top + 1, step)]), rules=[threshold, diploid],
                  markers=markers, values=values)
    return _finish(chart, [_label(c.gene) for c in genes], legend)


def _adjusted(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1f}"


# --- rendering ---------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """The chart templates' own environment (autoescape and StrictUndefined, as the report's): the report's
    environment lives in annotator.render.html, which imports this module, and layers allow no cycle."""
    return environment_for(templates_dir() / "charts")


def render_chart(chart: Chart) -> str:
    return _environment().get_template("chart.svg.j2").render(c=chart)


def vaf_chart(report: ReportModel) -> str | None:
    """The VAF chart's SVG, or None when there is no small variant with a VAF to draw."""
    chart = vaf_geometry(report)
    return render_chart(chart) if chart else None


def copy_number_chart(report: ReportModel) -> str | None:
    """The copy-number chart's SVG, or None when no gene has a measured copy number."""
    chart = copy_number_geometry(report)
    return render_chart(chart) if chart else None
