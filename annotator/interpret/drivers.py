"""The primary driver(s) of a sample, and what the reader must be told about them.

Primary driver(s): the stated driver (``--driver``) plus every plasma driver-capable alteration
that is not explained as a resistance mechanism of another driver present, a context explaining it
only when its condition (``after``) is met by the prior therapy: concurrent drivers in a patient who
has had no targeted drug for either are both primary, and flagged. If the plasma drivers explain each
other (a cycle), those the patient received a targeted drug for win; failing that, all are primary.
After a drug restricted to one allele (KRAS G12C), another allele of that gene is never a second driver.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, NamedTuple

from annotator.interpret.prior import context_applies, targets
from annotator.kb.index import KbIndex
from annotator.kb.schema import Drug, Knowledgebase, Mechanism, MechanismContext
from annotator.matching import Match
from annotator.models import Observation


@dataclass(frozen=True)
class StatedDriver:
    text: str
    gene: str
    kb_id: str | None


def parse_stated_driver(text: str | None, index: KbIndex) -> StatedDriver | None:
    """'EGFR L858R', 'EGFR exon 19 deletion', 'EML4::ALK', 'ALK fusion' -> a driver alteration."""
    if not text or not text.strip():
        return None
    norm = " ".join(text.replace("-", " ").split()).lower()
    drivers = [a for a in index.kb.alterations if a.driver and not a.deprecated]
    for a in drivers:
        names = {a.name.lower(), a.id.lower().replace("_", " "), *(f"{a.gene} {p}".lower() for p in a.protein)}
        if a.fusion and a.fusion.gene5 and a.fusion.gene3:
            names.add(f"{a.fusion.gene5}::{a.fusion.gene3}".lower())
        if a.gene and norm in {" ".join(n.replace("-", " ").split()) for n in names}:
            return StatedDriver(text, a.gene, a.id)
    token = re.split(r"[\s:]+", text.strip())[0]
    gene = index.symbol(token)
    if gene and gene in {a.gene for a in drivers}:
        return StatedDriver(text, gene, None)
    return None


class MechanismInContext(NamedTuple):
    """One driver context of a resistance mechanism an observation matched."""

    mechanism: Mechanism
    context: MechanismContext


@dataclass(frozen=True)
class Sample:
    """What roles are judged against: prior therapy in order, the stated driver, and the tumor type's name."""

    index: KbIndex
    priors: list[Drug]
    stated: StatedDriver | None
    disease: str  # the knowledgebase's name for the tumor type, used in statements ("EGFR-driven NSCLC")


@dataclass(frozen=True)
class Mechanisms:
    """The (non-deprecated) mechanisms of each alteration id, to list the resistance contexts of a match."""

    of_alteration: dict[str, list[Mechanism]]

    @classmethod
    def of(cls, kb: Knowledgebase) -> Mechanisms:
        out: dict[str, list[Mechanism]] = {}
        for m in kb.mechanisms:
            if not m.deprecated:
                for a in m.alterations:
                    out.setdefault(a, []).append(m)
        return cls(out)

    def contexts(self, match: Match) -> list[MechanismInContext]:
        """Every context of every mechanism any hit of ``match`` belongs to, each once, in knowledgebase order."""
        seen: set[tuple[str, int]] = set()
        out = []
        for hit in match.hits:
            for mech in self.of_alteration.get(hit.kb.id, []):
                for i, ctx in enumerate(mech.contexts):
                    if (mech.id, i) not in seen:
                        seen.add((mech.id, i))
                        out.append(MechanismInContext(mech, ctx))
        return out


@dataclass(frozen=True)
class Drivers:
    """The primary drivers chosen among the plasma driver-capable alterations (and the stated driver)."""

    gene_of: dict[Observation, str]  # driver-capable plasma alterations (passing filters) -> their driver gene
    primary_obs: list[Match]
    primary: set[str]  # genes of the primary drivers, plasma or stated
    second_alleles: set[Observation]  # another allele of a gene locked to an allele-specific drug's allele
    implied: set[str]  # without a stated driver: the drivers the prior targeted therapy implies

    @property
    def primary_observations(self) -> set[Observation]:
        return {m.observed for m in self.primary_obs}

    @property
    def context_groups(self) -> set[str]:
        """The driver contexts findings are read in: the primary drivers, else those implied by prior therapy."""
        return self.primary or self.implied


