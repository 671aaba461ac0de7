"""Give each match its role in this sample's context.

Pure, and every clinical rule comes from the knowledgebase: which alterations can be a primary
driver (``driver: true``), in which driver contexts and after which prior therapies an alteration
is on-target or bypass resistance (mechanism contexts), and which regimens answer it.

Primary driver(s): the stated driver (``--driver``) plus every plasma driver-capable alteration
that is not explained as a resistance mechanism of another driver present, a context explaining it
only when its condition (``after``) is met by the prior therapy: concurrent drivers in a patient who
has had no targeted drug for either are both primary, and flagged. If the plasma drivers explain each
other (a cycle), those the patient received a targeted drug for win; failing that, all are primary.
After a drug restricted to one allele (KRAS G12C), another allele of that gene is never a second driver.

Options (regimens) and trials are chosen from these findings in :mod:`annotator.options`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from annotator.config import FUSION_CONFIDENCE_LEVELS, CallThresholds
from annotator.kb.index import KbIndex
from annotator.kb.schema import Alteration as KbAlteration
from annotator.kb.schema import RESISTANCE_KIND, Drug, Mechanism, MechanismContext, Role, TherapyCondition
from annotator.matching import Match
from annotator.models import Fusion, Observation

RESISTANCE_ROLES = tuple(RESISTANCE_KIND)


@dataclass(frozen=True)
class StatedDriver:
    text: str
    gene: str
    kb_id: str | None


@dataclass(frozen=True)
class Finding:
    match: Match
    role: Role
    statement: str
    mechanism: Mechanism | None = None
    context: MechanismContext | None = None
    against: str | None = None  # drug id the resistance is to
    uncurated: bool = False  # the knowledgebase gives it no meaning in this context (not: it has none)


@dataclass
class Interpretation:
    findings: list[Finding]
    primary_groups: list[str]
    driver_source: Literal["plasma", "stated"] | None
    flags: list[str] = field(default_factory=list)
    cannot_exclude: list[KbAlteration] = field(default_factory=list)
    context_groups: list[str] = field(default_factory=list)  # primary drivers, else those implied by prior therapy


def resolve_prior_therapies(names: list[str], index: KbIndex) -> tuple[list[Drug], list[str]]:
    """Drugs for the given names in order of administration, and the names not recognised.

    Synonyms and code names resolve (AZD9291 = osimertinib); a combination written in one value
    ("osimertinib + savolitinib") gives both drugs; a drug given again moves to its latest place.
    """
    found: list[Drug] = []
    unknown: list[str] = []
    for name in names:
        parts = [p for p in re.split(r"\s*(?:\+|/|,|;|\band\b)\s*", name.strip()) if p] or [name]
        for part in parts:
            drug = index.drug(part)
            if drug is None:
                unknown.append(part)
                continue
            if drug in found:
                found.remove(drug)
            found.append(drug)
    return found, unknown


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
        if norm in {" ".join(n.replace("-", " ").split()) for n in names}:
            return StatedDriver(text, a.gene, a.id)
    token = re.split(r"[\s:]+", text.strip())[0]
    gene = index.symbol(token)
    if gene and gene in {a.gene for a in drivers}:
        return StatedDriver(text, gene, None)
    return None


def _targets(drug: Drug, group: str) -> list[int | None]:
    return [t.generation for t in drug.tki_for if t.gene == group]


def latest_for(priors: list[Drug], driver: str | None) -> Drug | None:
    """The most recent prior drug that is a targeted therapy for ``driver``."""
    return next((d for d in reversed(priors) if driver and _targets(d, driver)), None)


def is_systemic(drug: Drug, index: KbIndex) -> bool:
    """A drug a patient receives (every class but preclinical tool compounds)."""
    return any(index.drug_class(c).category != "tool_compound" for c in drug.classes)


def condition_holds(cond: TherapyCondition, priors: list[Drug], driver: str | None, index: KbIndex) -> bool:
    """Whether this patient's prior therapies satisfy ``cond`` (empty: always), and its ``also`` condition."""
    if cond.also is not None and not condition_holds(cond.also, priors, driver, index):
        return False
    if cond.is_empty():
        return True
    if cond.any_systemic and any(is_systemic(d, index) for d in priors):
        return True
    latest = latest_for(priors, driver)
    candidates = ([latest] if latest else []) if cond.most_recent else priors
    return any(cond.matches_drug(d, driver) for d in candidates)


