"""The values a batch run passes around: its options, one sample's outcome, the run's result."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from annotator.config import CallThresholds, CnvThresholds


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
