"""``DIR/batch_status.tsv``: one row per sample, so a kill at any moment leaves every finished sample's row
and two runs into one folder keep each other's rows.

While a run goes, each finished sample's row is appended under the folder's lock (:func:`append_status`,
one write); a sample run again gets a second, later row, and readers take the last row of each sample.
At the end of the run the file is merged back to one row per sample and written atomically
(:func:`merge_status`), which also repairs a file that is not whole."""

from __future__ import annotations

from pathlib import Path

from annotator.atomic import append_tsv_rows, atomic_write, locked, read_tsv_rows, tsv_text
from annotator.batch.model import Outcome

STATUS_FILE = "batch_status.tsv"
STATUS_LOCK = ".batch_status.lock"
STATUS_COLUMNS = ["sample_id", "status", "message", "seconds", "outputs", "fingerprint"]


def _row(o: Outcome) -> dict[str, str]:
    return {"sample_id": o.sample_id, "status": o.status, "message": o.message, "seconds": f"{o.seconds:.3f}",
            "outputs": ";".join(o.outputs), "fingerprint": o.fingerprint if o.status in ("ok", "skipped") else ""}


def merge_status(outcomes: list[Outcome], outdir: Path) -> Path:
    """Merge outcomes into DIR/batch_status.tsv under the folder's lock (a resumed run keeps earlier rows); the file
    is rewritten with one row per sample. With no outcomes it only tidies the file (after :func:`append_status`)."""
    path = outdir / STATUS_FILE
    with locked(outdir / STATUS_LOCK):
        rows = {r["sample_id"]: r for r in read_status_rows(outdir)}
        for o in outcomes:
            if o.status == "skipped" and o.sample_id in rows:
                continue
            rows[o.sample_id] = _row(o)
        atomic_write(path, tsv_text(STATUS_COLUMNS, ([r.get(c, "") for c in STATUS_COLUMNS] for r in rows.values())))
    return path


def append_status(outcome: Outcome, outdir: Path) -> None:
    """Record one finished sample at the cost of one write: its row appended under the folder's lock (a skipped
    sample's row is already there). A missing or damaged file is merged and rewritten instead."""
    if outcome.status == "skipped":
        return
    with locked(outdir / STATUS_LOCK):
        row = _row(outcome)
        if append_tsv_rows(outdir / STATUS_FILE, STATUS_COLUMNS, [[row[c] for c in STATUS_COLUMNS]]):
            return
    merge_status([outcome], outdir)


def read_status_rows(outdir: Path) -> list[dict[str, str]]:
    """One row per sample, the last written (a run in progress, or killed, may have appended a second)."""
    path = outdir / STATUS_FILE
    if not path.is_file():
        return []
    try:
        return list({r["sample_id"]: r for r in read_tsv_rows(path) if r.get("sample_id")}.values())
    except (OSError, UnicodeDecodeError, ValueError):
        return []  # unreadable: every sample is re-run and the file rewritten


def read_status(outdir: Path) -> dict[str, tuple[str, str]]:
    return {r["sample_id"]: (r.get("status") or "", r.get("message") or "") for r in read_status_rows(outdir)}
