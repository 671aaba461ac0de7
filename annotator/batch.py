"""Annotate every sample of a sample sheet, in parallel; one bad sample never costs another its report.

* Samples run in worker processes at any ``--jobs``, never in the command's own process (workers are
  forked after the knowledgebase, templates and readers are loaded, so these are loaded once for the
  run). A segmentation fault or an out-of-memory kill ends one worker and the sample it held, which is
  recorded ("crashed: signal 11 (SIGSEGV)"); a new worker takes its place and the run goes on. Workers
  die with the parent (parent-death signal, or a watchdog where there is none).
* After each sample, its row is merged into ``DIR/batch_status.tsv`` under an advisory lock and
  written atomically, so a kill at any moment leaves every finished sample's row, and two runs into
  one folder keep each other's rows.
* Ctrl-C (or SIGTERM) stops promptly: queued samples are cancelled, running ones are stopped and
  recorded as interrupted, the status is written, and the command exits 130 (143 for SIGTERM).
* ``--resume`` skips a sample only when its fingerprint (sheet row, inputs' paths, sizes and sha256,
  knowledgebase sha256, thresholds, formats, software version) equals the one recorded when its
  reports were written, and those reports are complete and parse. A failed or crashed sample's old
  reports are removed, so no stale report outlives a failed re-run.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from annotator import __version__
from annotator.atomic import atomic_write, check_writable_dir, locked, read_tsv_rows, tsv_text
from annotator.config import CallThresholds, CnvThresholds, RunConfig
from annotator.errors import AnnotatorError
from annotator.readers.common import file_sha256
from annotator.samplesheet import SampleRow

STATUS_FILE = "batch_status.tsv"
STATUS_LOCK = ".batch_status.lock"
STATUS_COLUMNS = ["sample_id", "status", "message", "seconds", "outputs", "fingerprint"]
REPORT_FORMATS = ("json", "html", "pdf")
STOP_GRACE_SECONDS = 5.0  # a stopped sample gets this long to clean up before it is killed


@dataclass(frozen=True)
class BatchOptions:
    outdir: Path
    formats: tuple[str, ...]
    kb_dir: str | None = None
    jobs: int = 1
    resume: bool = False
    cnv: CnvThresholds = CnvThresholds()
    calls: CallThresholds = CallThresholds()
    write_status: bool = True


@dataclass(frozen=True)
class Outcome:
    sample_id: str
    status: str  # ok | failed | crashed | interrupted | skipped (resume: fingerprint and reports unchanged)
    message: str
    seconds: float
    outputs: tuple[str, ...] = ()
    fingerprint: str = ""


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)
    stopped_by: int | None = None  # the signal that stopped the run, if any

    @property
    def exit_code(self) -> int | None:
        return None if self.stopped_by is None else 128 + self.stopped_by


def row_config(row: SampleRow, options: BatchOptions) -> RunConfig:
    """The row's validated options with the run's formats and thresholds."""
    return RunConfig.for_sample(row.options, options.formats, options.cnv, options.calls)


def _stem(sample_id: str) -> str:
    from annotator.pipeline import safe_file_stem

    return safe_file_stem(sample_id)


def output_paths(row: SampleRow, options: BatchOptions) -> list[Path]:
    return [options.outdir / f"{_stem(row.sample_id)}.{fmt}" for fmt in options.formats]


# --- resume -------------------------------------------------------------------------------------

_SHA256_CACHE: dict[tuple, str] = {}  # within one run: a reference FASTA shared by 400 samples is hashed once


def _sha256_cached(path: Path, stat: os.stat_result) -> str:
    key = (str(path), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if key not in _SHA256_CACHE:
        _SHA256_CACHE[key] = file_sha256(path)
    return _SHA256_CACHE[key]


def fingerprint(row: SampleRow, options: BatchOptions, kb_sha256: str) -> str:
    """What a sample's reports depend on, hashed. A missing input gives a fingerprint that never matches."""
    inputs = []
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
        "row": {"sample_id": row.sample_id, "vcf": [str(p) for p in row.vcf], "cnv": [str(p) for p in row.cnv],
                "fusions": [str(p) for p in row.fusions], "prior_therapy": list(row.prior_therapy), "driver": row.driver,
                "options": row.options.model_dump(mode="json")},
        "inputs": inputs,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


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


def up_to_date(row: SampleRow, options: BatchOptions, recorded: str | None, current: str) -> bool:
    return bool(recorded) and recorded == current and all(report_complete(p) for p in output_paths(row, options))


# --- one sample ----------------------------------------------------------------------------------

