"""Write a sample's report files atomically: all render first, then each is renamed into place.

A failure while rendering leaves no partial file; temporary files live in the output folder itself
so that the final rename never crosses file systems.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from annotator.render import renderer
from annotator.report import ReportModel


def write_reports(report: ReportModel, outdir: Path, stem: str, formats: tuple[str, ...]) -> list[Path]:
    rendered = {fmt: renderer(fmt)(report) for fmt in formats}
    outdir.mkdir(parents=True, exist_ok=True)
    temps: list[tuple[str, Path]] = []
    try:
        for fmt, data in rendered.items():
            fd, tmp = tempfile.mkstemp(dir=outdir, prefix=f".{stem}.", suffix=f".{fmt}.part")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; reports are meant to be shared
            temps.append((fmt, Path(tmp)))
        written = []
        for fmt, tmp in temps:
            final = outdir / f"{stem}.{fmt}"
            os.replace(tmp, final)
            written.append(final)
        return written
    finally:
        for _, tmp in temps:
            tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
