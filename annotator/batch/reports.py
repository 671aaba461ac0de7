"""A sample's report files in the output folder: where they are, whether they are whole, and removing
those a run must not leave behind (a failed re-run's old reports, a crash's temporary files)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from annotator.batch.model import BatchOptions
from annotator.output import report_paths
from annotator.pipeline import safe_file_stem
from annotator.samplesheet import SampleRow

REPORT_FORMATS = ("json", "html", "pdf")


def output_paths(row: SampleRow, options: BatchOptions) -> list[Path]:
    return report_paths(options.outdir, safe_file_stem(row.sample_id), options.formats)


def report_complete(path: Path) -> bool:
    """Whether a report file is whole: JSON that parses, a PDF with its end marker, HTML with its end tag."""
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return False
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
            return True
        with path.open("rb") as fh:
            head = fh.read(8)
            fh.seek(max(0, path.stat().st_size - 1024))
            tail = fh.read()
        if path.suffix == ".pdf":
            return head.startswith(b"%PDF-") and b"%%EOF" in tail
        if path.suffix == ".html":
            return b"</html>" in tail.lower()
        return True
    except (OSError, ValueError):
        return False


def remove_reports(outdir: Path, sample_id: str, keep: tuple[str, ...] = ()) -> None:
    """A failed re-run must not leave the previous run's reports looking current, nor a crash its temp files;
    after a successful one, ``keep`` are the formats just written and any other is an earlier run's."""
    stem = safe_file_stem(sample_id)
    for fmt in REPORT_FORMATS:
        if fmt not in keep:
            (outdir / f"{stem}.{fmt}").unlink(missing_ok=True)
    if keep:
        return
    for name in os.listdir(outdir):
        if name.endswith(".part") and any(name.startswith(f".{stem}.{fmt}.") for fmt in REPORT_FORMATS):
            (outdir / name).unlink(missing_ok=True)