def annotate_row(row: SampleRow, options: BatchOptions, print_: str = "") -> Outcome:
    """One sample, start to finish; every failure becomes an Outcome, never an exception."""
    from annotator.kb.load import get_knowledgebase
    from annotator.output import write_reports
    from annotator.pipeline import SampleInputs, annotate_sample

    start = time.perf_counter()
    try:
        kb = get_knowledgebase(options.kb_dir)
        config = row_config(row, options)
        unknown_tumor_type = config.tumor_type_problem(kb)  # the command checks every row first; callers of run_batch may not
        if unknown_tumor_type:
            raise AnnotatorError(unknown_tumor_type)
        inputs = SampleInputs(
            vcfs=row.vcf, cnv=row.cnv, fusions=row.fusions, sample_id=row.sample_id,
            prior_therapies=row.prior_therapy, driver=row.driver,
        )
        report = annotate_sample(inputs, config, kb)
        written = write_reports(report, options.outdir, _stem(row.sample_id), options.formats)
        return Outcome(row.sample_id, "ok", f"{len(report.findings)} finding(s)", time.perf_counter() - start,
                       tuple(p.name for p in written), print_)
    except AnnotatorError as exc:
        return Outcome(row.sample_id, "failed", exc.format_message(), time.perf_counter() - start, (), print_)
    except Exception as exc:  # a bug or an unforeseen input: recorded, the batch goes on
        return Outcome(row.sample_id, "failed", f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}",
                       time.perf_counter() - start, (), print_)


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to stop this child when its parent dies (Linux), else watch for it."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGTERM, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG
            if os.getppid() != parent:  # the parent died before the request took effect
                os._exit(143)
            return
    except (OSError, AttributeError):
        pass
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(143)

    threading.Thread(target=watch, daemon=True).start()


def _worker(conn, parent: int) -> None:
    """Body of a worker process: annotate the samples the parent sends, one at a time, until told to stop.

    SIGTERM raises SystemExit, so a stopped sample's finally blocks remove its temporary files."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C does

    def stop(signum, frame):  # noqa: ARG001
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    _die_with_parent(parent)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        row, options, print_ = job
        conn.send(annotate_row(row, options, print_))


def _death(exitcode: int | None) -> tuple[str, str]:
    """Status and message for a child that ended without an outcome."""
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        if number == signal.SIGKILL:
            return "crashed", f"killed: signal {number} ({name}; out of memory?)"
        return "crashed", f"crashed: signal {number} ({name})"
    return "crashed", f"crashed: exit status {exitcode} without a result"


# --- the run ------------------------------------------------------------------------------------

def _warm(kb_dir: str | None, formats: tuple[str, ...]) -> str:
    """Load what every sample needs, once, before the children fork (they inherit it); the KB's sha256."""
    from annotator.kb.load import get_knowledgebase
    from annotator.render import renderer

    import cyvcf2  # noqa: F401  (imported here once: a child importing it would pay ~0.1 s per sample)

    import annotator.copynumber  # noqa: F401
    import annotator.output  # noqa: F401
    import annotator.pipeline  # noqa: F401

    kb = get_knowledgebase(kb_dir)
    for fmt in formats:
        renderer(fmt)
    if "html" in formats or "pdf" in formats:
        import annotator.render.charts  # noqa: F401  (pygal)

        from annotator.render.html import environment

        environment().get_template("report.html.j2")
    return kb.sha256


