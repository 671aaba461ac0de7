"""Cross-reference checks over a parsed knowledgebase: ids exist, are unique, and rules are coherent.

Each problem is one ``file: entry: problem`` line; all are collected before anything is raised.

The checks are tables: for each file, the checks every entry runs, in order. Most are one shape, "every id
this entry names is in that table" (:class:`Exists`); the rest are small named functions. Nested items
(evidence, thresholds, mechanism contexts, frequencies) run their own tables through :class:`Each`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from annotator.kb.checks import (
    SOURCES,
    Check,
    Condition,
    Each,
    Exists,
    FileChecks,
    Known,
    condition_problems,
    entry_id,
    optional,
)
from annotator.kb.schema import (
    Alteration,
    ChHotspot,
    Drug,
    DrugClass,
    Evidence,
    Gene,
    Knowledgebase,
    Mechanism,
    MechanismContext,
    PlasmaKnowledge,
    Reference,
    Regimen,
    Trial,
)


def _driver_exists(ids: Callable[[Any], Iterable[str | None]], what: str = "driver {0!r} has no driver alteration") -> Exists:
    return Exists(what, ids, lambda k: k.driver_groups)


# --- references.yaml ------------------------------------------------------------------------------

def _reference_record(r: Reference, _known: Known) -> list[str]:
    """What a checked reference must carry, so that a reader can find the record again."""
    out = []
    if r.certain and r.kind in ("article", "review") and not (r.doi or r.pmid):
        out.append(f"a certain {r.kind} needs its DOI or PMID")
    if r.certain and r.kind == "label" and not (r.agency and r.approval_date and r.approval_type):
        out.append("a certain label needs its agency, approval date and approval type")
    if r.kind == "trial_registry" and not r.nct_id:
        out.append("a trial registry reference needs its NCT number")
    return out


# --- genes.yaml -----------------------------------------------------------------------------------

def _gene_coordinates(g: Gene, _known: Known) -> list[str]:
    out = []
    for build in ("GRCh37", "GRCh38"):
        loc = getattr(g.location, build)
        for c in g.codons:
            pos = getattr(c, build)
            if not (loc.start <= pos and pos + 2 <= loc.end):
                out.append(f"codon {c.number} on {build} lies outside the gene")
        for e in g.exons:
            r = getattr(e, build)
            if r.chrom != loc.chrom or r.start < loc.start or r.end > loc.end:
                out.append(f"exon {e.number} on {build} lies outside the gene")
    return out


# --- alterations.yaml -----------------------------------------------------------------------------

def _fusion_partner(a: Alteration, _known: Known) -> list[str]:
    if a.fusion and a.gene not in (a.fusion.gene5, a.fusion.gene3):
        return [f"gene {a.gene!r} is not a partner of the fusion"]
    return []


def _codon_coordinates(a: Alteration, known: Known) -> list[str]:
    gene = known.gene(a.gene) if a.kind == "codon" else None
    if gene and a.codon not in {c.number for c in gene.codons}:
        return [f"codon {a.codon} has no coordinates in genes.yaml"]
    return []


def _exon_coordinates(a: Alteration, known: Known) -> list[str]:
    if a.kind not in ("exon_inframe_deletion", "exon_insertion", "exon_skipping"):
        return []
    gene = known.gene(a.gene)
    out = []
    if gene and a.exon not in {e.number for e in gene.exons}:
        out.append(f"exon {a.exon} has no coordinates in genes.yaml")
    exon = next((e for e in gene.exons if e.number == a.exon), None) if gene else None
    if exon and a.splice_windows:
        # An exonic window longer than the exon would reach into the other intron unannounced.
        length = min(getattr(exon, b).end - getattr(exon, b).start + 1 for b in ("GRCh37", "GRCh38"))
        for name in ("donor_exonic", "acceptor_exonic"):
            if getattr(a.splice_windows, name) > length:
                out.append(f"splice_windows.{name} {getattr(a.splice_windows, name)} is longer than exon {a.exon} ({length} bases)")
    return out


# --- mechanisms.yaml ------------------------------------------------------------------------------

def _histologic_role(m: Mechanism) -> Check[MechanismContext]:
    def check(ctx: MechanismContext, _known: Known) -> list[str]:
        if (ctx.role == "histologic_transformation") != (m.category == "histologic"):
            return ["role histologic_transformation belongs to, and only to, category 'histologic'"]
        return []
    return check


def _after_names_targeted_therapy(ctx: MechanismContext, _known: Known) -> list[str]:
    # Resistance is to a targeted drug for the driver, judged by role (most recent for on-target): these
    # words would be silently ignored.
    if ctx.after.any_systemic or ctx.after.most_recent or ctx.after.also is not None:
        return ["a context's 'after' names targeted therapy (drugs, generations, classes), not any_systemic, most_recent or also"]
    return []


def _resists(ctx: MechanismContext, known: Known) -> list[str]:
    if ctx.resists is None:
        return []
    out = condition_problems(ctx.resists, known)
    if ctx.role != "on_target_resistance":
        out.append(f"'resists' is for on-target resistance (class cross-resistance), not {ctx.role}")
    return out


CONTEXT_CHECKS: tuple[Check[MechanismContext], ...] = (
    _driver_exists(lambda ctx: [ctx.driver], "context driver {0!r} has no driver alteration"),
    Condition(lambda ctx: ctx.after),
    _after_names_targeted_therapy,
    _resists,
    Each(lambda ctx: ctx.frequencies, (SOURCES,)),
)


def _contexts(m: Mechanism, known: Known) -> list[str]:
    # The role check needs the mechanism's category, so it is bound to the mechanism here.
    return Each(lambda mech: mech.contexts, (_histologic_role(m), *CONTEXT_CHECKS))(m, known)


# --- regimens.yaml --------------------------------------------------------------------------------

EVIDENCE_CHECKS: tuple[Check[Evidence], ...] = (
    SOURCES,
    Exists("evidence level {0!r} is not in the evidence scale (policy.yaml: {1})", lambda e: [e.level], lambda k: k.levels),
    Exists("evidence type {0!r} is not in the evidence scale (policy.yaml: {1})", lambda e: [e.type], lambda k: k.types),
)


def _regimen_post_resistance(r: Regimen, known: Known) -> list[str]:
    post = known.post_resistance(r.answers, r.driver)
    if post and r.after.is_empty() and not r.deprecated:
        where = f"resistance in {r.driver}-driven disease" if r.driver else "only ever resistance"
        return [f"answers {', '.join(post)}, {where}, so its evidence is post-resistance: say after which therapy ('after')"]
    return []


def _standard_evidence(r: Regimen, known: Known) -> list[str]:
    best = known.levels[0]
    if r.standard and not any(e.level == best and not e.negative for e in r.evidence):
        return [f"a standard option needs positive level-{best} evidence"]
    return []


def _threshold_checks(r: Regimen) -> tuple[Check[Any], ...]:
    def answered_amplification(th: Any, known: Known) -> list[str]:
        if th.alteration not in r.answers:
            return [f"threshold for {th.alteration!r}, which the regimen does not answer"]
        if th.alteration in known.alterations and known.alterations[th.alteration].kind != "amplification":
            return [f"a copy-number threshold needs an amplification entry, not {th.alteration!r}"]
        return []
    return (SOURCES, answered_amplification)


def _thresholds(r: Regimen, known: Known) -> list[str]:
    # Whether a threshold's alteration is answered depends on the regimen, so the checks are bound to it here.
    return Each(lambda reg: reg.thresholds, _threshold_checks(r))(r, known)


def _allele_specific_drugs(r: Regimen, known: Known) -> list[str]:
    answered = set(r.answers)
    return [
        f"{drug} is specific to {d.allele_specific} but the regimen answers {sorted(answered)}"
        for drug in r.drugs if (d := known.drugs.get(drug)) and d.allele_specific and answered - {d.allele_specific}
    ]


def _single_drug_against_bypass(r: Regimen, known: Known) -> list[str]:
    """A single drug against a bypass must hit the bypass gene: the driver's TKI alone is what failed."""
    if not (len(r.drugs) == 1 and not r.drug_classes and r.drugs[0] in known.drugs):
        return []
    drug = known.drugs[r.drugs[0]]
    out = []
    for m in known.kb.mechanisms:
        if m.category != "bypass" or not any(c.driver == r.driver for c in m.contexts):
            continue
        for a in sorted(set(m.alterations) & set(r.answers) & set(known.alterations)):  # unknown ids: reported above
            gene = known.alterations[a].gene
            if gene and gene not in drug.targets:
                out.append(f"offers {drug.id} alone against {a} ({m.id}), but {drug.id} does not target {gene}")
    return out