def context_applies_after(ctx: MechanismContext, drug: Drug) -> bool:
    """Whether resistance in ``ctx`` is resistance to ``drug`` (a targeted drug for the context's driver)."""
    if not _targets(drug, ctx.driver):
        return False
    return ctx.after.is_empty() or ctx.after.matches_drug(drug, ctx.driver)


def _context_applies(ctx: MechanismContext, priors: list[Drug]) -> int | None:
    """Index in ``priors`` of the most recent drug that makes this resistance context apply, else None.

    On-target mutations are judged against the most recent drug for the driver only: EGFR T790M
    explains progression on gefitinib, not on the osimertinib given after it. Bypass mechanisms act
    at pathway level, so any earlier targeted drug for the driver named by the context counts.
    """
    for i in range(len(priors) - 1, -1, -1):
        drug = priors[i]
        if not _targets(drug, ctx.driver):
            continue
        if context_applies_after(ctx, drug):
            return i
        if ctx.role == "on_target_resistance":
            return None
    return None


def caller_verdict(match: Match, calls: CallThresholds) -> str | None:
    """Why a fusion call gets no role (the caller's confidence or predicted frame), else None.

    Below ``fusion_min_confidence``, or (with ``fusion_require_in_frame``) predicted out of frame or into a stop
    codon, a call is shown for review only, unless every knowledgebase entry it matched is ``frame_independent``
    (which exempts the frame, never the confidence). A call whose caller states neither is not judged here."""
    obs = match.observed
    if not isinstance(obs, Fusion):
        return None
    caller = obs.caller or obs.source
    reasons = []
    if obs.confidence is not None and FUSION_CONFIDENCE_LEVELS.index(obs.confidence) < FUSION_CONFIDENCE_LEVELS.index(calls.fusion_min_confidence):
        reasons.append(f"{obs.confidence} confidence ({caller}), below the required {calls.fusion_min_confidence}")
    frame_free = all(h.kb.frame_independent for h in match.hits)
    if calls.fusion_require_in_frame and obs.reading_frame in ("out-of-frame", "stop-codon") and not frame_free:
        reasons.append(f"{obs.reading_frame} ({caller})")
    return "; ".join(reasons) if reasons else None


