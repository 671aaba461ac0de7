"""The values a batch run passes around: its options, one sample's outcome, the run's result."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from annotator.config import AssayThresholds, CallThresholds, CnvThresholds, PlasmaThresholds


@dataclass(frozen=True)
class BatchOptions:
    outdir: Path
    formats: tuple[str, ...]
    kb_dir: str | None = None
    jobs: int = 1
    resume: bool = False
    cnv: CnvThresholds = CnvThresholds()
    calls: CallThresholds = CallThresholds()
    plasma: PlasmaThresholds = PlasmaThresholds()
    assay: AssayThresholds = AssayThresholds()
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

    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status in ("failed", "crashed")]

    def summary(self, status_file: Path | None) -> list[str]:
        """The run in words: a line of counts (and where the status file is), then one line per failed sample."""
        failed = self.failed()
        done = sum(o.status == "ok" for o in self.outcomes)
        skipped = sum(o.status == "skipped" for o in self.outcomes)
        interrupted = sum(o.status == "interrupted" for o in self.outcomes)
        where = "" if status_file is None else f"; status in {status_file}"
        stopped = f", {interrupted} interrupted or not started (stopped)" if self.stopped_by is not None else ""
        return [f"{done} annotated, {skipped} skipped (up to date), {len(failed)} failed{stopped}{where}",
                *(f"{o.status}: {o.sample_id}: {o.message}" for o in failed)]
