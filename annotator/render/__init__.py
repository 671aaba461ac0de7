"""Renderers: ReportModel -> bytes. A registry keyed by output format; each renderer is lazy-imported
so that a JSON-only run never loads jinja2 templates or WeasyPrint."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from annotator.errors import InputError
from annotator.report import ReportModel

RENDERERS: dict[str, str] = {
    "json": "annotator.render.json_out",
    "html": "annotator.render.html",
    "pdf": "annotator.render.pdf",
}


def parse_formats(value: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    unknown = [f for f in formats if f not in RENDERERS]
    if unknown or not formats:
        raise InputError(f"unknown --format {', '.join(unknown) or value!r}; choose from {', '.join(RENDERERS)}")
    return formats


def renderer(fmt: str) -> Callable[[ReportModel], bytes]:
    return import_module(RENDERERS[fmt]).render
