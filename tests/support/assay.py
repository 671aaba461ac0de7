"""Stand-ins for the assay inputs of issue 17 (the panel BED, the coverage table, the assay thresholds), with the
members annotator.plasma.negatives reads through its Protocols. Intervals are 0-based half-open on bare contigs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    targets: tuple[tuple[str, int, int], ...]

    def covers(self, chrom: str, start: int, end: int) -> bool:
        """Every base of the interval in a target (the targets' union contains it)."""
        return all(any(c == chrom and s <= b < e for c, s, e in self.targets) for b in range(start, max(end, start + 1)))


@dataclass(frozen=True)
class Coverage:
    regions: tuple[tuple[str, int, int, float], ...]

    def depth_over(self, chrom: str, start: int, end: int) -> float | None:
        depths = [d for c, s, e, d in self.regions if c == chrom and s < end and start < e]
        return sum(depths) / len(depths) if depths else None

    def min_depth_over(self, chrom: str, start: int, end: int) -> float | None:
        """The lowest depth of any base (a base no region covers: 0); None when no region overlaps."""
        if self.depth_over(chrom, start, end) is None:
            return None
        return min(max((d for c, s, e, d in self.regions if c == chrom and s <= b < e), default=0.0)
                   for b in range(start, max(end, start + 1)))


@dataclass(frozen=True)
class Assay:
    assumed_depth: int = 1000
    detection_min_alt_reads: int = 5
    min_sensitivity: float = 0.95
