"""The report model: everything a renderer shows, already sorted and worded.

Renderers (HTML, PDF, JSON) only format this model; the JSON Schema in
``docs/report.schema.json`` is generated from it (``ReportModel.model_json_schema()``).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from annotator import __version__
from annotator.errors import InputError
from annotator.config import CallThresholds, CnvThresholds
from annotator.interpret import RESISTANCE_ROLES, Finding, Interpretation, drug_label
from annotator.kb.index import KbIndex
from annotator.kb.schema import RESISTANCE_KIND, Build, Evidence, Role, SourceRef, TherapyCondition, TrialStatusValue
from annotator.options import Option, Options, TrialMatch
from annotator.matching import MatchLevel
from annotator.models import Counts, CopyNumberCall, Fusion, GeneCopyNumber, InputFile, Observation, ProteinChange, SmallVariant

# The report contract's version. Adding a field: minor version and a CHANGELOG line. Renaming or removing
# one, or changing what it means: major version and a migration note in CHANGELOG.md.
SCHEMA_VERSION = "3.0"
RESEARCH_USE = (
    "For research use only. This report supports, and does not replace, the judgement of qualified"
    " professionals (molecular pathologists, oncologists) at a molecular tumor board. Findings from"
    " plasma cell-free DNA should be interpreted with the clinical picture and, where needed,"
    " confirmed in tissue."
)


class _Model(BaseModel):
    # Serialised output always carries every field: the published schema says so (defaults are required).
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_serialization_defaults_required=True)


class KnowledgebaseInfo(_Model):
    name: str
    version: str
    sha256: str


class PrimaryDriver(_Model):
    gene: str
    alteration: str
    source: Literal["plasma", "stated"]


class SampleInfo(_Model):
    id: str
    tumor_type: str = Field(description="as given (--tumor-type or the sheet); settings.tumor_type is the knowledgebase's id for it")
    prior_therapies: list[str] = Field(description="as given, in order of administration; the last is the most recent")
    prior_therapy_ids: list[str] = Field(description="knowledgebase drug ids of the recognised prior therapies")
    primary_driver: PrimaryDriver | None = Field(description="the first of primary_drivers, for readers of one driver")
    primary_drivers: list[PrimaryDriver] = Field(description="every primary driver (two or more are flagged)")
    tumor_sample: str | None = None


class Link(_Model):
    label: str
    url: str | None = None


class FindingOut(_Model):
    gene: str
    alteration: str
    role: Role
    kb_id: str
    match_level: MatchLevel
    mechanism_id: str | None
    statement: str
    resistance_to: str | None = None
    vaf: float | None = None
    copy_number: float | None = None
    adjusted_copy_number: float | None = None
    frequencies: list[str] = []
    detail: str


class EvidenceOut(_Model):
    level: str = Field(description="a level of the knowledgebase's evidence scale (policy.yaml), e.g. 'A'")
    level_meaning: str
    type: str = Field(description="a type of the knowledgebase's evidence scale, e.g. 'approved', 'phase3'")
    statement: str
    negative: bool
    references: list[Link]


class ThresholdOut(_Model):
    alteration: str = Field(description="display name of the knowledgebase alteration the threshold is for")
    required_copy_number: float = Field(description="the tumor-level copy number the evidence selected for")
    sample_copy_number: float | None = Field(description="this sample's copy number (see sample_basis); null: not measured")
    sample_basis: Literal["tumor-adjusted", "observed"] | None = Field(description="observed: no tumor fraction to adjust it")
    below: bool = Field(description="the sample's level is below the required one")
    statement: str


class TherapyOut(_Model):
    id: str
    regimen: str = Field(description="display name, the drug (or class) for the original driver first")
    drugs: list[str] = Field(description="international nonproprietary names (INN), e.g. 'trastuzumab emtansine'")
    drug_ids: list[str] = Field(description="knowledgebase drug ids, in the order of drugs")
    drug_classes: list[str]
    targets: list[str]
    answers: list[str] = Field(description="display names of the findings this regimen answers")
    driver_context: str | None
    evidence: list[EvidenceOut]
    trials: list[str]
    references: list[Link]
    after: str | None = Field(description="the prior therapy its evidence is after, in words; null: first line")
    conditional: str | None = Field(description="what must still be confirmed for it to apply (e.g. the phase of two alleles)")
    thresholds: list[ThresholdOut] = Field(description="biomarker levels its evidence selected for, beside this sample's")


class NotRecommendedOut(_Model):
    """An option that answers a finding but that a rule of the knowledgebase's policy removed."""

    therapy: TherapyOut
    rule: str = Field(description="id of the exclusion rule (policy.yaml) that removed it")
    rule_title: str
    reason: str = Field(description="the rule's specifics for this sample (for a negative result, its statement)")


