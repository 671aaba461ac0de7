"""PDF report: the same templates in print layout, rendered by WeasyPrint (the only importer of it).

WeasyPrint may fetch stylesheets, images and fonts named in the HTML. ``BundledOnlyFetcher``
refuses every URL outside the package's own templates folder, so a sample name or INFO string
that smuggles in a URL can never make the renderer reach the network or the file system.

Per process, the report's stylesheet is parsed once (the print HTML leaves it out; a batch parses it
before forking its workers) and one font configuration serves every PDF, so pango keeps its font
look-ups between samples.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from annotator.errors import RenderError
from annotator.render.html import render_html
from annotator.report import ReportModel
from annotator.resources import templates_dir

FetchedURL = Any  # weasyprint ships no type information: a URLFetcherResponse


class RefusedURL(FatalURLFetchingError):
    """Raised for any URL outside the bundled assets; fatal so it cannot pass as a mere warning."""


class BundledOnlyFetcher(URLFetcher):
    def __init__(self, root: Path):
        super().__init__(allowed_protocols={"file"})
        self.root = root.resolve()

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> FetchedURL:
        parsed = urlparse(url)
        if parsed.scheme == "data":
            return super().fetch(url, headers)
        if parsed.scheme != "file":
            raise RefusedURL(f"refused to fetch {url!r}: only bundled report assets may be loaded")
        path = Path(unquote(parsed.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise RefusedURL(f"refused to fetch {url!r}: outside the bundled report assets")
        return URLFetcherResponse(url, body=path.read_bytes())


@lru_cache(maxsize=1)
def stylesheet() -> Any:  # a weasyprint CSS (untyped)
    """templates/report.css, parsed once per process; the print HTML does not inline it."""
    root = templates_dir()
    return CSS(string=(root / "report.css").read_text(encoding="utf-8"), base_url=root.as_uri() + "/",
               url_fetcher=BundledOnlyFetcher(root))


@lru_cache(maxsize=1)
def _font_config() -> Any:  # a weasyprint FontConfiguration (untyped)
    """One per process, made at the first PDF: a batch's parent never makes one, since pango starts threads
    and the workers are forked."""
    return FontConfiguration()


def render(report: ReportModel) -> bytes:
    root = templates_dir()
    html = render_html(report, media="print")
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    try:
        document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=BundledOnlyFetcher(root))
        return document.write_pdf(stylesheets=[stylesheet()], font_config=_font_config())
    except RefusedURL as exc:
        raise RenderError(str(exc)) from None
