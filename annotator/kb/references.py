"""Where the knowledgebase's facts come from: references, the source each fact cites, and the entry base classes.

Every fact-bearing entry (:class:`CitedEntry`) carries ``sources`` and ``last_reviewed``; reports link a reference
only when it was checked (``certain``), and only to an http(s) URL (:func:`is_http_url`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def is_http_url(value: str) -> bool:
    """An absolute http(s) URL with a host, and nothing a browser would strip or reinterpret.

    Reports turn knowledgebase URLs into links: any other scheme (``javascript:``, ``data:``...),
    a scheme-relative ``//host`` or a path would run or open something else when clicked. Browsers
    drop tabs, newlines and leading control characters from URLs, so any whitespace or control
    character is refused rather than trusted to be harmless."""
    if not isinstance(value, str) or re.search(r"[\x00-\x20\x7f-\x9f\s]", value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced '[' in the host
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and value.lower().startswith(parts.scheme.lower() + "://")


def _http_url(value: str) -> str:
    if not is_http_url(value):
        raise ValueError(f"{value!r} is not an http(s) URL (http:// or https:// and a host)")
    return value


# The type of every URL field of the knowledgebase.
HttpUrl = Annotated[str, AfterValidator(_http_url)]


class StrictModel(BaseModel):
    """Every knowledgebase model: unknown keys are refused, loaded entries never change. Validators are built on
    first use (``defer_build``): a knowledgebase from the cache is validated as one Knowledgebase, whose validator
    holds every nested model's, so the nested models' own are mostly never needed (about 8 ms of start-up)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class SourceRef(StrictModel):
    """Where a fact comes from: a reference id (see references.yaml) and, for the review, a section."""

    ref: str
    section: str | None = None
    note: str | None = None


class CitedEntry(StrictModel):
    """A fact-bearing entry: its sources, when it was last reviewed, and whether it is withdrawn."""

    sources: list[SourceRef] = Field(min_length=1)
    last_reviewed: dt.date
    deprecated: bool = False


class Reference(StrictModel):
    id: str
    kind: Literal["review", "article", "trial_registry", "label", "web"]
    citation: str
    pmid: str | None = None
    doi: str | None = None
    nct_id: str | None = None
    url: HttpUrl | None = None
    agency: str | None = Field(None, description="labels: the regulator, e.g. 'FDA'")
    approval_date: dt.date | None = Field(None, description="labels: the date of the approval cited")
    approval_type: Literal["regular", "accelerated"] | None = Field(None, description="labels: the kind of approval")
    certain: bool = Field(
        False,
        description="True only when the record was checked (publisher, PubMed, regulator, registry);"
        " reports link only certain references. Unset: not checked.",
    )
