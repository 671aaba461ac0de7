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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from annotator.errors import KnowledgebaseError
from annotator.interpret import Finding, Interpretation, condition_holds, context_applies_after, drug_label, latest_for
from annotator.kb.index import KbIndex
from annotator.kb.schema import NOT_ENROLLING_STATUSES, Drug, Policy, Regimen, Trial
from annotator.models import CopyNumberCall

OptionList = Literal["standard", "mechanism", "not_recommended"]


@dataclass(frozen=True)
class ThresholdCheck:
    """A regimen's biomarker threshold beside this sample's level."""

    alteration: str
    required: float
    sample: float | None  # tumor-adjusted copy number (observed when no tumor fraction), None: not measured
    statement: str
    basis: Literal["tumor-adjusted", "observed"] | None = None

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


@dataclass(frozen=True)
class TrialMatch:
    trial: Trial
    findings: list[Finding]

    @property
    def basis(self) -> Literal["biomarker", "setting"]:
        return "biomarker" if self.findings else "setting"


@dataclass
class Options:
    standard: list[Option]
    mechanism: list[Option]
    not_recommended: list[Option]
    trials: list[TrialMatch]  # enrol an alteration found here
    setting_trials: list[TrialMatch]  # enrol by setting alone (appendix)
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Patient:
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


Rule = Callable[[Regimen, _Patient], str | None]  # the specifics when the rule removes the regimen, else None


def _drugs(r: Regimen, p: _Patient) -> list[Drug]:
    return [p.index.drug_by_id(d) for d in r.drugs]


def _negative_evidence(r: Regimen, p: _Patient) -> str | None:
    if all(e.negative for e in r.evidence):
        return r.evidence[0].statement
    return None


def _progressed_on(r: Regimen, p: _Patient) -> str | None:
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


def _same_class_as_failed(r: Regimen, p: _Patient) -> str | None:
    """A targeted drug not yet given whose class the tumor progressed on, unless the regimen's evidence is after
    that very drug or class."""
    def evidence_after(prior: Drug, class_id: str) -> bool:
        return prior.id in r.after.drugs or class_id in r.after.classes

    for d in _drugs(r, p):
        if found := failed_class(d, p.priors, p.index, evidence_after):
            prior, class_id = found
            return f"{drug_label(prior)} already given ({p.index.drug_class(class_id).name}, like {drug_label(d)})"
    return None


def _defeated_by_on_target(r: Regimen, p: _Patient) -> str | None:
    """A drug a detected on-target alteration is resistance to, unless the regimen answers that very alteration
    (first- plus third-generation TKIs for C797S with T790M in trans are curated for it)."""
    for f in p.on_target():
        if f.match.kb_ids & set(r.answers):
            continue
        for d in _drugs(r, p):
            if f.context is not None and context_applies_after(f.context, d):
                return f"{f.match.best.kb.name} is resistance to {drug_label(d)}"
    return None


def _class_cross_resistance(r: Regimen, p: _Patient) -> str | None:
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


def _failed_bypass_inhibitor(r: Regimen, p: _Patient) -> str | None:
    failed = [d for d in _drugs(r, p) if d.id in p.prior_ids and _category(d, p) == {"targeted"}
              and not any(t.gene in p.drivers for t in d.tki_for)]
    if failed:
        return f"{drug_label(failed[0])} already given"
    return None


def _backbone_already_given(r: Regimen, p: _Patient) -> str | None:
    """A chemotherapy or immunotherapy drug of a regimen that also brings a new drug was already given: the
    regimen's evidence is in patients who had not had it (amivantamab + carboplatin-pemetrexed after FLAURA2)."""
    given = [d for d in _drugs(r, p) if d.id in p.prior_ids and _category(d, p) & {"chemotherapy", "immunotherapy"}]
    if given:
        return f"{drug_label(given[0])} already given"
    return None


def _regiven_without_evidence(r: Regimen, p: _Patient) -> str | None:
    """A drug of the regimen was already given and the regimen's evidence is not after it (amivantamab with
    chemotherapy after amivantamab + lazertinib: its evidence is after osimertinib, in patients who never had it)."""
    for d in _drugs(r, p):
        if d.id in p.prior_ids and not r.after.matches_drug(d, r.driver):
            return f"{drug_label(d)} already given; the evidence is not after it"
    return None


def _category(d: Drug, p: _Patient) -> set[str]:
    return {p.index.drug_class(c).category for c in d.classes}


def _earlier_generation(r: Regimen, p: _Patient) -> str | None:
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