class _Stop:
    """Turns SIGINT/SIGTERM into a flag the scheduler reads; restores the old handlers on exit."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._old: dict[int, object] = {}

    def __enter__(self) -> _Stop:
        for sig in (signal.SIGINT, signal.SIGTERM):
            if signal.getsignal(sig) is signal.SIG_IGN:
                continue  # inherited: a `batch ... &` from a script stays immune to the terminal's Ctrl-C
            self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame) -> None:  # noqa: ARG002
        self.signum = self.signum or signum

    def __exit__(self, *exc) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]


MAX_SAMPLES_PER_WORKER = 200  # a worker is replaced after this many samples, so no leak can build up


@dataclass
class _Worker:
    process: object
    conn: object
    job: tuple[SampleRow, float] | None = None  # the sample it is annotating and when it started
    done: int = 0


def run_batch(rows: list[SampleRow], options: BatchOptions, report: Callable[[Outcome, int, int], None] | None = None) -> BatchResult:
    """Annotate ``rows`` in worker processes; ``report(outcome, done, total)`` is called as each sample ends.

    Workers are forked after everything is loaded and take one sample at a time; a worker that dies
    costs only the sample it held (recorded as crashed) and is replaced."""
    import gc
    import multiprocessing
    from multiprocessing.connection import wait

    check_writable_dir(options.outdir)
    kb_sha256 = _warm(options.kb_dir, options.formats)
    recorded = {r["sample_id"]: r.get("fingerprint") or "" for r in read_status_rows(options.outdir)} if options.resume else {}
    gc.freeze()  # loaded objects stay out of the children's garbage collections: fewer copy-on-write pages
    context = multiprocessing.get_context("fork")
    result = BatchResult()
    total = len(rows)
    queue = list(rows)
    workers: list[_Worker] = []
    parent = os.getpid()

    def finish(outcome: Outcome) -> None:
        if outcome.status in ("failed", "crashed"):
            _remove_reports(options.outdir, outcome.sample_id)
        elif outcome.status == "ok":  # a format not written this time would be left from an earlier run: stale
            _remove_reports(options.outdir, outcome.sample_id, keep=options.formats)
        result.outcomes.append(outcome)
        if options.write_status:
            merge_status([outcome], options.outdir)
        if report:
            report(outcome, len(result.outcomes), total)

    def next_job() -> tuple[SampleRow, str] | None:
        while queue:
            row = queue.pop(0)
            print_ = fingerprint(row, options, kb_sha256)
            if options.resume and up_to_date(row, options, recorded.get(row.sample_id), print_):
                finish(Outcome(row.sample_id, "skipped", "up to date: same inputs, options, knowledgebase and version; reports complete",
                               0.0, tuple(p.name for p in output_paths(row, options)), print_))
                continue
            return row, print_
        return None

    def spawn() -> _Worker:
        mine, theirs = context.Pipe()
        process = context.Process(target=_worker, args=(theirs, parent), name="ctdna-annotator worker")
        process.start()
        theirs.close()
        worker = _Worker(process, mine)
        workers.append(worker)
        return worker

    def retire(worker: _Worker) -> None:
        workers.remove(worker)
        try:
            worker.conn.send(None)
        except (OSError, ValueError):
            pass
        worker.conn.close()
        worker.process.join(STOP_GRACE_SECONDS)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()

    try:
        with _Stop() as stop:
            while stop.signum is None:
                for worker in [w for w in workers if w.job is None] + [None] * max(0, options.jobs - len(workers)):
                    if stop.signum is not None:
                        break
                    job = next_job()
                    if job is None:
                        break
                    worker = worker or spawn()
                    try:
                        worker.conn.send((job[0], options, job[1]))
                    except (OSError, ValueError):  # it died while idle: a fresh worker takes the sample
                        workers.remove(worker)
                        worker.process.join()
                        worker = spawn()
                        worker.conn.send((job[0], options, job[1]))
                    worker.job = (job[0], time.perf_counter())
                busy = [w for w in workers if w.job is not None]
                if not busy:
                    break
                ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=0.2)
                for worker in busy:
                    if worker.conn not in ready and worker.process.sentinel not in ready:
                        continue
                    row, start = worker.job
                    outcome = _received(worker.conn)
                    worker.job = None
                    if outcome is None:  # the worker died holding this sample
                        workers.remove(worker)
                        worker.conn.close()
                        worker.process.join()
                        status, message = _death(worker.process.exitcode)
                        outcome = Outcome(row.sample_id, status, message, time.perf_counter() - start)
                    else:
                        worker.done += 1
                        if worker.done >= MAX_SAMPLES_PER_WORKER:
                            retire(worker)
                    finish(outcome)
            if stop.signum is not None:
                result.stopped_by = stop.signum
                busy = [w for w in workers if w.job is not None]
                _stop_processes([w.process for w in workers])
                for worker in busy:
                    row, start = worker.job
                    outcome = _received(worker.conn)
                    finish(outcome or Outcome(row.sample_id, "interrupted", f"stopped by {signal.Signals(stop.signum).name} before it finished",
                                              time.perf_counter() - start))
                for row in queue:
                    result.outcomes.append(Outcome(row.sample_id, "interrupted", "not started: the run was stopped", 0.0))
    finally:
        for worker in list(workers):
            if worker.process.is_alive():
                retire(worker)
        gc.unfreeze()
    order = {row.sample_id: i for i, row in enumerate(rows)}
    result.outcomes.sort(key=lambda o: order[o.sample_id])
    return result


def _received(conn) -> Outcome | None:
    """The outcome a worker sent, if it sent one (without waiting)."""
    try:
        return conn.recv() if conn.poll() else None
    except (EOFError, OSError):
        return None


def _stop_processes(processes: list) -> None:
    """SIGTERM every worker, give them STOP_GRACE_SECONDS to clean up, then SIGKILL."""
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()


def _remove_reports(outdir: Path, sample_id: str, keep: tuple[str, ...] = ()) -> None:
    """A failed re-run must not leave the previous run's reports looking current, nor a crash its temp files;
    after a successful one, ``keep`` are the formats just written and any other is an earlier run's."""
    stem = _stem(sample_id)
    for fmt in REPORT_FORMATS:
        if fmt not in keep:
            (outdir / f"{stem}.{fmt}").unlink(missing_ok=True)
    if keep:
        return
    for name in os.listdir(outdir):
        if name.endswith(".part") and any(name.startswith(f".{stem}.{fmt}.") for fmt in REPORT_FORMATS):
            (outdir / name).unlink(missing_ok=True)


# --- status file ---------------------------------------------------------------------------------

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


__all__ = ["BatchOptions", "BatchResult", "Outcome", "run_batch", "merge_status", "read_status", "fingerprint"]