# --- trials.yaml ----------------------------------------------------------------------------------

def _trial_post_resistance(t: Trial, known: Known) -> list[str]:
    post = known.post_resistance(t.biomarkers, t.driver)
    if post and t.after.is_empty() and not t.before_progression and not t.deprecated:
        where = f"resistance in {t.driver}-driven disease" if t.driver else "only ever resistance"
        return [f"enrols {', '.join(post)}, {where}: say after which therapy ('after')"]
    return []


def _optional_status(t: Trial) -> list[Any]:
    return [t.status] if t.status is not None else []


# --- plasma.yaml (issue 16) ------------------------------------------------------------------------

def _plasma_references_and_genes(plasma: PlasmaKnowledge, known: Known) -> list[str]:
    out = [f"unknown reference {ref.ref!r}" for ref in plasma.all_sources() if ref.ref not in known.refs]
    for symbol in dict.fromkeys(plasma.genes_named()):
        gene = known.gene(symbol)
        if gene is None:
            out.append(f"gene {symbol!r} is not in genes.yaml")
        elif gene.fusion_partner_only:
            out.append(f"gene {symbol!r} is a fusion-partner-only gene, not read for variants")
    out += [f"CH gene {symbol!r} is not read for clonal_hematopoiesis in genes.yaml (read_for)"
            for symbol in plasma.ch_genes if (g := known.gene(symbol)) and "clonal_hematopoiesis" not in g.read_for]
    out += [f"ch_rates names {r.gene!r}, in neither ch_genes nor ch_wbc_only"
            for r in plasma.ch_rates if r.gene not in (*plasma.ch_genes, *plasma.ch_wbc_only)]
    return out


