"""Build the report model of one sample from its interpretation, options and inputs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from annotator.interpret import Interpretation
from annotator.kb.index import KbIndex
from annotator.models import CopyNumberCall, Counts, GeneCopyNumber, InputFile, Observation
from annotator.options import Options
from annotator.plasma import PlasmaReading
from annotator.plasma.clonality import Clonality
from annotator.plasma.negatives import Negative
from annotator.report.assay import (
    Polyclonal,
    TumorFractionEstimate,
    negatives_out,
    polyclonal_out,
    tumor_fraction_out,
)
from annotator.report.clock import generated_at
from annotator.report.findings import alteration_rows, finding_rows, kb_entries
from annotator.report.model import (
    AlterationRow,
    CopyNumberRow,
    KnowledgebaseInfo,
    NotRecommendedOut,
    ReportModel,
    SampleInfo,
    ScaleLevel,
    Settings,
    TrialOut,
)
from annotator.report.plasma import plasma_out
from annotator.report.summary import SummaryInputs, primary_drivers, summarize
from annotator.report.therapy import therapy_out, trial_out


def build_report(
    *,
    sample_id: str,
    tumor_type: str,
    prior_names: list[str],
    prior_ids: list[str],
    interpretation: Interpretation,
    options: Options,
    index: KbIndex,
    alterations: list[Observation],
    copy_numbers: list[GeneCopyNumber],
    inputs: list[InputFile],
    counts: Counts,
    settings: Settings,
    warnings: list[str],
    stated_driver_text: str | None,
    tumor_sample: str | None,
    copy_number_assessed: bool = False,
    plasma: PlasmaReading | None = None,
    negatives: Sequence[Negative] | None = None,
    tumor_fraction_estimate: TumorFractionEstimate | None = None,
    clonality: Mapping[tuple, Clonality] | None = None,
    polyclonal: Polyclonal | None = None,
) -> ReportModel:
    """One sample's report. ``plasma``: the plasma reading (origins of variants, informative, transformation);
    ``alterations`` are every observation (rows), those it excluded included; ``interpretation`` was made without them.

    Since schema 3.2: ``negatives`` (``annotator.plasma.negatives.assess_negatives``), the tumor-fraction estimate
    shown beside the value used, each small variant's ``clonality`` keyed by its observation's ``identity``, and the
    ``polyclonal`` reading (None: not flagged)."""
    interp = interpretation
    findings = finding_rows(interp, clonality)
    standard = [therapy_out(o, index) for o in options.standard]
    mechanism = [therapy_out(o, index) for o in options.mechanism]
    not_recommended = [
        NotRecommendedOut(therapy=therapy_out(o, index), rule=o.rule, rule_title=index.kb.policy.rule(o.rule).title, reason=o.reason or "")
        for o in options.not_recommended if o.rule is not None
    ]
    when = generated_at()
    trials, setting_trials = _trials(options, index, dt.date.fromisoformat(when[:10]))
    drivers = primary_drivers(interp, findings, stated_driver_text)
    rows = alteration_rows(alterations, interp, clonality)
    summary = summarize(SummaryInputs(
        interp=interp, options=options, index=index, findings=findings, rows=rows, copy_numbers=copy_numbers,
        offered=[*standard, *mechanism], prior_ids=prior_ids, drivers=drivers, copy_number_assessed=copy_number_assessed,
        plasma=plasma, negatives=negatives,
    ))
    return ReportModel(
        generated_at=when,
        genome_build=index.build,
        knowledgebase=KnowledgebaseInfo(name=index.kb.release.name, version=index.kb.release.version, sha256=index.kb.sha256),
        inputs=inputs,
        counts=counts,
        settings=settings,
        sample=SampleInfo(
            id=sample_id, tumor_type=tumor_type, prior_therapies=list(prior_names),
            prior_therapy_ids=list(prior_ids),
            primary_driver=drivers[0] if drivers else None, primary_drivers=drivers, tumor_sample=tumor_sample,
        ),
        summary=summary,
        alterations=rows,
        copy_numbers=_copy_number_rows(copy_numbers, rows),
        findings=findings,
        standard_options=standard,
        mechanism_options=mechanism,
        not_recommended=not_recommended,
        trials=trials,
        setting_trials=setting_trials,
        kb_entries=kb_entries(interp, index),
        evidence_scale=[ScaleLevel(level=d.level, meaning=d.meaning) for d in index.kb.policy.evidence_levels],
        warnings=warnings,
        plasma=plasma_out(plasma, index) if plasma else None,
        tumor_fraction=tumor_fraction_out(settings, tumor_fraction_estimate),
        negatives=negatives_out(negatives or []),
        polyclonal=polyclonal_out(polyclonal, index) if polyclonal else None,
    )


def _trials(options: Options, index: KbIndex, today: dt.date) -> tuple[list[TrialOut], list[TrialOut]]:
    """The biomarker trials and (appendix) the setting trials, each with the offered regimens it studies."""
    regimens_by_trial: dict[str, list[str]] = {}
    for o in [*options.standard, *options.mechanism]:
        for t in o.regimen.trials:
            regimens_by_trial.setdefault(t, []).append(o.regimen.id)
    return ([trial_out(m, regimens_by_trial.get(m.trial.id, []), index, today) for m in options.trials],
            [trial_out(m, regimens_by_trial.get(m.trial.id, []), index, today) for m in options.setting_trials])


def _copy_number_rows(copy_numbers: list[GeneCopyNumber], rows: list[AlterationRow]) -> list[CopyNumberRow]:
    """Each gene's copy number with the knowledgebase entry its amplification or loss call matched."""
    cn_kb = {r.observation.gene: r.kb_id for r in rows if isinstance(r.observation, CopyNumberCall) and r.kb_id}
    return [CopyNumberRow(measurement=c, kb_id=cn_kb.get(c.gene)) for c in copy_numbers]
