"""Prior therapy: the drugs a patient received, in order, and whether a condition on them holds.

Conditions come from the knowledgebase (``after`` of regimens, trials and mechanism contexts); a drug is a
targeted therapy for a driver when the knowledgebase lists the driver in its ``tki_for``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from annotator.kb.index import KbIndex
from annotator.kb.schema import Drug, MechanismContext, TherapyCondition


class PriorTherapies(NamedTuple):
    drugs: list[Drug]  # in order of administration
    unknown: list[str]  # names not recognised


def resolve_prior_therapies(names: list[str], index: KbIndex) -> PriorTherapies:
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
    return PriorTherapies(found, unknown)


def targets(drug: Drug, group: str) -> list[int | None]:
    """The TKI generations ``drug`` has for driver ``group`` (empty: not a targeted therapy for it; None: unnumbered)."""
    return [t.generation for t in drug.tki_for if t.gene == group]


def latest_for(priors: list[Drug], driver: str | None) -> Drug | None:
    """The most recent prior drug that is a targeted therapy for ``driver``."""
    return next((d for d in reversed(priors) if driver and targets(d, driver)), None)


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
    if not targets(drug, ctx.driver):
        return False
    return ctx.after.is_empty() or ctx.after.matches_drug(drug, ctx.driver)


def context_applies(ctx: MechanismContext, priors: list[Drug]) -> int | None:
    """Index in ``priors`` of the most recent drug that makes this resistance context apply, else None.

    On-target mutations are judged against the most recent drug for the driver only: EGFR T790M
    explains progression on gefitinib, not on the osimertinib given after it. Bypass mechanisms act
    at pathway level, so any earlier targeted drug for the driver named by the context counts.
    """
    for i in range(len(priors) - 1, -1, -1):
        drug = priors[i]
        if not targets(drug, ctx.driver):
            continue
        if context_applies_after(ctx, drug):
            return i
        if ctx.role == "on_target_resistance":
            return None
    return None


def drug_label(drug: Drug) -> str:
    """INN in running text: lower case unless the name is a code or brand-like mixed case."""
    name = drug.name
    return name[0].lower() + name[1:] if name[:1].isupper() and name[1:].islower() else name
