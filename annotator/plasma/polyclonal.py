"""Possible polyclonal resistance, and resistance mechanisms ordered by clonality.

**Flag.** Two or more *independent* resistance mechanisms in one sample -- findings with a resistance role
(``on_target_resistance`` or ``bypass_resistance``) in two or more different genes -- may sit in different tumor
clones, and one combination may not cover them. Several mechanisms in one gene (MET amplification and a MET exon 14
change; EGFR T790M and C797S) count as one here: a drug directed at the gene addresses them together, and their cis or
trans configuration is not read from plasma. Histologic transformation is not counted (plasma cannot show it).

**Associations.** Where the knowledgebase's plasma knowledge names an association for genes that all carry a
resistance finding (``polyclonal_associations`` in plasma.yaml: e.g. a KRAS mutation beside MET amplification and
less benefit from MET-directed combinations), its statement is added, worded as an association, with its sources.

**Order.** :func:`order_by_clonality`: clonal first, then by cell fraction (highest first), then indeterminate and
subclonal ones by cell fraction, items with no cell fraction (unknown; copy-number and fusion findings) last; ties
keep their input order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from annotator.kb.references import SourceRef
from annotator.plasma.clonality import Clonality

RESISTANCE_ROLES = ("on_target_resistance", "bypass_resistance")
POLYCLONAL_STATEMENT = "possible polyclonal resistance: one combination may not cover them"
_LABEL_RANK = {"clonal": 0, "indeterminate": 1, "subclonal": 2, "unknown": 3}


class ResistanceItemLike(Protocol):
    """A finding as this module reads it (the interpretation's finding, or :class:`ResistanceItem`)."""

    @property
    def gene(self) -> str: ...
    @property
    def mechanism_id(self) -> str | None: ...
    @property
    def role(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def clonality(self) -> Clonality | None: ...


class AssociationLike(Protocol):
    @property
    def genes(self) -> Sequence[str]: ...
    @property
    def statement(self) -> str: ...
    @property
    def sources(self) -> Sequence[SourceRef]: ...


class PolyclonalKnowledgeLike(Protocol):
    """The knowledgebase's plasma knowledge (``annotator.kb.plasma.PlasmaKnowledge``)."""

    @property
    def polyclonal_associations(self) -> Sequence[AssociationLike]: ...


@dataclass(frozen=True)
class ResistanceItem:
    """One finding for this module: ``label`` as reports show it (e.g. "KRAS p.G12D", "MET amplification");
    ``clonality`` None for findings without a cell fraction (copy number, fusions)."""

    gene: str
    mechanism_id: str | None
    role: str
    label: str
    clonality: Clonality | None = None


@dataclass(frozen=True)
class Association:
    genes: tuple[str, ...]
    statement: str
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class Polyclonal:
    """The flag: the independent mechanisms (labels, genes) behind it and any knowledgebase association."""

    statement: str
    mechanisms: tuple[str, ...]
    genes: tuple[str, ...]
    associations: tuple[Association, ...] = field(default=())


def resistance_items(items: Iterable[ResistanceItemLike]) -> list[ResistanceItemLike]:
    """The items with a resistance role (on-target or bypass)."""
    return [i for i in items if i.role in RESISTANCE_ROLES]


def polyclonal_resistance(items: Iterable[ResistanceItemLike], knowledge: PolyclonalKnowledgeLike) -> Polyclonal | None:
    """The possible-polyclonal flag when resistance findings lie in two or more genes, else None (the module)."""
    resistant = order_by_clonality(resistance_items(items))
    genes = tuple(dict.fromkeys(i.gene for i in resistant))
    if len(genes) < 2:
        return None
    associations = tuple(
        Association(tuple(a.genes), a.statement, tuple(a.sources))
        for a in knowledge.polyclonal_associations if set(a.genes) <= set(genes)
    )
    labels = tuple(dict.fromkeys(i.label for i in resistant))
    return Polyclonal(POLYCLONAL_STATEMENT, labels, genes, associations)


T = TypeVar("T", bound=ResistanceItemLike)


def clonality_key(item: ResistanceItemLike) -> tuple[int, float]:
    """Sort key: label rank (clonal, indeterminate, subclonal, unknown), then cell fraction, highest first."""
    return clonality_rank(item.clonality)


class CellFractionLike(Protocol):
    @property
    def ccf(self) -> float | None: ...
    @property
    def label(self) -> str: ...


def clonality_rank(c: CellFractionLike | None) -> tuple[int, float]:
    """:func:`clonality_key` of one cell fraction (None: unknown, last)."""
    if c is None or c.ccf is None:
        return _LABEL_RANK["unknown"], 0.0
    return _LABEL_RANK[c.label], -c.ccf


def order_by_clonality(items: Iterable[T]) -> list[T]:
    """``items`` clonal first, then by cell fraction (highest first), unknown last; stable for ties."""
    return sorted(items, key=clonality_key)