def interpret(
    matches: list[Match],
    index: KbIndex,
    priors: list[Drug],
    stated: StatedDriver | None,
    calls: CallThresholds | None = None,
    *,
    disease: str,
) -> Interpretation:
    """``disease``: the knowledgebase's name for the tumor type, used in statements ("EGFR-driven NSCLC")."""
    kb = index.kb
    calls = calls or CallThresholds()
    mechanisms_of: dict[str, list[Mechanism]] = {}
    for m in kb.mechanisms:
        if not m.deprecated:
            for a in m.alterations:
                mechanisms_of.setdefault(a, []).append(m)

    def contexts(match: Match) -> list[tuple[Mechanism, MechanismContext]]:
        seen, out = set(), []
        for hit in match.hits:
            for mech in mechanisms_of.get(hit.kb.id, []):
                for i, ctx in enumerate(mech.contexts):
                    if (mech.id, i) not in seen:
                        seen.add((mech.id, i))
                        out.append((mech, ctx))
        return out

    # Keyed by the (frozen, hashable) observation: each observation has one match.
    verdicts = {m.observed: caller_verdict(m, calls) for m in matches}
    passing = [m for m in matches if m.observed.filter == "PASS" and verdicts[m.observed] is None]
    driver_capable = {m.observed: next((h.kb.gene for h in m.hits if h.kb.driver), None) for m in passing}
    candidates = [m for m in passing if driver_capable[m.observed]]
    flags: list[str] = []
    # Without a stated driver, targeted therapy already given implies its driver (a tumor shedding
    # little DNA may show only the resistance alteration): KRAS G12D after osimertinib is read in
    # the EGFR context, and the report says so.
    implied = set() if stated else {t.gene for d in priors for t in d.tki_for} & index.driver_genes

    # Allele-specific drivers: after a drug restricted to one allele (a KRAS G12C inhibitor) given for that
    # allele, another allele of the same gene is never a second driver.
    # The drug implies its allele even when plasma does not show it (low shedding): the gene is locked to it.
    allele_of_drug = {d.allele_specific for d in priors if d.allele_specific}
    locked: dict[str, Observation | None] = {gene: None for a in allele_of_drug if (gene := index.alteration(a).gene)}
    locked |= {driver_capable[m.observed]: m.observed for m in candidates if allele_of_drug & m.kb_ids}

    def explainers(m: Match) -> set[str]:
        """Drivers present whose resistance context (its condition met by the prior therapy) explains ``m``."""
        own = driver_capable[m.observed]
        out = set()
        for _, ctx in contexts(m):
            i = _context_applies(ctx, priors)
            if i is None:
                continue
            if priors[i].allele_specific in m.kb_ids:
                continue  # the drug's own target is not resistance to it
            others = {driver_capable[o.observed] for o in candidates if o is not m}
            present = others | ({stated.gene} if stated else set()) | implied
            same_gene_driver = own in others or (stated and stated.gene == own) or (own in locked and locked[own] is not m.observed)
            if ctx.driver in present and (ctx.driver != own or same_gene_driver):
                out.add(ctx.driver)
        return out

    explained = {m.observed: explainers(m) for m in candidates}
    not_second = {m.observed for m in candidates if driver_capable[m.observed] in locked and locked[driver_capable[m.observed]] != m.observed}
    primary_obs = [m for m in candidates if not explained[m.observed] and m.observed not in not_second]
    primary = ({stated.gene} if stated else set()) | {driver_capable[m.observed] for m in primary_obs}
    plasma_groups = {g for g in driver_capable.values() if g}
    if candidates and not primary_obs and not stated:
        # Every plasma driver is explained by another one (a cycle) or by the implied driver.
        treated = {m for m in candidates if any(_targets(d, driver_capable[m.observed]) for d in priors) and m.observed not in not_second}
        if treated:
            primary_obs = sorted(treated, key=candidates.index)
        elif not {g for m in candidates for g in explained[m.observed]} <= implied:
            primary_obs = [m for m in candidates if m.observed not in not_second]
        primary |= {driver_capable[m.observed] for m in primary_obs}
    interpret_in = primary or implied
    if interpret_in and not primary:
        context = "/".join(sorted(interpret_in))
        flags.append(
            f"No {context} driver was detected in plasma or stated; findings are interpreted in the {context}-driven"
            f" context implied by the prior therapy. Give the driver with --driver to confirm."
        )
    if len(primary) > 1:
        untreated = not any(_targets(d, g) for d in priors for g in primary)
        flags.append(
            "More than one primary oncogenic driver: " + ", ".join(sorted(primary))
            + (" (no targeted therapy for either yet, so neither is read as resistance to the other)" if untreated else "")
            + f". Concurrent drivers are unusual in {disease}; confirm in tissue or a repeat sample."
        )
    same_gene = {}
    for m in primary_obs:
        same_gene.setdefault(driver_capable[m.observed], []).append(m)
    for gene, ms in sorted(same_gene.items()):
        if len(ms) > 1 and any(index.allele_specific_drugs(m.kb_ids) for m in ms):
            flags.append(
                f"More than one {gene} driver allele: {', '.join(m.observed.label for m in ms)}; options restricted to one allele"
                " apply only to the tumor cells that carry it. Confirm which allele is clonal (VAF, tissue)."
            )
    if stated and plasma_groups and stated.gene not in plasma_groups:
        unexplained = sorted({driver_capable[m.observed] for m in primary_obs})
        if unexplained:
            flags.append(
                f"The stated driver ({stated.text}) was not detected in plasma, which shows"
                f" {', '.join(unexplained)} instead; both are reported."
            )
    if stated and stated.gene in {driver_capable[m.observed] for m in primary_obs}:
        source = "plasma"
    elif stated:
        source = "stated"
    else:
        source = "plasma" if primary else None

    primary_set = {m.observed for m in primary_obs}
    findings = [
        _role(m, m.observed in primary_set, m.observed in not_second, priors, contexts(m), interpret_in, disease)
        if verdicts[m.observed] is None or m.observed.filter != "PASS"
        else Finding(m, "other", f"{m.best.kb.name} ({m.observed.label}): {verdicts[m.observed]}: no resistance or driver role; shown for review only.")
        for m in matches
    ]
    relevant_ids = {
        a for m in kb.mechanisms if not m.deprecated and any(ctx.driver in interpret_in for ctx in m.contexts) for a in m.alterations
    }
    cannot = [a for a in kb.alterations if a.id in relevant_ids and a.kind == "not_in_plasma_dna" and not a.deprecated]
    return Interpretation(findings, sorted(primary), source, flags, cannot, sorted(interpret_in))


