"""The run: load once, hand the sheet's samples to worker processes, record each outcome as it ends.

* After each sample, its row is appended to ``DIR/batch_status.tsv``, merged to one row per sample at the
  end (:mod:`annotator.batch.status`).
* Ctrl-C (or SIGTERM) stops promptly: queued samples are cancelled, running ones are stopped and
  recorded as interrupted, the status is written, and the command exits 130 (143 for SIGTERM).
* A failed or crashed sample's old reports are removed, so no stale report outlives a failed re-run.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections.abc import Callable
from types import FrameType
from typing import Any, NamedTuple

import annotator.batch.sample as sample
from annotator.atomic import check_writable_dir
from annotator.batch.model import BatchOptions, BatchResult, Outcome
from annotator.batch.reports import output_paths, remove_reports
from annotator.batch.resume import fingerprint, recorded_fingerprints, up_to_date
from annotator.batch.status import append_status, merge_status
from annotator.batch.workers import Task, WorkerPool
from annotator.samplesheet import SampleRow

Progress = Callable[[Outcome, int, int], None]  # (outcome, samples done, samples in all)
_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None  # what signal.signal takes


def _one_blas_thread(jobs: int) -> None:
    """With more than one worker every core is already busy: OpenBLAS's own threads (numpy, loaded with cyvcf2)
    only compete with the workers (issue 18 measured 19% less CPU with one). OpenBLAS reads the variable when
    numpy is first imported, which for the command is in ``_warm``; a value the user set is kept."""
    if jobs > 1:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _warm(kb_dir: str | None, formats: tuple[str, ...]) -> str:
    """Load what every sample needs, once, before the children fork (they inherit it); the KB's sha256."""
    import cyvcf2  # noqa: F401  (imported here once: a child importing it would pay ~0.1 s per sample)

    import annotator.copynumber  # noqa: F401 -- loaded before the fork, like cyvcf2
    import annotator.output  # noqa: F401 -- loaded before the fork, like cyvcf2
    import annotator.pipeline  # noqa: F401 -- loaded before the fork, like cyvcf2
    from annotator.kb.load import get_knowledgebase
    from annotator.render import renderer

    kb = get_knowledgebase(kb_dir)
    for fmt in formats:
        renderer(fmt)
    if "html" in formats or "pdf" in formats:
        import annotator.render.charts  # noqa: F401  (its template environment)
        from annotator.render.html import environment

        environment().get_template("report.html.j2")
    if "pdf" in formats:
        from annotator.render.pdf import stylesheet

        stylesheet()  # parsed once here; the font configuration is made in each worker (pango starts threads)
    return kb.sha256


class _Stop:
    """Turns SIGINT/SIGTERM into a flag the scheduler reads; restores the old handlers on exit."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._old: dict[int, _Handler] = {}

    def __enter__(self) -> _Stop:
        for sig in (signal.SIGINT, signal.SIGTERM):
            if signal.getsignal(sig) is signal.SIG_IGN:
                continue  # inherited: a `batch ... &` from a script stays immune to the terminal's Ctrl-C
            self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.signum = self.signum or signum

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)


class _Job(NamedTuple):
    row: SampleRow
    fingerprint: str


class _Run:
    """The queue of samples and what happens as each one ends (reports tidied, status merged, progress told)."""

    def __init__(self, rows: list[SampleRow], options: BatchOptions, kb_sha256: str, report: Progress | None) -> None:
        self.rows = rows
        self.options = options
        self.kb_sha256 = kb_sha256
        self.report = report
        self.recorded = recorded_fingerprints(options)
        self.queue = list(rows)
        self.result = BatchResult()

    def finish(self, outcome: Outcome) -> None:
        options = self.options
        if outcome.status in ("failed", "crashed"):
            remove_reports(options.outdir, outcome.sample_id)
        elif outcome.status == "ok":  # a format not written this time would be left from an earlier run: stale
            remove_reports(options.outdir, outcome.sample_id, keep=options.formats)
        self.result.outcomes.append(outcome)
        if options.write_status:
            append_status(outcome, options.outdir)
        if self.report:
            self.report(outcome, len(self.result.outcomes), len(self.rows))

    def next_job(self) -> _Job | None:
        """The next sample to annotate; with --resume, those up to date are recorded as skipped on the way."""
        while self.queue:
            row = self.queue.pop(0)
            print_ = fingerprint(row, self.options, self.kb_sha256)
            if self.options.resume and up_to_date(row, self.options, self.recorded.get(row.sample_id), print_):
                self.finish(Outcome(row.sample_id, "skipped", "up to date: same inputs, options, knowledgebase and version; reports complete",
                                    0.0, tuple(p.name for p in output_paths(row, self.options)), print_))
                continue
            return _Job(row, print_)
        return None

    def schedule(self, pool: WorkerPool, stop: _Stop) -> None:
        """Keep every worker busy until the queue is empty and every sample has ended, or a signal comes."""
        while stop.signum is None:
            self._fill(pool, stop)
            busy = pool.busy()
            if not busy:
                break
            for worker in pool.ready(busy, timeout=0.2):
                self.finish(pool.collect(worker))

    def _fill(self, pool: WorkerPool, stop: _Stop) -> None:
        for slot in pool.slots(self.options.jobs):
            if stop.signum is not None:
                break
            job = self.next_job()
            if job is None:
                break
            pool.start(slot, Task(job.row, self.options, job.fingerprint))

    def interrupt(self, pool: WorkerPool, signum: int) -> None:
        """Stopped by ``signum``: running samples are stopped and recorded, queued ones are not started."""
        self.result.stopped_by = signum
        for outcome in pool.stop(signum):
            self.finish(outcome)
        for row in self.queue:
            self.result.outcomes.append(Outcome(row.sample_id, "interrupted", "not started: the run was stopped", 0.0))

    def in_sheet_order(self) -> BatchResult:
        order = {row.sample_id: i for i, row in enumerate(self.rows)}
        self.result.outcomes.sort(key=lambda o: order[o.sample_id])
        return self.result


def run_batch(rows: list[SampleRow], options: BatchOptions, report: Progress | None = None) -> BatchResult:
    """Annotate ``rows`` in worker processes; ``report(outcome, done, total)`` is called as each sample ends.

    Workers are forked after everything is loaded and take one sample at a time; a worker that dies
    costs only the sample it held (recorded as crashed) and is replaced."""
    check_writable_dir(options.outdir)
    _one_blas_thread(options.jobs)
    kb_sha256 = _warm(options.kb_dir, options.formats)
    run = _Run(rows, options, kb_sha256, report)
    gc.freeze()  # loaded objects stay out of the children's garbage collections: fewer copy-on-write pages
    # annotate_row is looked up now, not imported by name: a test hook may have replaced it
    pool = WorkerPool(multiprocessing.get_context("fork"), sample.annotate_row)
    try:
        with _Stop() as stop:
            run.schedule(pool, stop)
            if stop.signum is not None:
                run.interrupt(pool, stop.signum)
    finally:
        pool.close()
        gc.unfreeze()
    if options.write_status and run.result.outcomes:
        merge_status([], options.outdir)  # one row per sample again (rows were appended while the run went)
    return run.in_sheet_order()
