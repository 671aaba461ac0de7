"""Annotate every sample of a sample sheet, in parallel; one bad sample never costs another its report.

* Samples run in worker processes at any ``--jobs``, never in the command's own process
  (:mod:`annotator.batch.workers`); :mod:`annotator.batch.run` schedules them and records each outcome.
* Each finished sample's row is merged into ``DIR/batch_status.tsv`` (:mod:`annotator.batch.status`).
* ``--resume`` skips a sample whose fingerprint and reports are unchanged (:mod:`annotator.batch.resume`).
"""

from annotator.batch.model import BatchOptions, BatchResult, Outcome
from annotator.batch.resume import fingerprint
from annotator.batch.run import run_batch
from annotator.batch.sample import annotate_row, row_config
from annotator.batch.status import merge_status, read_status, read_status_rows

__all__ = ["BatchOptions", "BatchResult", "Outcome", "run_batch", "merge_status", "read_status", "read_status_rows",
           "fingerprint", "annotate_row", "row_config"]
