"""PDF report: the same templates in print layout, rendered by WeasyPrint (the only importer of it).

WeasyPrint may fetch stylesheets, images and fonts named in the HTML. ``BundledOnlyFetcher``
refuses every URL outside the package's own templates folder, so a sample name or INFO string
that smuggles in a URL can never make the renderer reach the network or the file system.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from weasyprint import HTML
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


def render(report: ReportModel) -> bytes:
    root = templates_dir()
    html = render_html(report, media="print")
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    try:
        return HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=BundledOnlyFetcher(root)).write_pdf()
    except RefusedURL as exc:
        raise RenderError(str(exc)) from None