class ScaleLevel(_Model):
    level: str
    meaning: str


class KbEntryOut(_Model):
    """A knowledgebase alteration a finding matched, for the report's appendix (anchor ``kb-<id>``)."""

    id: str
    name: str
    detection: str
    mechanisms: list[str]
    sources: list[Link]


class TrialOut(_Model):
    id: str
    match_basis: Literal["biomarker", "setting"] = Field(
        description="biomarker: enrols an alteration found here; setting: enrols the driver after its targeted therapy, no biomarker"
    )
    nct_id: str | None
    acronym: str | None
    title: str
    phase: str | None
    design: Literal["interventional", "observational"]
    arms: list[str]
    setting: str
    prior_therapy: str | None
    status: str = Field(description="display text: the status with its source and date, or 'status not checked'")
    status_value: TrialStatusValue | None = Field(description="ClinicalTrials.gov vocabulary; null: not checked against a citable source")
    status_as_of: dt.date | None
    status_source: str | None = Field(description="reference ids of the status; null when not checked")
    note: str | None = Field(description="what the knowledgebase's sources report about the trial (e.g. results)")
    url: str | None
    alterations: list[str]
    therapies: list[str]


class Summary(_Model):
    framing: Literal["diagnostic", "resistance"] = Field(
        description="diagnostic: no prior targeted therapy (driver, first-line options, co-alterations); resistance: after targeted therapy"
    )
    headline: str
    uncurated: list[str] = Field(description="alterations in driver or resistance genes the knowledgebase does not interpret in this context")
    resistance_mechanisms: list[str]
    top_therapies: list[str]
    cannot_exclude: list[str]
    flags: list[str]


class AlterationRow(_Model):
    """An observation (its own class per kind, told apart by ``kind``) and what the report concluded of it."""

    observation: Observation
    label: str
    kb_id: str | None = Field(description="the knowledgebase entry it matched (most specific), if any")
    role: Role | None = Field(description="its role in this sample, when it matched")
    relative_vaf: float | None = Field(description="its VAF divided by the plasma primary driver's VAF (small variants)")


class CopyNumberRow(_Model):
    """A gene's copy number as measured and interpreted, and the knowledgebase entry its call matched."""

    measurement: GeneCopyNumber
    kb_id: str | None = Field(description="the knowledgebase entry its amplification or loss matched, if any")


class Settings(_Model):
    """How this report was made: every option and threshold that changes its content."""

    tumor_type: str = Field(description="the knowledgebase's tumor type the sample was interpreted as")
    include_filtered: bool = Field(description="non-PASS records kept and flagged (never given a role)")
    cnv: CnvThresholds
    calls: CallThresholds
    tumor_fraction: float | None = Field(ge=0, le=1, description="0-1; null: unknown")
    tumor_fraction_source: str
    tumor_fraction_estimated: bool
    ploidy: float = Field(ge=0.5, le=10)
    genome_build_source: Literal["--genome", "input header"]
    reference: str | None = Field(description="FASTA file name used for REF checks and left-alignment; null: none (indels trimmed only)")


# The HTML table (ReportModel property) that shows each kind of observation.
ROW_TABLES: dict[type, str] = {SmallVariant: "small_variant_rows", ProteinChange: "small_variant_rows",
                               CopyNumberCall: "copy_number_call_rows", Fusion: "fusion_rows"}


