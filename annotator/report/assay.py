"""The report's pieces of issue 17: the tumor fraction with its source and confidence, each small variant's clonality,
possible polyclonal resistance, and what each negative means (``annotator.plasma.negatives``).

The estimator, the clonality and the polyclonal reading are built in ``annotator.plasma``; this module only words them.
"""

from __future__ import annotations

from collections.abc import Sequence

from annotator.kb.index import KbIndex
from annotator.plasma.fraction import TumorFractionEstimate
from annotator.plasma.negatives import Negative
from annotator.plasma.polyclonal import Polyclonal
from annotator.report.citations import links
from annotator.report.model import (
    AssociationOut,
    NegativeNumbersOut,
    NegativeOut,
    PolyclonalOut,
    Settings,
    TumorFractionOut,
)

# The report lists what cannot be excluded first, then what was not detected, then what plasma cannot show.
_STATUS_ORDER = {"cannot_be_excluded": 0, "not_detected": 1, "not_assessable": 2}


def negatives_out(negatives: Sequence[Negative]) -> list[NegativeOut]:
    """The report's negatives, by status (knowledgebase order within one)."""
    ordered = sorted(negatives, key=lambda n: _STATUS_ORDER[n.status])
    return [NegativeOut(
        alteration=n.alteration_id, name=n.name, gene=n.gene, kind=n.kind, status=n.status, reason=n.reason, short=n.short,
        numbers=NegativeNumbersOut(**vars(n.numbers)),
    ) for n in ordered]


def tumor_fraction_out(settings: Settings, estimate: TumorFractionEstimate | None) -> TumorFractionOut:
    """The one tumor fraction the report used (as settings echo it), with the estimate beside it when one was made."""
    return TumorFractionOut(
        value=settings.tumor_fraction, source=settings.tumor_fraction_source, estimated=settings.tumor_fraction_estimated,
        method=estimate.method if estimate else None, estimate=estimate.value if estimate else None,
        confidence=estimate.confidence if estimate else None, n_informative=estimate.n_informative if estimate else None,
        reason=estimate.reason if estimate else None,
    )


def polyclonal_out(p: Polyclonal, index: KbIndex) -> PolyclonalOut:
    return PolyclonalOut(
        statement=p.statement, mechanisms=list(p.mechanisms),
        associations=[AssociationOut(statement=a.statement, references=links(list(a.sources), index)) for a in p.associations],
    )
