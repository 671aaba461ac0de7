"""Write a sample's report files: all render first, then they are written together (annotator.atomic).

A failure while rendering or writing leaves no partial file and no temporary file.
"""

from __future__ import annotations

from pathlib import Path

from annotator.atomic import atomic_write_all, check_writable_dir
from annotator.render import renderer
from annotator.report import ReportModel


def report_paths(outdir: Path, stem: str, formats: tuple[str, ...]) -> list[Path]:
    return [outdir / f"{stem}.{fmt}" for fmt in formats]


def write_reports(report: ReportModel, outdir: Path, stem: str, formats: tuple[str, ...]) -> list[Path]:
    rendered = {path: renderer(fmt)(report) for fmt, path in zip(formats, report_paths(outdir, stem, formats), strict=True)}
    if not outdir.is_dir():  # an existing folder is not probed again: a failed write says why, and leaves nothing
        check_writable_dir(outdir)
    return atomic_write_all(rendered)
