"""``--resume``: a sample is skipped only when its fingerprint (sheet row, inputs' paths, sizes and
sha256, knowledgebase sha256, thresholds, formats, software version) equals the one recorded when its
reports were written, and those reports are complete and parse."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from annotator import __version__
from annotator.batch.model import BatchOptions
from annotator.batch.reports import output_paths, report_complete
from annotator.batch.status import read_status_rows
from annotator.readers.common import file_sha256
from annotator.samplesheet import SampleRow

# (path, device, inode, size, mtime) -> sha256: within one run, a reference FASTA shared by 400 samples is hashed once
_SHA256_CACHE: dict[tuple[str, int, int, int, int], str] = {}


def _sha256_cached(path: Path, stat: os.stat_result) -> str:
    key = (str(path), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if key not in _SHA256_CACHE:
        _SHA256_CACHE[key] = file_sha256(path)
    return _SHA256_CACHE[key]


def fingerprint(row: SampleRow, options: BatchOptions, kb_sha256: str) -> str:
    """What a sample's reports depend on, hashed. A missing input gives a fingerprint that never matches."""
    inputs: list[dict[str, object]] = []
    for path in row.input_paths():
        try:
            stat = path.stat()
            inputs.append({"path": str(path), "size": stat.st_size, "sha256": _sha256_cached(path, stat)})
        except OSError as exc:
            inputs.append({"path": str(path), "error": exc.strerror or type(exc).__name__, "nonce": time.time_ns()})
    data = {
        "version": __version__,
        "knowledgebase_sha256": kb_sha256,
        "formats": list(options.formats),
        "cnv_thresholds": options.cnv.as_dict(),
        "call_thresholds": options.calls.as_dict(),
        "plasma_thresholds": options.plasma.as_dict(),
        "assay_thresholds": options.assay.as_dict(),
        "row": {"sample_id": row.sample_id, "vcf": [str(p) for p in row.vcf], "cnv": [str(p) for p in row.cnv],
                "fusions": [str(p) for p in row.fusions], "wbc_vcf": str(row.wbc_vcf) if row.wbc_vcf else None, "prior_therapy": list(row.prior_therapy), "driver": row.driver,
                "panel_bed": str(row.panel_bed) if row.panel_bed else None, "coverage": str(row.coverage) if row.coverage else None,
                "options": row.options.model_dump(mode="json")},
        "inputs": inputs,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def recorded_fingerprints(options: BatchOptions) -> dict[str, str]:
    """The fingerprint the status file holds for each sample (none unless resuming)."""
    if not options.resume:
        return {}
    return {r["sample_id"]: r.get("fingerprint") or "" for r in read_status_rows(options.outdir)}


def up_to_date(row: SampleRow, options: BatchOptions, recorded: str | None, current: str) -> bool:
    return bool(recorded) and recorded == current and all(report_complete(p) for p in output_paths(row, options))
