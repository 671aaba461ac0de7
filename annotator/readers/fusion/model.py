"""What fusion tables and breakend VCFs share: a raw call, the tally of records, the callers' vocabularies."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

Frame = Literal["in-frame", "out-of-frame", "stop-codon"]
Confidence = Literal["low", "medium", "high"]
Evidence = Literal["dna", "rna"]
# What each caller writes for the reading frame, mapped onto one vocabulary (anything else: not stated).
FRAMES: dict[str, Frame] = {
    "in-frame": "in-frame", "inframe": "in-frame", "out-of-frame": "out-of-frame", "frameshift": "out-of-frame",
    "out_of_frame": "out-of-frame", "stop-codon": "stop-codon",
    "skipped_exons": "in-frame",  # LINX: in frame once the skipped exons are spliced out
    "true": "in-frame", "false": "out-of-frame",  # older LINX: phased true/false
}
CONFIDENCES: dict[str, Confidence] = {"low": "low", "medium": "medium", "high": "high"}
EVIDENCE: dict[str, Evidence] = {"dna": "dna", "rna": "rna"}


@dataclass
class RawFusion:
    """One call as its source gives it, before symbols are mapped and the knowledgebase partner is chosen."""

    gene5: str
    gene3: str
    line: int
    reads: int | None = None
    breakpoint5: str | None = None
    breakpoint3: str | None = None
    ordered: bool = True  # False: the source does not say which partner is 5'
    evidence: Evidence | None = None
    confidence: Confidence | None = None
    reading_frame: Frame | None = None
    filter: str = "PASS"
    caller: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Tally:
    """What became of each record of one file; every record not used is counted under a reason."""

    read: int = 0
    filtered: int = 0  # non-PASS (or LINX reported=false) and not kept
    flagged: int = 0  # non-PASS kept with --include-filtered
    mates: int = 0  # the second record of a breakend pair already read
    outside: int = 0  # junctions with no breakend in a knowledgebase gene (SV VCFs)
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> records

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] += n


def frame_of(text: str | None, caller: str | None, notes: list[str] | None = None) -> Frame | None:
    """The caller's reading-frame word mapped onto in-frame/out-of-frame/stop-codon; other words are kept as a note."""
    raw = (text or "").strip()
    frame = FRAMES.get(raw.lower())
    if frame is None and raw and raw not in (".", "NA", "-") and notes is not None:
        notes.append(f"predicted effect {raw!r} ({caller}): reading frame not stated")
    elif frame is not None and raw.lower() == "skipped_exons" and notes is not None:
        notes.append(f"in frame after skipping exons ({caller})")
    return frame
