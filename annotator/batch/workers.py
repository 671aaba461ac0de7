"""The worker processes of a batch run: a pool that forks workers, hands each one sample at a time,
collects outcomes, replaces workers that die or have run long, and stops them all when told.

Workers are forked after the knowledgebase, templates and readers are loaded, so these are loaded
once for the run. A segmentation fault or an out-of-memory kill ends one worker and the sample it
held, which is recorded ("crashed: signal 11 (SIGSEGV)"); a new worker takes its place. Workers die
with the parent (parent-death signal, or a watchdog where there is none).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkContext, ForkProcess
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import NamedTuple

from annotator.batch.model import BatchOptions, Outcome
from annotator.samplesheet import SampleRow

STOP_GRACE_SECONDS = 5.0  # a stopped sample gets this long to clean up before it is killed
MAX_SAMPLES_PER_WORKER = 200  # a worker is replaced after this many samples, so no leak can build up

Annotate = Callable[[SampleRow, BatchOptions, str], Outcome]  # annotator.batch.sample.annotate_row


class Task(NamedTuple):
    """What the parent sends a worker: one sample, the run's options and the sample's fingerprint."""

    row: SampleRow
    options: BatchOptions
    fingerprint: str


class Running(NamedTuple):
    """The sample a worker is annotating and when it was sent (``time.perf_counter``)."""

    row: SampleRow
    started: float


@dataclass
class Worker:
    process: ForkProcess
    conn: Connection
    job: Running | None = None
    done: int = 0


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


def _serve(conn: Connection, parent: int, annotate: Annotate) -> None:
    """Body of a worker process: annotate the samples the parent sends, one at a time, until told to stop.

    SIGTERM raises SystemExit, so a stopped sample's finally blocks remove its temporary files."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C does

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    _die_with_parent(parent)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        conn.send(annotate(task.row, task.options, task.fingerprint))


def _death(exitcode: int | None) -> str:
    """Why a child ended without an outcome (its sample is recorded as crashed)."""
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        if number == signal.SIGKILL:
            return f"killed: signal {number} ({name}; out of memory?)"
        return f"crashed: signal {number} ({name})"
    return f"crashed: exit status {exitcode} without a result"


def _received(conn: Connection) -> Outcome | None:
    """The outcome a worker sent, if it sent one (without waiting)."""
    try:
        return conn.recv() if conn.poll() else None
    except (EOFError, OSError):
        return None


def _stop_processes(processes: list[BaseProcess]) -> None:
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


def _running(worker: Worker) -> Running:
    """The job of a worker known to be busy."""
    assert worker.job is not None, "only a busy worker holds a sample"
    return worker.job


class WorkerPool:
    """The run's worker processes, forked from this one; each annotates one sample at a time with ``annotate``."""

    def __init__(self, context: ForkContext, annotate: Annotate) -> None:
        self._context = context
        self._annotate = annotate
        self._parent = os.getpid()
        self.workers: list[Worker] = []

    def slots(self, jobs: int) -> list[Worker | None]:
        """Idle workers, then None for each worker still to be started (``jobs`` in all)."""
        return [w for w in self.workers if w.job is None] + [None] * max(0, jobs - len(self.workers))

    def busy(self) -> list[Worker]:
        return [w for w in self.workers if w.job is not None]

    def start(self, slot: Worker | None, task: Task) -> None:
        """Send ``task`` to the idle worker ``slot`` (None: a new one)."""
        worker = slot or self._spawn()
        try:
            worker.conn.send(task)
        except (OSError, ValueError):  # it died while idle: a fresh worker takes the sample
            self.workers.remove(worker)
            worker.process.join()
            worker = self._spawn()
            worker.conn.send(task)
        worker.job = Running(task.row, time.perf_counter())

    def ready(self, busy: list[Worker], timeout: float) -> list[Worker]:
        """The busy workers that sent an outcome or ended, waiting at most ``timeout`` seconds."""
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=timeout)
        return [w for w in busy if w.conn in ready or w.process.sentinel in ready]

    def collect(self, worker: Worker) -> Outcome:
        """The outcome of the sample a ready worker held; a worker that died holding it costs that sample only."""
        job = _running(worker)
        outcome = _received(worker.conn)
        worker.job = None
        if outcome is None:  # the worker died holding this sample
            self.workers.remove(worker)
            worker.conn.close()
            worker.process.join()
            return Outcome(job.row.sample_id, "crashed", _death(worker.process.exitcode), time.perf_counter() - job.started)
        worker.done += 1
        if worker.done >= MAX_SAMPLES_PER_WORKER:
            self._retire(worker)
        return outcome

    def stop(self, signum: int) -> Iterator[Outcome]:
        """Stop every worker (SIGTERM, SIGKILL after the grace time); the outcome of each sample they held."""
        busy = self.busy()
        _stop_processes([w.process for w in self.workers])
        for worker in busy:
            job = _running(worker)
            yield _received(worker.conn) or Outcome(job.row.sample_id, "interrupted",
                                                    f"stopped by {signal.Signals(signum).name} before it finished",
                                                    time.perf_counter() - job.started)

    def close(self) -> None:
        """Retire every worker still alive."""
        for worker in list(self.workers):
            if worker.process.is_alive():
                self._retire(worker)

    def _spawn(self) -> Worker:
        mine, theirs = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(theirs, self._parent, self._annotate), name="ctdna-annotator worker")
        process.start()
        theirs.close()
        worker = Worker(process, mine)
        self.workers.append(worker)
        return worker

    def _retire(self, worker: Worker) -> None:
        self.workers.remove(worker)
        try:
            worker.conn.send(None)
        except (OSError, ValueError):
            pass
        worker.conn.close()
        worker.process.join(STOP_GRACE_SECONDS)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
