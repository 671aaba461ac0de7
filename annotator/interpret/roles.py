"""Give each match its role in this sample's context (driver, resistance, co-alteration, other).

Pure, and every clinical rule comes from the knowledgebase: which alterations can be a primary
driver (``driver: true``), in which driver contexts and after which prior therapies an alteration
is on-target or bypass resistance (mechanism contexts). The drivers are chosen in
:mod:`annotator.interpret.drivers`; options and trials from these findings in :mod:`annotator.options`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from annotator.config import FUSION_CONFIDENCE_LEVELS, CallThresholds
from annotator.interpret.drivers import (
    Drivers,
    MechanismInContext,
    Mechanisms,
    Sample,
    StatedDriver,
    choose_drivers,
    driver_flags,
    driver_source,
)
from annotator.interpret.prior import context_applies, drug_label, targets
from annotator.kb.index import KbIndex
from annotator.kb.schema import RESISTANCE_KIND, Drug, Knowledgebase, Mechanism, MechanismContext, Role
from annotator.kb.schema import Alteration as KbAlteration
from annotator.matching import Match
from annotator.models import Fusion

RESISTANCE_ROLES = tuple(RESISTANCE_KIND)


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


class _Applicable(NamedTuple):
    """A context whose condition the prior therapy meets: the prior drug it is resistance to, and its KB order."""

    prior: int  # index in the priors of the drug it explains progression on
    order: int
    mechanism: Mechanism
    context: MechanismContext


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
    sample = Sample(index, priors, stated, disease)
    mechanisms = Mechanisms.of(index.kb)
    thresholds = calls or CallThresholds()
    # Keyed by the (frozen, hashable) observation: each observation has one match.
    verdicts = {m.observed: caller_verdict(m, thresholds) for m in matches}
    passing = [m for m in matches if m.observed.filter == "PASS" and verdicts[m.observed] is None]
    drivers = choose_drivers(passing, sample, mechanisms)
    findings = [
        _role(m, sample, drivers, mechanisms)
        if verdicts[m.observed] is None or m.observed.filter != "PASS"
        else Finding(m, "other", f"{m.best.kb.name} ({m.observed.label}): {verdicts[m.observed]}: no resistance or driver role; shown for review only.")
        for m in matches
    ]
    return Interpretation(findings, sorted(drivers.primary), driver_source(drivers, stated), driver_flags(drivers, sample),
                          _cannot_exclude(index.kb, drivers.context_groups), sorted(drivers.context_groups))


def _cannot_exclude(kb: Knowledgebase, context_groups: set[str]) -> list[KbAlteration]:
    """Mechanisms of these driver contexts that plasma DNA cannot show (protein expression, histology)."""
    relevant_ids = {
        a for m in kb.mechanisms if not m.deprecated and any(ctx.driver in context_groups for ctx in m.contexts) for a in m.alterations
    }
    return [a for a in kb.alterations if a.id in relevant_ids and a.kind == "not_in_plasma_dna" and not a.deprecated]


def _role(match: Match, sample: Sample, drivers: Drivers, mechanisms: Mechanisms) -> Finding:
    name = match.best.kb.name
    priors, disease = sample.priors, sample.disease
    if match.observed.filter != "PASS":
        return Finding(match, "other", f"{name} did not pass the caller's filters ({match.observed.filter}); shown for review only.")
    if match.observed in drivers.primary_observations:
        return Finding(match, "primary_driver", f"{name} is the primary oncogenic driver detected in plasma.")
    relevant = [mc for mc in mechanisms.contexts(match) if mc.context.driver in drivers.context_groups]
    applicable = [_Applicable(i, n, mech, ctx) for n, (mech, ctx) in enumerate(relevant)
                  if (i := context_applies(ctx, priors)) is not None and priors[i].allele_specific not in match.kb_ids]
    if applicable:
        # The context explaining resistance to the most recent drug wins; KB order breaks ties.
        best = max(applicable, key=lambda a: (a.prior, -a.order))
        drug, ctx = priors[best.prior], best.context
        kind = RESISTANCE_KIND[ctx.role]
        text = f"{name} is {'an' if kind[0] in 'aeiou' else 'a'} {kind} resistance mechanism to {drug_label(drug)} in {ctx.driver}-driven {disease}."
        return Finding(match, ctx.role, text, best.mechanism, ctx, drug.id)
    if match.observed in drivers.second_alleles:
        gene = match.best.kb.gene
        return Finding(
            match, "other",
            f"{name} is a second {gene} allele after a drug restricted to another {gene} allele: not a second driver. Its"
            f" resistance meaning is not curated in this knowledgebase in this context.", uncurated=True,
        )
    return _unexplained_role(match, sample, relevant)


def _unexplained_role(match: Match, sample: Sample, relevant: list[MechanismInContext]) -> Finding:
    """A finding no context applies to: a co-alteration before targeted therapy, else known resistance to another drug."""
    name, priors, disease = match.best.kb.name, sample.priors, sample.disease
    for mech, ctx in relevant:
        if not any(targets(d, ctx.driver) for d in priors):
            text = (
                f"{name} is known in {ctx.driver}-driven {disease} as resistance acquired on {ctx.driver}-targeted therapy;"
                f" no {ctx.driver}-targeted therapy is among the recognised prior therapies, so here it is a co-alteration."
                f" Its effect on first-line {ctx.driver}-targeted therapy is not curated in this knowledgebase."
            )
            return Finding(match, "co_alteration", text, mech, ctx)
    if relevant:
        mech, ctx = relevant[0]
        latest = next(d for d in reversed(priors) if targets(d, ctx.driver))
        kind = RESISTANCE_KIND[ctx.role]
        return Finding(
            match, "other",
            f"{name} is a known {kind} resistance mechanism in {ctx.driver}-driven {disease}, but not to {drug_label(latest)},"
            f" the most recent {ctx.driver}-targeted therapy; it does not explain progression on it.",
            mech, ctx, uncurated=True,
        )
    return Finding(match, "other", f"{name} is in the knowledgebase but not curated in this context.", uncurated=True)
