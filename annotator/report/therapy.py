"""Report rows for what could be done: therapy options (with the conditions they are for, in words) and trials."""

from __future__ import annotations

import datetime as dt

from annotator.interpret import drug_label
from annotator.kb.index import KbIndex
from annotator.kb.schema import TherapyCondition
from annotator.options import Option, TrialMatch
from annotator.report.citations import evidence_out, links
from annotator.report.findings import display
from annotator.report.model import TherapyOut, ThresholdOut, TrialOut


def therapy_out(o: Option, index: KbIndex) -> TherapyOut:
    r = o.regimen
    drugs = {d: index.drug_by_id(d) for d in r.drugs}
    policy = index.kb.policy
    evidence = sorted(r.evidence, key=lambda e: (e.negative, policy.level_rank(e.level), policy.type_rank(e.type)))
    names = [drug_label(drugs[d]) for d in r.drugs]
    driver_classes = [c for c in r.drug_classes if r.driver and c.upper().startswith(r.driver.upper())]
    other_classes = [c for c in r.drug_classes if c not in driver_classes]
    return TherapyOut(
        id=r.id,
        regimen=" + ".join(driver_classes + names + other_classes),
        drugs=names,
        drug_ids=list(r.drugs),
        drug_classes=list(r.drug_classes),
        targets=[f"{drug_label(drugs[d])}: {', '.join(drugs[d].targets)}" for d in r.drugs],
        answers=sorted({display(f) for f in o.findings}),
        driver_context=r.driver,
        evidence=[evidence_out(e, index) for e in evidence],
        trials=list(r.trials),
        references=links(r.sources, index),
        after=None if r.after.is_empty() else describe_condition(r.after, index, r.driver),
        conditional=o.conditional,
        thresholds=[
            ThresholdOut(alteration=index.alteration(t.alteration).name, required_copy_number=t.required,
                         sample_copy_number=t.sample, sample_basis=t.basis, below=t.below, statement=t.statement)
            for t in o.thresholds
        ],
    )


_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth"}


def describe_condition(cond: TherapyCondition, index: KbIndex, driver: str | None) -> str:
    """A condition in words: 'osimertinib or a first-, second- or third-generation EGFR TKI'."""
    parts = [drug_label(index.drug_by_id(d)) for d in cond.drugs]
    if cond.generations:
        gens = [f"{_ORDINALS.get(g, f'{g}th')}-" for g in sorted(cond.generations)]
        gens[-1] += "generation"
        listed = gens[0] if len(gens) == 1 else f"{', '.join(gens[:-1])} or {gens[-1]}"
        parts.append(" ".join(["a", listed, *([driver] if driver else []), "TKI"]))
    parts += [f"a {index.drug_class(c).name}" for c in cond.classes]
    if cond.any_systemic:
        parts.append("at least one prior systemic therapy")
    text = " or ".join(parts)
    text = f"{text} (as the most recent {driver}-targeted therapy)" if cond.most_recent and driver else text
    return f"{text}, and {describe_condition(cond.also, index, driver)}" if cond.also is not None else text


STATUS_MAX_AGE = dt.timedelta(days=365)  # an older status is shown with a warning to check the registry


def trial_out(m: TrialMatch, regimens: list[str], index: KbIndex, today: dt.date) -> TrialOut:
    t = m.trial
    status = t.status
    if status is None:
        text, source = "status not checked", None
    else:
        source = "; ".join(s.ref for s in status.sources)
        text = f"{status.value.replace('_', ' ')} (as of {status.as_of.isoformat()}, {'; '.join(index.reference(s.ref).citation for s in status.sources)})"
        if today - status.as_of > STATUS_MAX_AGE:
            text += "; over a year old: check the registry before referral"
    return TrialOut(
        id=t.id,
        match_basis=m.basis, nct_id=t.nct_id, acronym=t.acronym, title=t.title, phase=t.phase, design=t.design,
        arms=list(t.arms), setting=t.setting, prior_therapy=t.prior_therapy, status=text,
        status_value=status.value if status else None, status_as_of=status.as_of if status else None,
        status_source=source, note=t.note,
        url=f"https://clinicaltrials.gov/study/{t.nct_id}" if t.nct_id else None,
        alterations=sorted({display(f) for f in m.findings}), therapies=regimens,
    )