def _role(match: Match, is_primary: bool, second_allele: bool, priors: list[Drug],
          ctxs: list[tuple[Mechanism, MechanismContext]], contexts_for: set[str], disease: str) -> Finding:
    name = match.best.kb.name
    if match.observed.filter != "PASS":
        return Finding(match, "other", f"{name} did not pass the caller's filters ({match.observed.filter}); shown for review only.")
    if is_primary:
        return Finding(match, "primary_driver", f"{name} is the primary oncogenic driver detected in plasma.")
    relevant = [(m, c) for m, c in ctxs if c.driver in contexts_for]
    applicable = [(i, n, m, c) for n, (m, c) in enumerate(relevant) if (i := _context_applies(c, priors)) is not None
                  and priors[i].allele_specific not in match.kb_ids]
    if applicable:
        # The context explaining resistance to the most recent drug wins; KB order breaks ties.
        i, _, mech, ctx = max(applicable, key=lambda a: (a[0], -a[1]))
        drug = priors[i]
        kind = RESISTANCE_KIND[ctx.role]
        text = f"{name} is {'an' if kind[0] in 'aeiou' else 'a'} {kind} resistance mechanism to {drug_label(drug)} in {ctx.driver}-driven {disease}."
        return Finding(match, ctx.role, text, mech, ctx, drug.id)
    if second_allele:
        gene = match.best.kb.gene
        return Finding(
            match, "other",
            f"{name} is a second {gene} allele after a drug restricted to another {gene} allele: not a second driver. Its"
            f" resistance meaning is not curated in this knowledgebase in this context.", uncurated=True,
        )
    for mech, ctx in relevant:
        if not any(_targets(d, ctx.driver) for d in priors):
            text = (
                f"{name} is known in {ctx.driver}-driven {disease} as resistance acquired on {ctx.driver}-targeted therapy;"
                f" no {ctx.driver}-targeted therapy is among the recognised prior therapies, so here it is a co-alteration."
                f" Its effect on first-line {ctx.driver}-targeted therapy is not curated in this knowledgebase."
            )
            return Finding(match, "co_alteration", text, mech, ctx)
    if relevant:
        mech, ctx = relevant[0]
        latest = next(d for d in reversed(priors) if _targets(d, ctx.driver))
        kind = RESISTANCE_KIND[ctx.role]
        return Finding(
            match, "other",
            f"{name} is a known {kind} resistance mechanism in {ctx.driver}-driven {disease}, but not to {drug_label(latest)},"
            f" the most recent {ctx.driver}-targeted therapy; it does not explain progression on it.",
            mech, ctx, uncurated=True,
        )
    return Finding(match, "other", f"{name} is in the knowledgebase but not curated in this context.", uncurated=True)


def drug_label(drug: Drug) -> str:
    """INN in running text: lower case unless the name is a code or brand-like mixed case."""
    name = drug.name
    return name[0].lower() + name[1:] if name[:1].isupper() and name[1:].islower() else name
