"""The shapes of knowledgebase cross-reference checks, and what they look ids up in.

A check takes one entry (or a nested item of it) and returns its problems without the ``file: entry: ``
prefix; :class:`FileChecks` runs a file's checks over its entries and adds the prefix. The checks
themselves, as tables, are in :mod:`annotator.kb.validate`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from annotator.kb.schema import Alteration, Drug, Gene, Knowledgebase, SourceRef, TherapyCondition

E = TypeVar("E")


@dataclass(frozen=True)
class Known:
    """What the knowledgebase defines, for the checks to look ids up in."""

    kb: Knowledgebase
    refs: set[str]
    genes: set[str]
    drugs: dict[str, Drug]
    alterations: dict[str, Alteration]
    trials: set[str]
    classes: set[str]
    driver_groups: set[str | None]
    levels: list[str]
    types: list[str]
    # Alterations that are resistance to a driver's therapy: evidence about them is post-resistance evidence.
    resistance_in: set[tuple[str, str]]
    # A driver-independent entry answering an alteration that is only ever resistance (never a driver) is post-resistance too.
    only_resistance: set[str]

    @classmethod
    def of(cls, kb: Knowledgebase) -> Known:
        alterations = {a.id: a for a in kb.alterations}
        resistance_in = {(a, c.driver) for m in kb.mechanisms if not m.deprecated for c in m.contexts for a in m.alterations}
        return cls(
            kb=kb, refs={r.id for r in kb.references}, genes={g.symbol for g in kb.genes}, drugs={d.id: d for d in kb.drugs},
            alterations=alterations, trials={t.id for t in kb.trials}, classes={c.id for c in kb.drug_classes},
            driver_groups={a.gene for a in kb.alterations if a.driver},
            levels=[d.level for d in kb.policy.evidence_levels], types=[d.type for d in kb.policy.evidence_types],
            resistance_in=resistance_in,
            only_resistance={a for a, _ in resistance_in if a in alterations and not alterations[a].driver},
        )

    def gene(self, symbol: str | None) -> Gene | None:
        """The first gene entry of ``symbol`` (a duplicate symbol is reported on its own)."""
        return next((g for g in self.kb.genes if g.symbol == symbol), None)

    def post_resistance(self, answers: Iterable[str], driver: str | None) -> list[str]:
        """Answered alterations that are resistance in this driver's context, leaving out the driver's own alleles
        (KRAS G12D is a KRAS driver as well as resistance to a G12C inhibitor: a first-line KRAS regimen may answer it)."""
        alts = self.alterations
        return sorted(a for a in answers if ((a, driver) in self.resistance_in and not (
            a in alts and alts[a].driver and alts[a].gene == driver)) or (driver is None and a in self.only_resistance))


# A check: the problems of one entry (or nested item), each without its "file: entry: " prefix.
Check = Callable[[E, Known], Iterable[str]]


class _Sourced(Protocol):
    @property
    def sources(self) -> Sequence[SourceRef]: ...


@dataclass(frozen=True)
class Exists:
    """Every id ``ids`` takes from an entry is in the table ``table`` takes from :class:`Known`.

    ``what`` is the message with ``{0!r}`` for the id; ``{1}`` (if used) is the table itself."""

    what: str
    ids: Callable[[Any], Iterable[str | None]]
    table: Callable[[Known], Collection[str | None]]

    def __call__(self, entry: Any, known: Known) -> list[str]:
        table = self.table(known)
        return [self.what.format(i, table) for i in self.ids(entry) if i not in table]


@dataclass(frozen=True)
class Each:
    """Runs ``checks`` over each nested item ``items`` takes from an entry (evidence, contexts, ...), item by item."""

    items: Callable[[Any], Iterable[Any]]
    checks: tuple[Check[Any], ...]

    def __call__(self, entry: Any, known: Known) -> list[str]:
        return [problem for item in self.items(entry) for check in self.checks for problem in check(item, known)]


@dataclass(frozen=True)
class Condition:
    """The drugs and classes a therapy condition (and its ``also``) names exist."""

    condition: Callable[[Any], TherapyCondition | None]

    def __call__(self, entry: Any, known: Known) -> list[str]:
        return condition_problems(self.condition(entry), known)


def condition_problems(cond: TherapyCondition | None, known: Known) -> list[str]:
    if cond is None:
        return []
    return [*(f"unknown drug id {d!r}" for d in cond.drugs if d not in known.drugs),
            *(f"unknown drug class {c!r}" for c in cond.classes if c not in known.classes),
            *condition_problems(cond.also, known)]


def optional(value: str | None) -> list[str]:
    """An optional id as the ids to check: none when unset."""
    return [value] if value else []


def source_ids(entry: _Sourced) -> list[str]:
    """The reference ids an entry (or evidence, threshold, status, frequency) cites."""
    return [s.ref for s in entry.sources]


# Every entry (and nested item) with sources cites references that exist.
SOURCES = Exists("unknown reference id {0!r}", source_ids, lambda k: k.refs)


@dataclass(frozen=True)
class FileChecks(Generic[E]):
    """The checks each entry of one file runs, in order; problems are prefixed ``file: label:``."""

    file: str
    entries: Callable[[Knowledgebase], Sequence[E]]
    label: Callable[[E], str]
    checks: tuple[Check[E], ...]

    def problems(self, known: Known) -> list[str]:
        return [f"{self.file}: {self.label(e)}: {problem}"
                for e in self.entries(known.kb) for check in self.checks for problem in check(e, known)]


def entry_id(entry: Any) -> str:
    """The label of most entries in problems: their id."""
    return str(entry.id)


