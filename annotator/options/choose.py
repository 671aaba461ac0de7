"""Therapy options and trials for one interpreted sample: what to offer, in which list, and why not.

Every regimen that answers a finding is first placed in the patient's setting (silently left out when
it is not: another driver's regimen, an ``after`` the prior therapy does not meet, a first-line option
once the driver's targeted therapy has been given, an allele context that is absent). What remains is
checked against the exclusion rules of the knowledgebase's policy (``policy.yaml``), in their order:
an option a rule removes is listed as not recommended, with that rule. The others are split into the
standard next step (``standard: true`` in the knowledgebase) and mechanism-directed options, each
ranked by the policy's evidence scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from annotator.errors import KnowledgebaseError
from annotator.interpret import Finding, Interpretation, condition_holds, latest_for
from annotator.kb.index import KbIndex
from annotator.kb.schema import Drug, Regimen
from annotator.models import CopyNumberCall
from annotator.options.rules import RULES, Patient, policy_problems
from annotator.options.trials import TrialMatch, choose_trials

OptionList = Literal["standard", "mechanism", "not_recommended"]
Basis = Literal["tumor-adjusted", "observed"]  # what a sample's copy number beside a threshold is


@dataclass(frozen=True)
class ThresholdCheck:
    """A regimen's biomarker threshold beside this sample's level."""

    alteration: str
    required: float
    sample: float | None  # tumor-adjusted copy number (observed when no tumor fraction), None: not measured
    statement: str
    basis: Basis | None = None

    @property
    def below(self) -> bool:
        return self.sample is not None and self.sample < self.required


@dataclass
class Option:
    regimen: Regimen
    findings: list[Finding]
    placement: OptionList = "mechanism"
    rule: str | None = None  # the exclusion rule id that removed it
    reason: str | None = None  # the rule's specifics, in words
    conditional: str | None = None  # what must still be confirmed (e.g. the phase of two alleles)
    phase_pair: str | None = None  # the alleles whose phase the option needs, e.g. "EGFR C797S and EGFR T790M"
    thresholds: list[ThresholdCheck] = field(default_factory=list)


@dataclass
class Options:
    standard: list[Option]
    mechanism: list[Option]
    not_recommended: list[Option]
    trials: list[TrialMatch]  # enrol an alteration found here
    setting_trials: list[TrialMatch]  # enrol by setting alone (appendix)
    flags: list[str] = field(default_factory=list)


def choose_options(interp: Interpretation, index: KbIndex, priors: list[Drug]) -> Options:
    """The three option lists and the trials for ``interp`` (a KnowledgebaseError if the policy names a rule this
    version does not implement: a rule is never silently skipped)."""
    problems = policy_problems(index.kb.policy)
    if problems:
        raise KnowledgebaseError(problems)
    drivers = set(interp.context_groups)
    patient = Patient(priors, drivers, interp.findings, index)
    candidates = _candidates(interp, patient)
    for option in candidates.values():
        option.thresholds = _thresholds(option)
        _place(option, patient)
    flags = [
        # Asked only where the phase would change what is offered.
        f"{option.phase_pair} are both present and their phase (cis or trans) changes the options; the"
        " inputs do not give it: ask the laboratory to phase them from the reads."
        for option in candidates.values() if option.phase_pair and option.placement != "not_recommended"
    ]
    current = _current_newest(priors, drivers, index)
    ranked = sorted(candidates.values(), key=lambda o: _rank(o, current, index))
    ranked = _merge_same_drugs(ranked)
    trials, setting_trials = choose_trials(interp, index, priors)
    return Options(
        standard=[o for o in ranked if o.placement == "standard"],
        mechanism=[o for o in ranked if o.placement == "mechanism"],
        not_recommended=[o for o in ranked if o.placement == "not_recommended"],
        trials=trials, setting_trials=setting_trials, flags=list(dict.fromkeys(flags)),
    )


def _candidates(interp: Interpretation, patient: Patient) -> dict[str, Option]:
    """Every regimen in the patient's setting that answers a finding with a role, with the findings it answers."""
    index = patient.index
    detected = {i for f in interp.findings if f.match.observed.filter == "PASS" for i in f.match.kb_ids}
    candidates: dict[str, Option] = {}
    for f in interp.findings:
        if f.role == "other":
            continue
        for r in index.kb.regimens:
            if r.deprecated or not (set(r.answers) & f.match.kb_ids) or not _in_setting(r, f, patient):
                continue
            applies = _allele_context(r, detected, index)
            if applies is None:
                continue
            option = candidates.setdefault(r.id, Option(r, [], conditional=applies.conditional, phase_pair=applies.phase_pair))
            option.findings.append(f)
    return candidates


