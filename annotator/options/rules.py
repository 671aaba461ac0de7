"""The exclusion rules: why a regimen that answers a finding is not offered to this patient.

The knowledgebase's policy (``policy.yaml``) names the rules, their order and their words; each id is implemented
here (:data:`RULES`), and a policy naming a rule this version does not implement is refused (:func:`policy_problems`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from annotator.interpret import Finding, context_applies_after, drug_label, latest_for
from annotator.kb.index import KbIndex
from annotator.kb.schema import Drug, Policy, Regimen


@dataclass(frozen=True)
class Patient:
    """What the rules look at: the prior therapy and the on-target findings."""

    priors: list[Drug]
    drivers: set[str]
    findings: list[Finding]
    index: KbIndex

    @property
    def prior_ids(self) -> set[str]:
        return {d.id for d in self.priors}

    def on_target(self) -> list[Finding]:
        """Detected on-target resistance alterations, whatever their role here: de novo T790M (a co-alteration before
        any TKI) defeats first- and second-generation EGFR TKIs as surely as acquired T790M does."""
        return [f for f in self.findings if f.context is not None and f.context.role == "on_target_resistance"
                and f.match.observed.filter == "PASS"]


Rule = Callable[[Regimen, Patient], str | None]  # the specifics when the rule removes the regimen, else None


def _drugs(r: Regimen, p: Patient) -> list[Drug]:
    return [p.index.drug_by_id(d) for d in r.drugs]


def _negative_evidence(r: Regimen, p: Patient) -> str | None:
    if all(e.negative for e in r.evidence):
        return r.evidence[0].statement
    return None


def _progressed_on(r: Regimen, p: Patient) -> str | None:
    if r.drugs and set(r.drugs) <= p.prior_ids:
        return f"{' + '.join(drug_label(d) for d in _drugs(r, p))} already given"
    return None


def failed_class(drug: Drug, priors: list[Drug], index: KbIndex, exempt: Callable[[Drug, str], bool]) -> tuple[Drug, str] | None:
    """A drug already given that shares a targeted class with ``drug`` (not itself given), and that class, unless
    ``exempt(prior, class)``: a second KRAS G12C inhibitor after the first, another type I MET TKI after capmatinib."""
    if drug in priors:
        return None
    for prior in priors:
        for c in sorted(set(drug.classes) & set(prior.classes)):
            if index.drug_class(c).category == "targeted" and not exempt(prior, c):
                return prior, c
    return None


def _same_class_as_failed(r: Regimen, p: Patient) -> str | None:
    """A targeted drug not yet given whose class the tumor progressed on, unless the regimen's evidence is after
    that very drug or class."""
    def evidence_after(prior: Drug, class_id: str) -> bool:
        return prior.id in r.after.drugs or class_id in r.after.classes

    for d in _drugs(r, p):
        if found := failed_class(d, p.priors, p.index, evidence_after):
            prior, class_id = found
            return f"{drug_label(prior)} already given ({p.index.drug_class(class_id).name}, like {drug_label(d)})"
    return None


def _defeated_by_on_target(r: Regimen, p: Patient) -> str | None:
    """A drug a detected on-target alteration is resistance to, unless the regimen answers that very alteration
    (first- plus third-generation TKIs for C797S with T790M in trans are curated for it)."""
    for f in p.on_target():
        if f.match.kb_ids & set(r.answers):
            continue
        for d in _drugs(r, p):
            if f.context is not None and context_applies_after(f.context, d):
                return f"{f.match.best.kb.name} is resistance to {drug_label(d)}"
    return None


def _class_cross_resistance(r: Regimen, p: Patient) -> str | None:
    for f in p.on_target():
        ctx = f.context
        if f.match.kb_ids & set(r.answers):
            continue  # curated for this very alteration
        for d in _drugs(r, p):
            if ctx is not None and ctx.resists is not None and ctx.resists.matches_drug(d, ctx.driver):
                named = sorted(p.index.drug_class(c).name for c in set(ctx.resists.classes) & set(d.classes))
                what = f"the {named[0]} class, {drug_label(d)} included" if named else drug_label(d)
                return f"{f.match.best.kb.name} resists {what}"
    return None


def _failed_bypass_inhibitor(r: Regimen, p: Patient) -> str | None:
    failed = [d for d in _drugs(r, p) if d.id in p.prior_ids and _category(d, p) == {"targeted"}
              and not any(t.gene in p.drivers for t in d.tki_for)]
    if failed:
        return f"{drug_label(failed[0])} already given"
    return None


def _backbone_already_given(r: Regimen, p: Patient) -> str | None:
    """A chemotherapy or immunotherapy drug of a regimen that also brings a new drug was already given: the
    regimen's evidence is in patients who had not had it (amivantamab + carboplatin-pemetrexed after FLAURA2)."""
    given = [d for d in _drugs(r, p) if d.id in p.prior_ids and _category(d, p) & {"chemotherapy", "immunotherapy"}]
    if given:
        return f"{drug_label(given[0])} already given"
    return None


def _regiven_without_evidence(r: Regimen, p: Patient) -> str | None:
    """A drug of the regimen was already given and the regimen's evidence is not after it (amivantamab with
    chemotherapy after amivantamab + lazertinib: its evidence is after osimertinib, in patients who never had it)."""
    for d in _drugs(r, p):
        if d.id in p.prior_ids and not r.after.matches_drug(d, r.driver):
            return f"{drug_label(d)} already given; the evidence is not after it"
    return None


def _category(d: Drug, p: Patient) -> set[str]:
    return {p.index.drug_class(c).category for c in d.classes}


def _earlier_generation(r: Regimen, p: Patient) -> str | None:
    """The regimen's newest drug for the driver is older than the most recent one given, unless its evidence
    is after that very drug or its class (crizotinib after alectinib, for a MET bypass, is sequenced on purpose)."""
    latest = latest_for(p.priors, r.driver)
    if latest is None or r.driver is None:
        return None
    if latest.id in r.after.drugs or set(latest.classes) & set(r.after.classes):
        return None  # the evidence is after this very drug (generation lists are too broad to say so)
    latest_gen = max((t.generation for t in latest.tki_for if t.gene == r.driver and t.generation), default=None)
    gens = [t.generation for d in _drugs(r, p) for t in d.tki_for if t.gene == r.driver and t.generation]
    if latest_gen is not None and gens and max(gens) < latest_gen:
        return f"after {drug_label(latest)} (generation {latest_gen})"
    return None


# The implementation of each exclusion rule the policy may name; policy.yaml gives their order and words.
RULES: dict[str, Rule] = {
    "negative_evidence": _negative_evidence,
    "progressed_on": _progressed_on,
    "same_class_as_failed": _same_class_as_failed,
    "defeated_by_on_target": _defeated_by_on_target,
    "class_cross_resistance": _class_cross_resistance,
    "failed_bypass_inhibitor": _failed_bypass_inhibitor,
    "backbone_already_given": _backbone_already_given,
    "regiven_without_evidence": _regiven_without_evidence,
    "earlier_generation": _earlier_generation,
}


def policy_problems(policy: Policy) -> list[str]:
    """Exclusion rules the policy names without an implementation here, and implementations it leaves out."""
    named = [r.id for r in policy.exclusion_rules]
    return [f"policy.yaml: exclusion rule {i!r} has no implementation (known: {sorted(RULES)})" for i in named if i not in RULES] + [
        f"policy.yaml: exclusion rule {i!r} is implemented but not listed: list it so that it applies" for i in RULES if i not in named
    ]