def _plasma_hotspot(plasma: PlasmaKnowledge, hotspot: ChHotspot, known: Known) -> list[str]:
    gene = known.gene(hotspot.gene)
    if gene is None:
        return []  # reported as an unknown gene
    has_codon = hotspot.codon in {c.number for c in gene.codons}
    label = f"CH hotspot {hotspot.gene} {hotspot.protein or f'codon {hotspot.codon}'}"
    out = []
    if not has_codon and not hotspot.no_codon_coordinates:
        out.append(f"{label}: codon {hotspot.codon} is not in the codon table of {hotspot.gene} (genes.yaml)")
    if has_codon and hotspot.no_codon_coordinates:
        out.append(f"{label}: says it has no codon coordinates, but genes.yaml has codon {hotspot.codon}: remove the reason")
    if hotspot.gene not in plasma.ch_genes:
        out.append(f"{label}: gene {hotspot.gene!r} is not in ch_genes")
    return out


def _plasma_problems(kb: Knowledgebase, known: Known) -> list[str]:
    """Every gene plasma.yaml names is a genes.yaml gene read for variants, every CH gene is read for clonal
    hematopoiesis, every hotspot codon has coordinates (or says why not), every TP53 hotspot codon is in TP53's codon
    table, every alteration id and cited reference exists."""
    plasma = kb.plasma
    tp53 = known.gene("TP53")
    tp53_codons = {c.number for c in tp53.codons} if tp53 else set()
    out = [
        *_plasma_references_and_genes(plasma, known),
        *(p for h in plasma.ch_hotspots for p in _plasma_hotspot(plasma, h, known)),
        *(f"transformation TP53 hotspot codon {n} is not in the codon table of TP53 (genes.yaml)"
          for n in plasma.transformation_tp53_hotspot_codons if n not in tp53_codons),
        *(f"germline_counselling names unknown alteration {a!r}" for a in plasma.germline_counselling if a not in known.alterations),
    ]
    return [f"plasma.yaml: plasma: {p}" for p in out]


# --- the tables -----------------------------------------------------------------------------------