class ReportModel(_Model):
    schema_version: Literal["3.0"] = SCHEMA_VERSION
    software_version: str = __version__
    generated_at: str
    genome_build: Build
    knowledgebase: KnowledgebaseInfo
    inputs: list[InputFile]
    counts: Counts
    settings: Settings
    sample: SampleInfo
    summary: Summary
    alterations: list[AlterationRow]
    copy_numbers: list[CopyNumberRow]
    findings: list[FindingOut]
    standard_options: list[TherapyOut] = Field(description="approved or guideline therapy for the driver in this setting, best first")
    mechanism_options: list[TherapyOut] = Field(description="options directed at the mechanisms found, best evidence first")
    not_recommended: list[NotRecommendedOut] = Field(description="options removed by a rule, with the rule and reason")
    trials: list[TrialOut] = Field(description="trials enrolling an alteration found in this sample")
    setting_trials: list[TrialOut] = Field(description="appendix: trials enrolling by setting alone (driver and prior therapy), no biomarker")
    kb_entries: list[KbEntryOut]
    evidence_scale: list[ScaleLevel] = Field(description="the knowledgebase's evidence levels, best first, with their meanings")
    warnings: list[str]
    research_use: str = RESEARCH_USE

    @property
    def offered_options(self) -> list[TherapyOut]:
        """Every option offered, standard next step first, then mechanism-directed (not the not-recommended ones)."""
        return [*self.standard_options, *self.mechanism_options]

    @property
    def observations(self) -> list[Observation]:
        """The observations of every alteration row, in report order."""
        return [r.observation for r in self.alterations]

    @property
    def gene_copy_numbers(self) -> list[GeneCopyNumber]:
        """The measured and interpreted copy number of each gene, in report order."""
        return [r.measurement for r in self.copy_numbers]

    # Rows by kind, for renderers: chosen by class here, never by strings in templates. Every kind of
    # observation has a table (ROW_TABLES; a test keeps it complete, so a new kind cannot vanish from the HTML).
    @property
    def small_variant_rows(self) -> list[AlterationRow]:
        """Small variants, with protein changes given without coordinates (a MAF's HGVSp-only rows)."""
        return [r for r in self.alterations if isinstance(r.observation, (SmallVariant, ProteinChange))]

    @property
    def fusion_rows(self) -> list[AlterationRow]:
        return [r for r in self.alterations if isinstance(r.observation, Fusion)]

    @property
    def copy_number_call_rows(self) -> list[AlterationRow]:
        return [r for r in self.alterations if isinstance(r.observation, CopyNumberCall)]


