"""Run configuration: frozen, validated once, echoed in every JSON report."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CnvThresholds:
    """Copy-number calls on the values given in the input (tumor-fraction adjustment comes later)."""

    amplification_min_copy_number: float = 5.0
    loss_max_copy_number: float = 1.0

    def classify(self, copy_number: float) -> str | None:
        if copy_number >= self.amplification_min_copy_number:
            return "amplification"
        if copy_number <= self.loss_max_copy_number:
            return "copy_loss"
        return None


@dataclass(frozen=True)
class RunConfig:
    genome: str | None = None  # None: detect from the VCF header
    tumor_sample: str | None = None
    include_filtered: bool = False
    reference: str | None = None  # FASTA for REF checks and indel left-alignment
    formats: tuple[str, ...] = ("html", "pdf", "json")
    cnv: CnvThresholds = field(default_factory=CnvThresholds)