def _place(option: Option, patient: Patient) -> None:
    """Not recommended by the first exclusion rule (policy order) that removes it; else standard or mechanism-directed."""
    for rule in patient.index.kb.policy.exclusion_rules:
        reason = RULES[rule.id](option.regimen, patient)
        if reason is not None:
            option.placement, option.rule, option.reason = "not_recommended", rule.id, reason
            return
    option.placement = "standard" if option.regimen.standard else "mechanism"


def _in_setting(r: Regimen, f: Finding, p: Patient) -> bool:
    """Whether the regimen is for this patient's driver and setting (not a judgement of the regimen)."""
    group = f.match.best.kb.gene
    if f.role == "primary_driver":
        if r.driver != group:
            return False
    elif r.driver is not None and r.driver not in p.drivers:
        return False
    if not r.after.is_empty():
        return condition_holds(r.after, p.priors, r.driver, p.index)
    # An empty `after` is first line: a driver's own regimen only before its targeted therapy. Validation
    # keeps regimens for resistance alterations from having an empty `after`.
    return latest_for(p.priors, r.driver) is None


class AlleleCondition(NamedTuple):
    """How an option's allele context applies: as it stands (both None), or only if a phase is confirmed."""

    conditional: str | None  # what must still be confirmed, in words
    phase_pair: str | None  # the alleles whose phase it needs


def _allele_context(r: Regimen, detected: set[str], index: KbIndex) -> AlleleCondition | None:
    """None when the alleles the evidence required are absent (or excluded ones present); else the condition still
    to confirm and the alleles whose phase it needs (both None when the option applies as it stands)."""
    ctx = r.allele_context
    if ctx is None:
        return AlleleCondition(None, None)
    if not set(ctx.present) <= detected or set(ctx.absent) & detected:
        return None
    if ctx.phase is None:
        return AlleleCondition(None, None)
    answered = [index.alteration(a).name for a in r.answers if a in detected and a not in ctx.present]
    pair = " and ".join([*answered[:1], *(index.alteration(a).name for a in ctx.present)])
    return AlleleCondition(f"only if {pair} are in {ctx.phase} (phase not determined from these inputs)", pair)


def _thresholds(option: Option) -> list[ThresholdCheck]:
    out = []
    for th in option.regimen.thresholds:
        levels: list[tuple[float | None, Basis]] = [
            (obs.adjusted_copy_number, "tumor-adjusted") if obs.adjusted_copy_number is not None else (obs.copy_number, "observed")
            for f in option.findings if th.alteration in f.match.kb_ids and isinstance(obs := f.match.observed, CopyNumberCall)
        ]
        measured = [(v, b) for v, b in levels if v is not None]
        sample, basis = max(measured) if measured else (None, None)
        out.append(ThresholdCheck(th.alteration, th.min_copy_number, sample, th.statement, basis))
    return out


def _current_newest(priors: list[Drug], drivers: set[str], index: KbIndex) -> str | None:
    """The most recent drug for a primary driver when it is of the newest generation the knowledgebase knows:
    a combination that keeps it ranks first among equally supported options."""
    for drug in reversed(priors):
        for t in drug.tki_for:
            if t.gene in drivers:
                return drug.id if (t.generation or 0) >= index.newest_generation(t.gene) else None
    return None


def _rank(o: Option, current: str | None, index: KbIndex) -> tuple:
    """Evidence level (best positive evidence) first, then keeping the current newest-generation driver drug,
    then evidence type, then the newer TKI generation."""
    policy = index.kb.policy
    positive = [e for e in o.regimen.evidence if not e.negative] or o.regimen.evidence
    best = min(positive, key=lambda e: (policy.level_rank(e.level), policy.type_rank(e.type)))
    keeps_current = current is not None and current in o.regimen.drugs
    generation = max((t.generation or 0 for d in o.regimen.drugs for t in index.drug_by_id(d).tki_for if t.gene == o.regimen.driver), default=0)
    return (policy.level_rank(best.level), not keeps_current, policy.type_rank(best.type), -generation, o.regimen.id)


def _merge_same_drugs(ranked: list[Option]) -> list[Option]:
    """The same drugs under two entries (osimertinib first line and for T790M): keep the better-ranked one."""
    unique: dict[tuple, Option] = {}
    for o in ranked:
        r = o.regimen
        key = (o.placement == "not_recommended", tuple(r.drugs), tuple(r.drug_classes), r.driver)
        if key in unique:
            unique[key].findings.extend(f for f in o.findings if f not in unique[key].findings)
        else:
            unique[key] = o
    return list(unique.values())