# Up to 9999-12-31T23:59:59Z: the ISO date the report prints has four-digit years.
_MAX_EPOCH = 253402300799


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` as whole seconds since 1970 (None when unset or empty), or InputError.

    The CLI calls this before any work so that a malformed value is one error, not one per sample."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if not value:
        return None
    # Digits only (reproducible-builds.org spec): int() would also take ' 12', '+12' and '1_2'.
    if not (value.isascii() and value.isdigit()) or int(value) > _MAX_EPOCH:
        raise InputError(
            f"SOURCE_DATE_EPOCH {value!r} is not a whole number of seconds since 1970-01-01 (0 to {_MAX_EPOCH})"
        )
    return int(value)


def generated_at() -> str:
    """UTC time of generation; ``SOURCE_DATE_EPOCH`` makes it reproducible."""
    epoch = source_date_epoch()
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC) if epoch is not None else dt.datetime.now(dt.UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def _links(sources: list[SourceRef], index: KbIndex) -> list[Link]:
    out: list[Link] = []
    for s in sources:
        r = index.reference(s.ref)
        label = r.citation.rstrip(". ") + f", section {s.section}" if s.section else r.citation
        url = None
        if r.nct_id:
            url = f"https://clinicaltrials.gov/study/{r.nct_id}"
        elif r.certain and r.pmid:
            url = f"https://pubmed.ncbi.nlm.nih.gov/{r.pmid}/"
        elif r.certain and r.doi:
            url = f"https://doi.org/{r.doi}"
        elif r.certain and r.url:
            url = r.url
        link = Link(label=label, url=url)
        if link not in out:
            out.append(link)
    return out


def _evidence(e: Evidence, index: KbIndex) -> EvidenceOut:
    return EvidenceOut(
        level=e.level, level_meaning=index.kb.policy.level_meaning(e.level), type=e.type, statement=e.statement,
        negative=e.negative, references=_links(e.sources, index),
    )


def _finding_out(f: Finding) -> FindingOut:
    obs, best = f.match.observed, f.match.best
    freqs = [f"{q.value} {q.population}" for q in (f.context.frequencies if f.context else [])]
    detail = f"{obs.gene} {obs.hgvsp}" if isinstance(obs, (SmallVariant, ProteinChange)) and obs.hgvsp else best.kb.name
    statement = f.statement
    vaf = obs.vaf if isinstance(obs, SmallVariant) else None
    copy_number = adjusted = None
    if isinstance(obs, CopyNumberCall):
        copy_number, adjusted = obs.copy_number, obs.adjusted_copy_number
        if obs.status == "likely_amplification" and adjusted is not None and obs.tumor_fraction:
            statement += (
                f" Likely amplification: {obs.copy_number:.2f} copies observed in plasma at tumor fraction {obs.tumor_fraction:.1%}"
                f" correspond to about {adjusted:.1f} tumor copies; confirm if it changes management."
            )
    return FindingOut(
        gene=obs.gene, alteration=_display(f), role=f.role, kb_id=best.kb.id, match_level=best.level,
        mechanism_id=f.mechanism.id if f.mechanism else None, statement=statement,
        resistance_to=f.against, vaf=vaf, copy_number=copy_number, adjusted_copy_number=adjusted,
        frequencies=freqs, detail=detail,
    )


def _display(f: Finding) -> str:
    obs, best = f.match.observed, f.match.best
    if isinstance(obs, Fusion):
        # a same-gene event matched an intragenic entry (EGFR kinase-domain duplication): it is no fusion
        return best.kb.name if obs.intragenic else f"{obs.fusion} fusion"
    hgvsp = getattr(obs, "hgvsp", None)
    if best.level == "exact":
        return best.kb.name
    if hgvsp and getattr(obs, "type", None) in ("snv", "mnv") and best.level == "codon":
        return f"{obs.gene} {hgvsp.removeprefix('p.')}"
    if hgvsp and best.level == "exon":
        return f"{best.kb.name} ({hgvsp.removeprefix('p.')})"
    return best.kb.name


_ROLE_ORDER = {"primary_driver": 0, "on_target_resistance": 1, "bypass_resistance": 2, "histologic_transformation": 3,
               "co_alteration": 4, "other": 5}


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
) -> ReportModel:
    interp = interpretation
    findings = sorted(
        (_finding_out(f) for f in interp.findings),
        key=lambda f: (_ROLE_ORDER[f.role], f.gene, f.alteration),
    )
    drugs = {d.id: d for d in index.kb.drugs}
    standard = [_therapy_out(o, index) for o in options.standard]
    mechanism = [_therapy_out(o, index) for o in options.mechanism]
    not_recommended = [
        NotRecommendedOut(therapy=_therapy_out(o, index), rule=o.rule, rule_title=index.kb.policy.rule(o.rule).title, reason=o.reason or "")
        for o in options.not_recommended if o.rule is not None
    ]
    regimens_by_trial: dict[str, list[str]] = {}
    for o in [*options.standard, *options.mechanism]:
        for t in o.regimen.trials:
            regimens_by_trial.setdefault(t, []).append(o.regimen.id)
    when = generated_at()
    today = dt.date.fromisoformat(when[:10])
    trials = [_trial_out(m, regimens_by_trial.get(m.trial.id, []), index, today) for m in options.trials]
    setting_trials = [_trial_out(m, regimens_by_trial.get(m.trial.id, []), index, today) for m in options.setting_trials]

    drivers = _primary_drivers(interp, findings, stated_driver_text)
    primary = drivers[0] if drivers else None
    rows = _alteration_rows(alterations, interp)
    cn_kb = {r.observation.gene: r.kb_id for r in rows if isinstance(r.observation, CopyNumberCall) and r.kb_id}
    cn_rows = [CopyNumberRow(measurement=c, kb_id=cn_kb.get(c.gene)) for c in copy_numbers]
    resistance = [f for f in findings if f.role in RESISTANCE_ROLES]
    targeted_given = [d for d in prior_ids if drugs[d].tki_for]
    framing: Literal["diagnostic", "resistance"] = "resistance" if targeted_given else "diagnostic"
    uncurated_genes = _uncurated(rows, interp, index)
    uncurated = [label for label, _ in uncurated_genes]
    equivocal = _equivocal_genes(copy_numbers, index)
    summary = Summary(
        framing=framing,
        headline=_headline(framing, drivers, resistance, uncurated_genes, equivocal,
                           [drug_label(drugs[f.resistance_to]) for f in resistance if f.resistance_to],
                           drug_label(drugs[targeted_given[-1]]) if targeted_given else None,
                           index.driver_genes),
        uncurated=uncurated,
        resistance_mechanisms=[
            f"{f.alteration}: {RESISTANCE_KIND[f.role]} resistance"
            + (f" to {drug_label(drugs[f.resistance_to])}" if f.resistance_to else "")
            for f in resistance
        ],
        top_therapies=[
            f"{t.regimen} (level {t.evidence[0].level}, {t.evidence[0].type.replace('_', ' ')})" for t in [*standard, *mechanism]
        ][:3],
        cannot_exclude=[a.name for a in interp.cannot_exclude] + _cn_cannot_exclude(copy_numbers, index, interp, copy_number_assessed)
        if framing == "resistance" else [],
        flags=[*interp.flags, *options.flags, *_driver_gene_cautions(uncurated_genes, drivers, framing, targeted_given, drugs), *(
            f"{gene} copy number is equivocal (its interval spans the amplification threshold): not called an amplification"
            " and not ruled out; confirm with an orthogonal test before acting on it." for gene in equivocal)],
    )
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
            primary_driver=primary, primary_drivers=drivers, tumor_sample=tumor_sample,
        ),
        summary=summary,
        alterations=rows,
        copy_numbers=cn_rows,
        findings=findings,
        standard_options=standard,
        mechanism_options=mechanism,
        not_recommended=not_recommended,
        trials=trials,
        setting_trials=setting_trials,
        kb_entries=_kb_entries(interp, index),
        evidence_scale=[ScaleLevel(level=d.level, meaning=d.meaning) for d in index.kb.policy.evidence_levels],
        warnings=warnings,
    )


def _kb_entries(interp: Interpretation, index: KbIndex) -> list[KbEntryOut]:
    ids = sorted({f.match.best.kb.id for f in interp.findings})
    out = []
    for i in ids:
        a = index.alteration(i)
        mechs = [m.id for m in index.kb.mechanisms if i in m.alterations]
        out.append(KbEntryOut(id=i, name=a.name, detection=a.detection, mechanisms=mechs, sources=_links(a.sources, index)))
    return out


def _alteration_rows(alterations: list[Observation], interp: Interpretation) -> list[AlterationRow]:
    """Each observation with the knowledgebase entry and role it got, and its VAF relative to the driver."""
    by_obs = {f.match.observed: f for f in interp.findings}  # observations are frozen and hashable
    driver_vafs = [obs.vaf for f in interp.findings if f.role == "primary_driver"
                   and isinstance(obs := f.match.observed, SmallVariant) and obs.vaf]
    driver_vaf = max(driver_vafs) if driver_vafs else None
    rows = []
    for a in alterations:
        f = by_obs.get(a)
        vaf = a.vaf if isinstance(a, SmallVariant) else None
        rows.append(AlterationRow(
            observation=a, label=a.label, kb_id=f.match.best.kb.id if f else None, role=f.role if f else None,
            relative_vaf=round(vaf / driver_vaf, 3) if driver_vaf and vaf is not None else None,
        ))
    return rows


def _cn_cannot_exclude(copy_numbers, index: KbIndex, interp: Interpretation, assessed: bool) -> list[str]:
    """Amplifications relevant to this driver context that the data could not have shown."""
    relevant = {
        a.gene for m in index.kb.mechanisms if any(c.driver in interp.context_groups for c in m.contexts)
        for a in index.kb.alterations if a.id in m.alterations and a.kind == "amplification"
    }
    if not assessed:
        return [f"{g} amplification (copy number not assessed)" for g in sorted(relevant)] if relevant else []
    return [f"{c.gene} amplification (tumor fraction too low to see it)" for c in copy_numbers if c.status == "cannot_exclude" and c.gene in relevant]


def _driver_gene_cautions(uncurated: list[tuple[str, str]], drivers: list[PrimaryDriver], framing: str,
                          targeted_given: list[str], drugs: dict) -> list[str]:
    """An uncurated change in the driver gene after its targeted therapy may be on-target resistance the knowledgebase
    does not know: options that keep the current drug assume it still works."""
    if framing != "resistance":
        return []
    genes = {d.gene for d in drivers}
    latest = drug_label(drugs[targeted_given[-1]])
    return [
        f"{label} is in the driver gene and not curated in this context: it may be on-target resistance to {latest};"
        f" options that keep {latest} assume it still works."
        for label, gene in uncurated if gene in genes
    ]


def _equivocal_genes(copy_numbers: list[GeneCopyNumber], index: KbIndex) -> list[str]:
    """Genes with a curated amplification whose copy-number interval spans its threshold: neither called nor ruled out."""
    amplifiable = {a.gene for a in index.kb.alterations if a.kind == "amplification" and not a.deprecated}
    return [c.gene for c in copy_numbers if c.status == "equivocal" and c.gene in amplifiable]


def _primary_drivers(interp: Interpretation, findings: list[FindingOut], stated: str | None) -> list[PrimaryDriver]:
    plasma = [PrimaryDriver(gene=f.gene, alteration=f.alteration, source="plasma") for f in findings if f.role == "primary_driver"]
    if plasma:
        return plasma
    if stated and interp.driver_source == "stated":
        return [PrimaryDriver(gene=interp.primary_groups[0], alteration=stated, source="stated")]
    return []


def _headline(framing: str, primary_drivers: list[PrimaryDriver], resistance: list[FindingOut],
              uncurated_genes: list[tuple[str, str]], equivocal: list[str], against: list[str], latest: str | None,
              driver_genes: set[str]) -> str:
    """Page 1's first line. Every claim is bounded by the knowledgebase: 'none in this knowledgebase' is not 'none'."""
    drivers = [f"{d.alteration} ({d.source})" for d in primary_drivers]
    uncurated = [label for label, _ in uncurated_genes]
    not_curated = f" Not curated in this context: {', '.join(uncurated)}." if uncurated else ""
    if equivocal:
        not_curated += f" Equivocal copy number: {', '.join(equivocal)}."
    if framing == "diagnostic":
        if not drivers:
            in_driver_genes = [label for label, gene in uncurated_genes if gene in driver_genes]
            if in_driver_genes:
                # A driver class the knowledgebase does not name (EGFR exon 18 deletion, a rare fusion) is still a driver.
                return (f"Primary driver not curated in this knowledgebase: {', '.join(in_driver_genes)}"
                        " in a driver gene may be the driver; review it." + not_curated)
            return "No primary driver in this knowledgebase was identified in plasma, and none was stated." + not_curated
        return f"Primary driver{'s' if len(drivers) > 1 else ''} in this knowledgebase: {', '.join(drivers)}; no targeted therapy given yet." + not_curated
    if resistance:
        names = ", ".join(f.alteration for f in resistance)
        drugs_named = list(dict.fromkeys(against))
        after = f" after {' / '.join(drugs_named)}" if drugs_named else ""
        return f"Resistance mechanism(s) in this knowledgebase detected{after}: {names}." + not_curated
    return f"No resistance mechanism in this knowledgebase detected after {latest}." + not_curated


def _uncurated(rows: list[AlterationRow], interp: Interpretation, index: KbIndex) -> list[tuple[str, str]]:
    """Alterations in a driver or resistance gene that passed the caller's filters but that the knowledgebase
    does not interpret here: page 1 names them, so that 'not curated' is never read as 'no meaning'.

    Small variants are named when they change the protein; variants without a protein annotation cannot be
    judged and are counted in one line; synonymous ones are left out. Each with the knowledgebase gene it is filed
    under (a fusion's label names both partners)."""
    kb = index.kb
    mechanism_ids = {a for m in kb.mechanisms if not m.deprecated for a in m.alterations}
    genes = {a.gene for a in kb.alterations if a.gene and (a.driver or a.id in mechanism_ids)}
    by_obs = {f.match.observed: f for f in interp.findings}
    out: list[tuple[str, str]] = []
    unannotated = 0
    for r in rows:
        obs = r.observation
        if obs.filter != "PASS" or obs.gene not in genes:
            continue
        f = by_obs.get(obs)
        if f is not None and not f.uncurated:
            continue
        if isinstance(obs, (SmallVariant, ProteinChange)) and (not obs.hgvsp or obs.hgvsp.endswith("=")):
            unannotated += not obs.hgvsp
            continue
        out.append((obs.label, obs.gene))
    if unannotated:
        out.append((f"{unannotated} variant(s) without a protein annotation (see the small-variant table)", ""))
    return list(dict.fromkeys(out))


def _therapy_out(o: Option, index: KbIndex) -> TherapyOut:
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
        answers=sorted({_display(f) for f in o.findings}),
        driver_context=r.driver,
        evidence=[_evidence(e, index) for e in evidence],
        trials=list(r.trials),
        references=_links(r.sources, index),
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


def _trial_out(m: TrialMatch, regimens: list[str], index: KbIndex, today: dt.date) -> TrialOut:
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
        alterations=sorted({_display(f) for f in m.findings}), therapies=regimens,
    )
