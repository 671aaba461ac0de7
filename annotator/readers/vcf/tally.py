"""Where each record of one file went, and the warnings that deserves."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from annotator.genome import is_primary_chromosome
from annotator.models import Counts


@dataclass
class Tally:
    """Where each record of one file went; becomes :class:`Counts` (the same on every reading path)."""

    read: int = 0
    outside: int = 0  # outside knowledgebase genes; FILTER not read unless in a panel target
    in_panel: int = 0  # of ``outside``: records in panel targets (--panel-bed), whose FILTER is read
    background: int = 0  # alleles read from them as background variants
    passed: int = 0
    filtered: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)  # reason -> first record it skipped
    contigs: set[str] = field(default_factory=set)  # contig names the records use

    def skip(self, reason: str, where: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        self.examples.setdefault(reason, where)

    def counts(self) -> Counts:
        return Counts(records_read=self.read, passed_filters=self.passed, filtered=self.filtered,
                      outside_knowledgebase_genes=self.outside, filter_not_checked=self.outside - self.in_panel,
                      background_variants=self.background,
                      skipped=sum(self.skipped.values()), skipped_reasons=dict(sorted(self.skipped.items())))


# Skip reasons that deserve a warning of their own, beyond the count in the methods table.
_WARN_REASONS = ("IUPAC", "REF N", "caller genotype")


def skip_warnings(tally: Tally) -> list[str]:
    return [f"{n} allele(s) in knowledgebase genes not used: {reason} (first: {tally.examples[reason]})"
            for reason, n in sorted(tally.skipped.items()) if reason.startswith(_WARN_REASONS)]


def contig_warning(path: Path, header_contigs: list[str], tally: Tally) -> list[str]:
    """Say so when nothing in the file lies on a chromosome this tool recognises (e.g. unknown contig names)."""
    names = set(header_contigs) | tally.contigs
    if not tally.read or any(is_primary_chromosome(n) for n in names):
        return []
    shown = ", ".join(sorted(names)[:4]) + (" ..." if len(names) > 4 else "")
    return [f"{path.name}: no header contig and no record lies on a recognised chromosome (found: {shown}); "
            f"all {tally.read} record(s) were counted outside knowledgebase genes"]
