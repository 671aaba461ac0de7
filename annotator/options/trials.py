"""Trials for one interpreted sample: those enrolling a finding's biomarker, and (appendix) those enrolling by setting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from annotator.interpret import Finding, Interpretation, condition_holds
from annotator.kb.index import KbIndex
from annotator.kb.schema import NOT_ENROLLING_STATUSES, Drug, Trial
from annotator.options.rules import failed_class


@dataclass(frozen=True)
class TrialMatch:
    trial: Trial
    findings: list[Finding]

    @property
    def basis(self) -> Literal["biomarker", "setting"]:
        return "biomarker" if self.findings else "setting"


def _failed_class_in(arm: list[str], priors: list[Drug], index: KbIndex, trial: Trial) -> bool:
    """Whether the arm holds a targeted drug of a class the tumor progressed on that the trial does not enrol after."""
    def enrols_after(prior: Drug, _class_id: str) -> bool:
        return trial.after.matches_drug(prior, trial.driver)

    return any(failed_class(index.drug_by_id(d), priors, index, enrols_after) for d in arm)


def choose_trials(interp: Interpretation, index: KbIndex, priors: list[Drug]) -> tuple[list[TrialMatch], list[TrialMatch]]:
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
