"""HTML report from the jinja2 templates (autoescape and StrictUndefined on)."""

from __future__ import annotations

import re
from functools import lru_cache

import jinja2
from markupsafe import Markup

from annotator.kb.schema import is_http_url
from annotator.render.jinja import environment_for
from annotator.render.rows import TABLE_ROW_LIMIT, capped
from annotator.report import ReportModel
from annotator.resources import templates_dir

ROLE_LABELS = {
    "primary_driver": "Primary driver",
    "on_target_resistance": "On-target resistance",
    "bypass_resistance": "Bypass resistance",
    "histologic_transformation": "Histologic transformation",
    "co_alteration": "Co-alteration",
    "other": "Other",
}


def http_href(url: str | None) -> str | None:
    """``url`` when it is safe as an external link (http/https), else None: the template then shows
    the label as text. The knowledgebase schema already refuses other URLs; this holds even for a
    model built without validation (``model_construct``) or from another knowledgebase loader."""
    return url if isinstance(url, str) and is_http_url(url) else None


def local_href(path: str | None) -> str | None:
    """``path`` when it is a relative file name in the same folder (the cohort's report links), else None."""
    if not isinstance(path, str) or not re.fullmatch(r"[\w][\w.-]*", path) or ".." in path:
        return None
    return path


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = environment_for(templates_dir())
    env.filters["pct"] = lambda v, digits=1: "n/a" if v is None else f"{v * 100:.{digits}f}%"
    env.filters["num"] = lambda v, digits=1: "n/a" if v is None else f"{v:.{digits}f}"
    env.filters["http_href"] = http_href
    env.filters["local_href"] = local_href
    env.globals["ROLE_LABELS"] = ROLE_LABELS
    env.filters["capped"] = capped  # at most TABLE_ROW_LIMIT rows per table; the JSON has them all
    env.globals["TABLE_ROW_LIMIT"] = TABLE_ROW_LIMIT
    return env


def render_html(report: ReportModel, media: str = "screen") -> str:
    from annotator.render.charts import copy_number_chart, vaf_chart

    # The chart templates autoescape every label they draw, so their SVG can be inlined as markup.
    charts = {"vaf": vaf_chart(report), "cn": copy_number_chart(report)}
    charts = {k: Markup(v) if v else None for k, v in charts.items()}
    return environment().get_template("report.html.j2").render(r=report, media=media, charts=charts)


def render(report: ReportModel) -> bytes:
    return render_html(report).encode("utf-8")