def choose_options(interp: Interpretation, index: KbIndex, priors: list[Drug]) -> Options:
    """The three option lists and the trials for ``interp`` (a KnowledgebaseError if the policy names a rule this
    version does not implement: a rule is never silently skipped)."""
    problems = policy_problems(index.kb.policy)
    if problems:
        raise KnowledgebaseError(problems)
    drivers = set(interp.context_groups)
    patient = _Patient(priors, drivers, interp.findings, index)
    detected = {i for f in interp.findings if f.match.observed.filter == "PASS" for i in f.match.kb_ids}
    flags: list[str] = []
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
            conditional, phase_pair = applies
            option = candidates.setdefault(r.id, Option(r, [], conditional=conditional, phase_pair=phase_pair))
            option.findings.append(f)
    for option in candidates.values():
        option.thresholds = _thresholds(option)
        for rule in index.kb.policy.exclusion_rules:
            reason = RULES[rule.id](option.regimen, patient)
            if reason is not None:
                option.placement, option.rule, option.reason = "not_recommended", rule.id, reason
                break
        else:
            option.placement = "standard" if option.regimen.standard else "mechanism"
    for option in candidates.values():
        if option.phase_pair and option.placement != "not_recommended":
            # Asked only where the phase would change what is offered.
            flags.append(f"{option.phase_pair} are both present and their phase (cis or trans) changes the options; the"
                         " inputs do not give it: ask the laboratory to phase them from the reads.")
    current = _current_newest(priors, drivers, index)
    ranked = sorted(candidates.values(), key=lambda o: _rank(o, current, index))
    ranked = _merge_same_drugs(ranked)
    trials, setting_trials = _trials(interp, index, priors)
    return Options(
        standard=[o for o in ranked if o.placement == "standard"],
        mechanism=[o for o in ranked if o.placement == "mechanism"],
        not_recommended=[o for o in ranked if o.placement == "not_recommended"],
        trials=trials, setting_trials=setting_trials, flags=list(dict.fromkeys(flags)),
    )


def _in_setting(r: Regimen, f: Finding, p: _Patient) -> bool:
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


def _allele_context(r: Regimen, detected: set[str], index: KbIndex) -> tuple[str | None, str | None] | None:
    """None when the alleles the evidence required are absent (or excluded ones present); else the condition still
    to confirm and the alleles whose phase it needs (both None when the option applies as it stands)."""
    ctx = r.allele_context
    if ctx is None:
        return None, None
    if not set(ctx.present) <= detected or set(ctx.absent) & detected:
        return None
    if ctx.phase is None:
        return None, None
    answered = [index.alteration(a).name for a in r.answers if a in detected and a not in ctx.present]
    pair = " and ".join([*answered[:1], *(index.alteration(a).name for a in ctx.present)])
    return f"only if {pair} are in {ctx.phase} (phase not determined from these inputs)", pair


def _thresholds(option: Option) -> list[ThresholdCheck]:
    out = []
    for th in option.regimen.thresholds:
        levels = [
            (obs.adjusted_copy_number, "tumor-adjusted") if obs.adjusted_copy_number is not None else (obs.copy_number, "observed")
            for f in option.findings if th.alteration in f.match.kb_ids and isinstance(obs := f.match.observed, CopyNumberCall)
        ]
        sample, basis = max(((v, b) for v, b in levels if v is not None), default=(None, None))
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


def _failed_class_in(arm: list[str], priors: list[Drug], index: KbIndex, trial: Trial) -> bool:
    """Whether the arm holds a targeted drug of a class the tumor progressed on that the trial does not enrol after."""
    def enrols_after(prior: Drug, _class_id: str) -> bool:
        return trial.after.matches_drug(prior, trial.driver)

    return any(failed_class(index.drug_by_id(d), priors, index, enrols_after) for d in arm)


def _trials(interp: Interpretation, index: KbIndex, priors: list[Drug]) -> tuple[list[TrialMatch], list[TrialMatch]]:
    """Trials enrolling a finding's biomarker, then (appendix) trials that enrol by setting alone."""
    prior_ids = {d.id for d in priors}
    drivers = set(interp.context_groups)

    def open_to(t: Trial) -> bool:
        if t.deprecated or t.before_progression:
            return False
        if t.status is not None and t.status.value in NOT_ENROLLING_STATUSES:
            return False
        if t.arm_drugs and all(set(arm) <= prior_ids or _failed_class_in(arm, priors, index, t) for arm in t.arm_drugs):
            return False  # progressed on every arm's regimen, or on the class of a drug in it (a second G12C inhibitor)
        return condition_holds(t.after, priors, t.driver, index)

    found: dict[str, TrialMatch] = {}
    for f in interp.findings:
        if f.role == "other":
            continue
        for t in index.kb.trials:
            if not (set(t.biomarkers) & f.match.kb_ids) or (t.driver is not None and t.driver not in drivers) or not open_to(t):
                continue
            found.setdefault(t.id, TrialMatch(t, [])).findings.append(f)
    setting = [
        TrialMatch(t, []) for t in index.kb.trials
        if not t.biomarkers and t.design == "interventional" and t.driver in drivers and not t.after.is_empty() and open_to(t)
    ]

    def key(m: TrialMatch) -> tuple:
        return (m.trial.nct_id is None, m.trial.nct_id or m.trial.id)

    return sorted(found.values(), key=key), sorted(setting, key=key)
