"""``DIR/batch_status.tsv``: one row per sample, merged under the folder's lock and written atomically,
so a kill at any moment leaves every finished sample's row and two runs into one folder keep each
other's rows."""

from __future__ import annotations

from pathlib import Path

from annotator.atomic import atomic_write, locked, read_tsv_rows, tsv_text
from annotator.batch.model import Outcome

STATUS_FILE = "batch_status.tsv"
STATUS_LOCK = ".batch_status.lock"
STATUS_COLUMNS = ["sample_id", "status", "message", "seconds", "outputs", "fingerprint"]


def merge_status(outcomes: list[Outcome], outdir: Path) -> Path:
    """Merge outcomes into DIR/batch_status.tsv under the folder's lock (a resumed run keeps earlier rows)."""
    path = outdir / STATUS_FILE
    with locked(outdir / STATUS_LOCK):
        rows = {r["sample_id"]: r for r in read_status_rows(outdir)}
        for o in outcomes:
            if o.status == "skipped" and o.sample_id in rows:
                continue
            rows[o.sample_id] = {"sample_id": o.sample_id, "status": o.status, "message": o.message, "seconds": f"{o.seconds:.3f}",
                                 "outputs": ";".join(o.outputs), "fingerprint": o.fingerprint if o.status in ("ok", "skipped") else ""}
        atomic_write(path, tsv_text(STATUS_COLUMNS, ([r.get(c, "") for c in STATUS_COLUMNS] for r in rows.values())))
    return path


def read_status_rows(outdir: Path) -> list[dict[str, str]]:
    path = outdir / STATUS_FILE
    if not path.is_file():
        return []
    try:
        return [r for r in read_tsv_rows(path) if r.get("sample_id")]
    except (OSError, UnicodeDecodeError, ValueError):
        return []  # unreadable: every sample is re-run and the file rewritten


def read_status(outdir: Path) -> dict[str, tuple[str, str]]:
    return {r["sample_id"]: (r.get("status") or "", r.get("message") or "") for r in read_status_rows(outdir)}