def choose_drivers(passing: list[Match], sample: Sample, mechanisms: Mechanisms) -> Drivers:
    """Primary drivers: driver-capable alterations not explained as resistance of another driver present."""
    index, priors, stated = sample.index, sample.priors, sample.stated
    gene_of = {m.observed: gene for m in passing if (gene := next((h.kb.gene for h in m.hits if h.kb.driver), None))}
    candidates = [m for m in passing if m.observed in gene_of]
    # Without a stated driver, targeted therapy already given implies its driver (a tumor shedding
    # little DNA may show only the resistance alteration): KRAS G12D after osimertinib is read in
    # the EGFR context, and the report says so.
    implied = set() if stated else {t.gene for d in priors for t in d.tki_for} & index.driver_genes

    # Allele-specific drivers: after a drug restricted to one allele (a KRAS G12C inhibitor) given for that
    # allele, another allele of the same gene is never a second driver.
    # The drug implies its allele even when plasma does not show it (low shedding): the gene is locked to it.
    allele_of_drug = {d.allele_specific for d in priors if d.allele_specific}
    locked: dict[str, Observation | None] = {gene: None for a in allele_of_drug if (gene := index.alteration(a).gene)}
    locked |= {gene_of[m.observed]: m.observed for m in candidates if allele_of_drug & m.kb_ids}

    def explainers(m: Match) -> set[str]:
        """Drivers present whose resistance context (its condition met by the prior therapy) explains ``m``."""
        own = gene_of[m.observed]
        out = set()
        for _, ctx in mechanisms.contexts(m):
            i = context_applies(ctx, priors)
            if i is None:
                continue
            if priors[i].allele_specific in m.kb_ids:
                continue  # the drug's own target is not resistance to it
            others = {gene_of[o.observed] for o in candidates if o is not m}
            present = others | ({stated.gene} if stated else set()) | implied
            same_gene_driver = own in others or (stated and stated.gene == own) or (own in locked and locked[own] is not m.observed)
            if ctx.driver in present and (ctx.driver != own or same_gene_driver):
                out.add(ctx.driver)
        return out

    explained = {m.observed: explainers(m) for m in candidates}
    not_second = {m.observed for m in candidates if gene_of[m.observed] in locked and locked[gene_of[m.observed]] != m.observed}
    primary_obs = [m for m in candidates if not explained[m.observed] and m.observed not in not_second]
    primary = ({stated.gene} if stated else set()) | {gene_of[m.observed] for m in primary_obs}
    if candidates and not primary_obs and not stated:
        # Every plasma driver is explained by another one (a cycle) or by the implied driver.
        treated = {m for m in candidates if any(targets(d, gene_of[m.observed]) for d in priors) and m.observed not in not_second}
        if treated:
            primary_obs = sorted(treated, key=candidates.index)
        elif not {g for m in candidates for g in explained[m.observed]} <= implied:
            primary_obs = [m for m in candidates if m.observed not in not_second]
        primary |= {gene_of[m.observed] for m in primary_obs}
    return Drivers(gene_of, primary_obs, primary, not_second, implied)


def driver_flags(drivers: Drivers, sample: Sample) -> list[str]:
    """What the reader must know about the drivers: implied, concurrent, two alleles, or not the stated one."""
    return [*_implied_context_flag(drivers), *_concurrent_drivers_flag(drivers, sample),
            *_same_gene_alleles_flags(drivers, sample.index), *_stated_not_detected_flag(drivers, sample.stated)]


def _implied_context_flag(drivers: Drivers) -> list[str]:
    if drivers.primary or not drivers.implied:
        return []
    context = "/".join(sorted(drivers.implied))
    return [
        f"No {context} driver was detected in plasma or stated; findings are interpreted in the {context}-driven"
        f" context implied by the prior therapy. Give the driver with --driver to confirm."
    ]


def _concurrent_drivers_flag(drivers: Drivers, sample: Sample) -> list[str]:
    if len(drivers.primary) <= 1:
        return []
    untreated = not any(targets(d, g) for d in sample.priors for g in drivers.primary)
    return [
        "More than one primary oncogenic driver: " + ", ".join(sorted(drivers.primary))
        + (" (no targeted therapy for either yet, so neither is read as resistance to the other)" if untreated else "")
        + f". Concurrent drivers are unusual in {sample.disease}; confirm in tissue or a repeat sample."
    ]


def _same_gene_alleles_flags(drivers: Drivers, index: KbIndex) -> list[str]:
    same_gene: dict[str, list[Match]] = {}
    for m in drivers.primary_obs:
        same_gene.setdefault(drivers.gene_of[m.observed], []).append(m)
    return [
        f"More than one {gene} driver allele: {', '.join(m.observed.label for m in ms)}; options restricted to one allele"
        " apply only to the tumor cells that carry it. Confirm which allele is clonal (VAF, tissue)."
        for gene, ms in sorted(same_gene.items()) if len(ms) > 1 and any(index.allele_specific_drugs(m.kb_ids) for m in ms)
    ]


def _stated_not_detected_flag(drivers: Drivers, stated: StatedDriver | None) -> list[str]:
    plasma_groups = set(drivers.gene_of.values())
    if not (stated and plasma_groups and stated.gene not in plasma_groups):
        return []
    unexplained = sorted({drivers.gene_of[m.observed] for m in drivers.primary_obs})
    if not unexplained:
        return []
    return [f"The stated driver ({stated.text}) was not detected in plasma, which shows {', '.join(unexplained)} instead; both are reported."]


def driver_source(drivers: Drivers, stated: StatedDriver | None) -> Literal["plasma", "stated"] | None:
    if stated:
        return "plasma" if stated.gene in {drivers.gene_of[m.observed] for m in drivers.primary_obs} else "stated"
    return "plasma" if drivers.primary else None