REFERENCES: FileChecks[Reference] = FileChecks("references.yaml", lambda kb: kb.references, entry_id, (_reference_record,))
GENES: FileChecks[Gene] = FileChecks("genes.yaml", lambda kb: kb.genes, lambda g: g.symbol, (SOURCES, _gene_coordinates))
POLICY: FileChecks[Any] = FileChecks("policy.yaml", lambda kb: [kb.policy], lambda _: "policy", (SOURCES,))
DRUG_CLASSES: FileChecks[DrugClass] = FileChecks("drug_classes.yaml", lambda kb: kb.drug_classes, entry_id, (SOURCES,))
DRUGS: FileChecks[Drug] = FileChecks("drugs.yaml", lambda kb: kb.drugs, entry_id, (
    SOURCES,
    Exists("unknown drug class {0!r}", lambda d: d.classes, lambda k: k.classes),
    Exists("allele_specific names unknown alteration {0!r}", lambda d: optional(d.allele_specific), lambda k: k.alterations),
))
ALTERATIONS: FileChecks[Alteration] = FileChecks("alterations.yaml", lambda kb: kb.alterations, entry_id, (
    SOURCES,
    Exists("unknown gene {0!r}", lambda a: optional(a.gene), lambda k: k.genes),
    _fusion_partner,
    _codon_coordinates,
    _exon_coordinates,
))
MECHANISMS: FileChecks[Mechanism] = FileChecks("mechanisms.yaml", lambda kb: kb.mechanisms, entry_id, (
    SOURCES,
    Exists("unknown alteration {0!r}", lambda m: m.alterations, lambda k: k.alterations),
    _contexts,
))
REGIMENS: FileChecks[Regimen] = FileChecks("regimens.yaml", lambda kb: kb.regimens, entry_id, (
    SOURCES,
    Condition(lambda r: r.after),
    Each(lambda r: r.evidence, EVIDENCE_CHECKS),
    _regimen_post_resistance,
    _standard_evidence,
    Exists("allele_context names unknown alteration {0!r}",
           lambda r: (*r.allele_context.present, *r.allele_context.absent) if r.allele_context else (), lambda k: k.alterations),
    _thresholds,
    Exists("unknown drug id {0!r}", lambda r: r.drugs, lambda k: k.drugs),
    Exists("unknown alteration id {0!r}", lambda r: r.answers, lambda k: k.alterations),
    Exists("unknown trial id {0!r}", lambda r: r.trials, lambda k: k.trials),
    _driver_exists(lambda r: optional(r.driver)),
    _allele_specific_drugs,
    _single_drug_against_bypass,
))
TRIALS: FileChecks[Trial] = FileChecks("trials.yaml", lambda kb: kb.trials, entry_id, (
    SOURCES,
    Condition(lambda t: t.after),
    Each(lambda t: t.arm_drugs, (Exists("arm_drugs names unknown drug id {0!r}", lambda arm: arm, lambda k: k.drugs),)),
    Each(_optional_status, (SOURCES,)),
    _trial_post_resistance,
    Exists("unknown biomarker (alteration id) {0!r}", lambda t: t.biomarkers, lambda k: k.alterations),
    _driver_exists(lambda t: optional(t.driver)),
))


# Ids that must be unique within their file, in the order reported.
UNIQUE_IDS: tuple[tuple[str, Callable[[Knowledgebase], Iterable[str]]], ...] = (
    ("genes.yaml", lambda kb: (g.symbol for g in kb.genes)),
    ("drug_classes.yaml", lambda kb: (c.id for c in kb.drug_classes)),
    ("drugs.yaml", lambda kb: (d.id for d in kb.drugs)),
    ("alterations.yaml", lambda kb: (a.id for a in kb.alterations)),
    ("mechanisms.yaml", lambda kb: (m.id for m in kb.mechanisms)),
    ("regimens.yaml", lambda kb: (r.id for r in kb.regimens)),
    ("trials.yaml", lambda kb: (t.id for t in kb.trials)),
    ("trials.yaml", lambda kb: (t.nct_id for t in kb.trials if t.nct_id)),
)
UNIQUE_POLICY_IDS: tuple[Callable[[Knowledgebase], Iterable[str]], ...] = (
    lambda kb: (d.level for d in kb.policy.evidence_levels),
    lambda kb: (d.type for d in kb.policy.evidence_types),
    lambda kb: (r.id for r in kb.policy.exclusion_rules),
)


def _duplicates(file: str, ids: Iterable[str]) -> list[str]:
    return [f"{file}: {i}: duplicate id" for i, n in Counter(ids).items() if n > 1]


def _shared_drug_names(kb: Knowledgebase) -> list[str]:
    names = Counter(n.lower() for d in kb.drugs for n in {d.id, d.name.lower(), *map(str.lower, d.synonyms)})
    return [f"drugs.yaml: {n}: name or synonym used by more than one drug" for n, c in names.items() if c > 1]


def cross_reference_problems(kb: Knowledgebase) -> list[str]:
    """Every cross-reference problem of ``kb``, file by file and entry by entry."""
    known = Known.of(kb)
    return [
        *_duplicates("references.yaml", (r.id for r in kb.references)),
        *REFERENCES.problems(known),
        *(p for file, ids in UNIQUE_IDS for p in _duplicates(file, ids(kb))),
        *_shared_drug_names(kb),
        *GENES.problems(known),
        *(p for ids in UNIQUE_POLICY_IDS for p in _duplicates("policy.yaml", ids(kb))),
        *POLICY.problems(known),
        *_plasma_problems(kb, known),
        *(p for table in (DRUG_CLASSES, DRUGS, ALTERATIONS, MECHANISMS, REGIMENS, TRIALS) for p in table.problems(known)),
    ]
