"""Page 1: the headline, what the knowledgebase does not interpret here, and the flags a reader must see first.

Every claim is bounded by the knowledgebase: 'none in this knowledgebase' is not 'none', and an alteration it does
not curate in this context is named, so that 'not curated' is never read as 'no meaning'."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from annotator.interpret import RESISTANCE_ROLES, Interpretation, drug_label
from annotator.kb.index import KbIndex
from annotator.kb.schema import RESISTANCE_KIND
from annotator.models import GeneCopyNumber, ProteinChange, SmallVariant
from annotator.options import Options
from annotator.plasma import PlasmaReading
from annotator.plasma.negatives import Negative, cannot_exclude_lines
from annotator.report.model import AlterationRow, FindingOut, PrimaryDriver, Summary, TherapyOut
from annotator.report.plasma import not_informative_headline, plasma_flags

Framing = Literal["diagnostic", "resistance"]


class Uncurated(NamedTuple):
    """An alteration page 1 names as not interpreted here, and the knowledgebase gene it is filed under
    (a fusion's label names both partners; empty for the count of variants without a protein annotation)."""

    label: str
    gene: str


@dataclass(frozen=True)
class SummaryInputs:
    """What page 1 is written from: the interpretation and the report rows already built from it."""

    interp: Interpretation
    options: Options
    index: KbIndex
    findings: list[FindingOut]
    rows: list[AlterationRow]
    copy_numbers: list[GeneCopyNumber]
    offered: list[TherapyOut]  # standard options, then mechanism-directed ones
    prior_ids: list[str]
    drivers: list[PrimaryDriver]
    copy_number_assessed: bool
    plasma: PlasmaReading | None = None
    negatives: Sequence[Negative] | None = None  # None: not assessed (library use): the knowledgebase's own list


@dataclass(frozen=True)
class Headline:
    """The facts page 1's first line (and the driver-gene cautions) state."""

    framing: Framing
    drivers: list[PrimaryDriver]
    resistance: list[FindingOut]
    uncurated: list[Uncurated]
    equivocal: list[str]  # genes whose copy-number interval spans the amplification threshold
    against: list[str]  # the drugs each resistance finding is resistance to, in words
    latest: str | None  # the most recent targeted drug given, in words
    driver_genes: frozenset[str]
    transformation: str | None = None  # the small-cell transformation signal, in words


def primary_drivers(interp: Interpretation, findings: list[FindingOut], stated: str | None) -> list[PrimaryDriver]:
    """The plasma primary drivers, else the stated one when the interpretation used it."""
    plasma = [PrimaryDriver(gene=f.gene, alteration=f.alteration, source="plasma") for f in findings if f.role == "primary_driver"]
    if plasma:
        return plasma
    if stated and interp.driver_source == "stated":
        return [PrimaryDriver(gene=interp.primary_groups[0], alteration=stated, source="stated")]
    return []


def summarize(s: SummaryInputs) -> Summary:
    """Page 1 of the report."""
    drugs = {d.id: d for d in s.index.kb.drugs}
    resistance = [f for f in s.findings if f.role in RESISTANCE_ROLES]
    targeted_given = [d for d in s.prior_ids if drugs[d].tki_for]
    framing: Framing = "resistance" if targeted_given else "diagnostic"
    facts = Headline(
        framing=framing, drivers=s.drivers, resistance=resistance,
        uncurated=_uncurated(s.rows, s.interp, s.index, s.plasma.excluded if s.plasma else frozenset()),
        equivocal=_equivocal_genes(s.copy_numbers, s.index),
        against=[drug_label(drugs[f.resistance_to]) for f in resistance if f.resistance_to],
        latest=drug_label(drugs[targeted_given[-1]]) if targeted_given else None, driver_genes=s.index.driver_genes,
        transformation=_transformation_words(s.plasma),
    )
    uninformative = not_informative_headline(s.plasma, framing, bool(resistance), any(d.source == "plasma" for d in s.drivers))
    return Summary(
        framing=framing,
        headline=uninformative + _not_curated(facts) if uninformative else _headline(facts),
        uncurated=[u.label for u in facts.uncurated],
        resistance_mechanisms=[
            f"{f.alteration}: {RESISTANCE_KIND[f.role]} resistance"
            + (f" to {drug_label(drugs[f.resistance_to])}" if f.resistance_to else "") + _clonality_note(f.alteration, s.rows)
            for f in resistance
        ],
        top_therapies=[f"{t.regimen} (level {t.evidence[0].level}, {t.evidence[0].type.replace('_', ' ')})" for t in s.offered][:3],
        cannot_exclude=_cannot_exclude(s) if framing == "resistance" else [],
        flags=[*plasma_flags(s.plasma, uninformative is not None, frozenset(f.alteration for f in resistance)), *s.interp.flags, *s.options.flags, *_driver_gene_cautions(facts), *(
            f"{gene} copy number is equivocal (its interval spans the amplification threshold): not called an amplification"
            " and not ruled out; confirm with an orthogonal test before acting on it." for gene in facts.equivocal)],
    )


def _clonality_note(label: str, rows: Sequence[AlterationRow]) -> str:
    """" (clonal, cell fraction 0.95)" for a small variant with a cell fraction; copy number and fusions have none."""
    c = next((r.clonality for r in rows if r.label == label and r.clonality is not None), None)
    if c is None or c.ccf is None or c.label == "unknown":
        return ""
    return f" ({c.label}, cell fraction {c.ccf:.2f})"


def _cannot_exclude(s: SummaryInputs) -> list[str]:
    """What a negative plasma result cannot exclude: from the assessed negatives (what each absence means in this
    sample's data), else what plasma cannot show and the amplifications copy number could not have shown."""
    if s.negatives is not None:
        return cannot_exclude_lines(s.negatives)
    return [a.name for a in s.interp.cannot_exclude] + _cn_cannot_exclude(s.copy_numbers, s.index, s.interp, s.copy_number_assessed)


def _cn_cannot_exclude(copy_numbers: list[GeneCopyNumber], index: KbIndex, interp: Interpretation, assessed: bool) -> list[str]:
    """Amplifications relevant to this driver context that the data could not have shown."""
    relevant = {
        a.gene for m in index.kb.mechanisms if any(c.driver in interp.context_groups for c in m.contexts)
        for a in index.kb.alterations if a.id in m.alterations and a.kind == "amplification" and a.gene
    }
    if not assessed:
        return [f"{g} amplification (copy number not assessed)" for g in sorted(relevant)] if relevant else []
    return [f"{c.gene} amplification (tumor fraction too low to see it)" for c in copy_numbers if c.status == "cannot_exclude" and c.gene in relevant]


def _driver_gene_cautions(facts: Headline) -> list[str]:
    """An uncurated change in the driver gene after its targeted therapy may be on-target resistance the knowledgebase
    does not know: options that keep the current drug assume it still works."""
    if facts.framing != "resistance":
        return []
    genes = {d.gene for d in facts.drivers}
    return [
        f"{label} is in the driver gene and not curated in this context: it may be on-target resistance to {facts.latest};"
        f" options that keep {facts.latest} assume it still works."
        for label, gene in facts.uncurated if gene in genes
    ]


def _equivocal_genes(copy_numbers: list[GeneCopyNumber], index: KbIndex) -> list[str]:
    """Genes with a curated amplification whose copy-number interval spans its threshold: neither called nor ruled out."""
    amplifiable = {a.gene for a in index.kb.alterations if a.kind == "amplification" and not a.deprecated}
    return [c.gene for c in copy_numbers if c.status == "equivocal" and c.gene in amplifiable]


def _not_curated(facts: Headline) -> str:
    uncurated = [u.label for u in facts.uncurated]
    text = f" Not curated in this context: {', '.join(uncurated)}." if uncurated else ""
    if facts.equivocal:
        text += f" Equivocal copy number: {', '.join(facts.equivocal)}."
    return text


def _headline(facts: Headline) -> str:
    """Page 1's first line. Every claim is bounded by the knowledgebase: 'none in this knowledgebase' is not 'none'."""
    drivers = [f"{d.alteration} ({d.source})" for d in facts.drivers]
    not_curated = _not_curated(facts)
    if facts.framing == "diagnostic":
        if not drivers:
            in_driver_genes = [label for label, gene in facts.uncurated if gene in facts.driver_genes]
            if in_driver_genes:
                # A driver class the knowledgebase does not name (EGFR exon 18 deletion, a rare fusion) is still a driver.
                return (f"Primary driver not curated in this knowledgebase: {', '.join(in_driver_genes)}"
                        " in a driver gene may be the driver; review it." + not_curated)
            return "No primary driver in this knowledgebase was identified in plasma, and none was stated." + not_curated
        return f"Primary driver{'s' if len(drivers) > 1 else ''} in this knowledgebase: {', '.join(drivers)}; no targeted therapy given yet." + not_curated
    if facts.resistance:
        names = ", ".join(f.alteration for f in facts.resistance)
        drugs_named = list(dict.fromkeys(facts.against))
        after = f" after {' / '.join(drugs_named)}" if drugs_named else ""
        return f"Resistance mechanism(s) in this knowledgebase detected{after}: {names}." + not_curated
    if facts.transformation:
        return (f"No genomic resistance mechanism in this knowledgebase detected after {facts.latest}, but a possible"
                f" small-cell transformation signal: {facts.transformation}; consider a tissue re-biopsy." + not_curated)
    return f"No resistance mechanism in this knowledgebase detected after {facts.latest}." + not_curated


def _transformation_words(plasma: PlasmaReading | None) -> str | None:
    t = plasma.transformation if plasma else None
    return None if t is None else f"{t.tp53} with {', '.join(t.rb1)}"


def _uncurated(rows: list[AlterationRow], interp: Interpretation, index: KbIndex, excluded: frozenset[tuple]) -> list[Uncurated]:
    """Alterations in a driver or resistance gene that passed the caller's filters but that the knowledgebase
    does not interpret here: page 1 names them, so that 'not curated' is never read as 'no meaning'.

    Small variants are named when they change the protein; variants without a protein annotation cannot be
    judged and are counted in one line; synonymous ones are left out, and so are those the plasma reading left out
    (clonal hematopoiesis, possibly germline: the plasma section says why). Each with the knowledgebase gene it is filed
    under (a fusion's label names both partners)."""
    kb = index.kb
    mechanism_ids = {a for m in kb.mechanisms if not m.deprecated for a in m.alterations}
    genes = {a.gene for a in kb.alterations if a.gene and (a.driver or a.id in mechanism_ids)}
    by_obs = {f.match.observed: f for f in interp.findings}
    out: list[Uncurated] = []
    unannotated = 0
    for r in rows:
        obs = r.observation
        if obs.filter != "PASS" or obs.gene not in genes or obs.identity in excluded:
            continue
        f = by_obs.get(obs)
        if f is not None and not f.uncurated:
            continue
        if isinstance(obs, (SmallVariant, ProteinChange)) and (not obs.hgvsp or obs.hgvsp.endswith("=")):
            unannotated += not obs.hgvsp
            continue
        out.append(Uncurated(obs.label, obs.gene))
    if unannotated:
        out.append(Uncurated(f"{unannotated} variant(s) without a protein annotation (see the small-variant table)", ""))
    return list(dict.fromkeys(out))

